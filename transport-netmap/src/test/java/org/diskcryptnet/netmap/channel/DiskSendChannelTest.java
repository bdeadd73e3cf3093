package org.diskcryptnet.netmap.channel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.diskcryptnet.disk.DiskStorage;
import org.diskcryptnet.disk.memory.Fault;
import org.diskcryptnet.disk.memory.FaultPlan;
import org.diskcryptnet.disk.memory.MemoryBackend;
import org.diskcryptnet.disk.uring.IoUringBackend;
import org.diskcryptnet.netmap.datapath.DiskSendCounters;

/**
 * DiskRegions through the disk send path of a netmap loop, with the in-memory disk backend and its faults (no
 * io_uring needed): what a client gets, and what happens to a connection whose file cannot be read while another
 * connection of the same loop is served from a good one.
 */
class DiskSendChannelTest {

    private static PipeGroups groups;

    @TempDir
    Path dir;

    @BeforeAll
    static void groups() {
        groups = PipeGroups.open("dcd-send", "198.18.110.11/24", "198.18.110.12/24");
    }

    @AfterAll
    static void shutdown() {
        groups.close();
    }

    @Test
    void aFileThatCannotBeReadClosesOnlyItsConnection() throws Exception {
        byte[] good = content(700_001, 1);
        byte[] bad = content(700_001, 2);
        Files.write(dir.resolve("good.bin"), good);
        Files.write(dir.resolve("bad.bin"), bad);
        // bad.bin fails from 256 KiB on: the connection has sent part of it when the error comes
        FaultPlan plan = FaultPlan.forFiles("bad.bin", (file, offset, length, seq) ->
                offset >= 256 * 1024 ? Fault.ioError() : Fault.NONE);
        List<String> serverErrors = new CopyOnWriteArrayList<>();
        try (DiskStorage storage = new DiskStorage(new MemoryBackend(plan), dir, DiskStorage.Config.DEFAULT)) {
            DiskSendCounters[] counters = new DiskSendCounters[1];
            Channel server = new ServerBootstrap().group(groups.server).channel(NetmapServerSocketChannel.class)
                    .childHandler(new ChannelInitializer<>() {
                        @Override
                        protected void initChannel(Channel ch) {
                            ch.pipeline().addLast(new ChannelInboundHandlerAdapter() {
                        @Override
                        public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
                            ByteBuf b = (ByteBuf) msg;
                            String name = b.toString(StandardCharsets.US_ASCII);
                            b.release();
                            NetmapIoHandler loop = ((NetmapSocketChannel) ctx.channel()).loop();
                            counters[0] = loop.sendPath(storage.loop(ctx.channel().eventLoop())).counters();
                            ctx.writeAndFlush(storage.region(dir.resolve(name), 0, 700_001))
                                    .addListener(ChannelFutureListener.CLOSE);
                        }

                        @Override
                        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                            serverErrors.add(cause.getMessage());
                        }
                            });
                        }
                    }).bind(0).sync().channel();
            try {
                CompletableFuture<byte[]> fromBad = groups.fetch(server.localAddress(), "bad.bin");
                CompletableFuture<byte[]> fromGood = groups.fetch(server.localAddress(), "good.bin");
                byte[] fromGoodBytes;
                try {
                    fromGoodBytes = fromGood.get(30, TimeUnit.SECONDS);
                } catch (java.util.concurrent.TimeoutException e) {
                    String state = groups.server.next().submit(() -> counters[0] == null ? "no send path"
                            : "reads " + counters[0].diskReads + " sent " + counters[0].fileBytesSent + " budget "
                            + counters[0].budgetInUse + " failures " + counters[0].readFailures + " refused "
                            + counters[0].refusedUnits).get(5, TimeUnit.SECONDS);
                    throw new AssertionError("stalled: " + state + ", server errors " + serverErrors, e);
                }
                assertArrayEquals(good, fromGoodBytes, "the good file arrives whole");
                byte[] partial = fromBad.get(30, TimeUnit.SECONDS);
                assertTrue(partial.length < bad.length, "the bad file is cut short: " + partial.length);
                assertArrayEquals(java.util.Arrays.copyOf(bad, partial.length), partial, "what came is right");
                // the write promise completed when TCP took the region, and CLOSE closed the channel: the failure
                // surfaces as the client's reset, the loop's counter and a log line, not as a pipeline event
                assertTrue(serverErrors.stream().allMatch(m -> m.contains("could not be read")), serverErrors.toString());
                long failures = groups.server.next().submit(() -> counters[0].readFailures).get(5, TimeUnit.SECONDS);
                assertTrue(failures >= 1, "read failures counted: " + failures);
            } finally {
                server.close().sync();
            }
        }
    }

    @Test
    void closingTheStorageUnderAConnectionResetsItInsteadOfReadingFromClosedRings() throws Exception {
        // the disk queue's rings are unmapped when its storage closes: a connection still sending must not reach them
        assumeTrue(IoUringBackend.isAvailable(), () -> "io_uring unavailable: " + IoUringBackend.unavailabilityCause());
        byte[] data = content(4 << 20, 3);
        Path file = Files.write(dir.resolve("object.bin"), data);
        DiskStorage storage = new DiskStorage(new IoUringBackend(), dir, DiskStorage.Config.DEFAULT);
        CompletableFuture<Void> sending = new CompletableFuture<>();
        Channel server = new ServerBootstrap().group(groups.server).channel(NetmapServerSocketChannel.class)
                .childHandler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(new ChannelInboundHandlerAdapter() {
                            @Override
                            public void channelActive(ChannelHandlerContext ctx) {
                                next(ctx);
                            }

                            private void next(ChannelHandlerContext ctx) {
                                try {
                                    ctx.writeAndFlush(storage.region(file, 0, data.length)).addListener(f -> {
                                        sending.complete(null);
                                        if (f.isSuccess()) {
                                            next(ctx);
                                        }
                                    });
                                } catch (java.io.IOException e) {
                                    ctx.close(); // the storage is closed: no more regions
                                }
                            }
                        });
                    }
                }).bind(0).sync().channel();
        try {
            CompletableFuture<byte[]> got = groups.fetch(server.localAddress(), "");
            sending.get(10, TimeUnit.SECONDS);
            Thread.sleep(50);
            storage.close(); // on the server's loop, between its iterations
            byte[] bytes = got.get(30, TimeUnit.SECONDS);
            assertTrue(bytes.length > 0, "bytes arrived before the storage closed");
            for (int i = 0; i < bytes.length; i += data.length) {
                int n = Math.min(data.length, bytes.length - i);
                assertArrayEquals(java.util.Arrays.copyOf(data, n), java.util.Arrays.copyOfRange(bytes, i, i + n),
                        "region copy " + i / data.length);
            }
        } finally {
            server.close().sync();
            storage.close();
        }
    }

    private static byte[] content(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }
}
