package org.diskcryptnet.netmap.channel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.DefaultFileRegion;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import org.diskcryptnet.netmap.port.fault.FaultPlan;

/**
 * {@link FileReadAhead} through loss and reordering: new data comes out of runs, retransmissions are read on their
 * own, and every byte of several DefaultFileRegions sent at once arrives as it is in the file.
 */
@Timeout(120)
class FileReadAheadTest {

    private static PipeGroups groups;

    @TempDir
    Path dir;

    @BeforeAll
    static void groups() {
        groups = new PipeGroups(1, PipeGroups.side("dcnq-fra", "198.18.131.11/24")
                .faults(FaultPlan.parse("loss=0.05,reorder=0.05,seed=5")),
                PipeGroups.side("dcnq-fra", "198.18.131.12/24"));
    }

    @AfterAll
    static void shutdown() {
        groups.close();
    }

    @Test
    void regionsSentAtOnceThroughLossArriveWholeAndRetransmissionsAreReadOnTheirOwn() throws Exception {
        int connections = 4;
        byte[][] data = new byte[connections][];
        Path[] files = new Path[connections];
        for (int i = 0; i < connections; i++) {
            data[i] = new byte[200_000 + 4_099 * i];
            new Random(i).nextBytes(data[i]);
            files[i] = Files.write(dir.resolve("f" + i), data[i]);
        }
        CompletableFuture<NetmapSocketChannel> child = new CompletableFuture<>();
        int[] next = {0};
        Channel server = new ServerBootstrap().group(groups.server).channel(NetmapServerSocketChannel.class)
                .childHandler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel c) {
                        c.pipeline().addLast(new ChannelInboundHandlerAdapter() {
                            @Override
                            public void channelActive(ChannelHandlerContext ctx) {
                                child.complete((NetmapSocketChannel) ctx.channel());
                                int i = next[0]++ % connections; // the loop's thread: one at a time
                                ctx.writeAndFlush(new DefaultFileRegion(files[i].toFile(), 0, data[i].length))
                                        .addListener(ChannelFutureListener.CLOSE);
                            }
                        });
                    }
                }).bind(0).sync().channel();
        try {
            CompletableFuture<?>[] received = new CompletableFuture<?>[connections];
            for (int i = 0; i < connections; i++) {
                received[i] = CompletableFuture.supplyAsync(() -> {
                    try {
                        return groups.receiveAll(server);
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                });
            }
            CompletableFuture.allOf(received).get(90, TimeUnit.SECONDS);
            // connections are accepted in an order of their own: match each body to the file it must be
            for (CompletableFuture<?> r : received) {
                byte[] got = (byte[]) r.get();
                byte[] want = Arrays.stream(data).filter(d -> d.length == got.length).findFirst().orElse(null);
                assertTrue(want != null, "a body of " + got.length + " bytes matches no file's length");
                assertArrayEquals(want, got);
            }
        } finally {
            server.close().sync();
        }
        NetmapSocketChannel ch = child.get(5, TimeUnit.SECONDS);
        NetmapIoHandler loop = ch.loop();
        long[] k = ch.eventLoop().submit(() -> new long[] {loop.fileReadAhead().runs, loop.fileReadAhead().bytesServed,
                loop.fileReadAhead().bypassed}).get(5, TimeUnit.SECONDS);
        long total = Arrays.stream(data).mapToLong(d -> d.length).sum();
        System.out.printf("DefaultFileRegion through 5%% loss: %d runs, %d of %d bytes from runs, %d segments read on "
                + "their own%n", k[0], k[1], total, k[2]);
        assertTrue(k[1] <= total && k[1] > total / 2, "new data comes out of runs: " + k[1]);
        assertTrue(k[2] > 0, "retransmissions are read on their own");
        // read one segment at a time, the 824,594 bytes would take 570 reads; runs are sized by what each connection
        // took of its last one, so how many there are depends on the loops' timing: 106-135 alone, 149 once under
        // the full build's load. Three segments a run on average is the bound.
        assertTrue(k[0] * 3 < total / 1448, k[0] + " runs");
    }
}
