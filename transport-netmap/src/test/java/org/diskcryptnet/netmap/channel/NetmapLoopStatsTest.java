package org.diskcryptnet.netmap.channel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import org.diskcryptnet.netmap.tcp.TcpState;
import org.diskcryptnet.netmap.wire.DropReason;

/**
 * A loop's {@link NetmapLoopStats}, read from the test's thread as a scrape would: an echo over a pipe port
 * shows up in the interface, TCP, connection-state and idle counters; a SYN to a closed port as a counted drop
 * and a reset.
 */
@Timeout(60)
class NetmapLoopStatsTest {

    @Test
    void countersReadFromAnotherThreadFollowTheTraffic() throws Exception {
        List<NetmapIoHandler> servers = new CopyOnWriteArrayList<>();
        EventLoopGroup server = new MultiThreadIoEventLoopGroup(1, recording(NetmapConfig.builder().port("pipe:stats")
                .address("198.18.90.1/24").idle(IdleStrategy.block()).build(), servers));
        EventLoopGroup client = new MultiThreadIoEventLoopGroup(1, NetmapIoHandler.newFactory(NetmapConfig.builder()
                .port("pipe:stats").address("198.18.90.2/24").build()));
        try {
            NetmapLoopStats stats = servers.getFirst().stats();
            assertEquals("pipe:stats", stats.port());
            assertEquals(0, stats.queue());
            Channel sc = new ServerBootstrap().group(server).channel(NetmapServerSocketChannel.class)
                    .childHandler(new NetmapEchoTest.Echo()).bind(7).sync().channel();
            CompletableFuture<String> echoed = new CompletableFuture<>();
            Channel cc = new Bootstrap().group(client).channel(NetmapSocketChannel.class)
                    .handler(new ChannelInboundHandlerAdapter() {
                        @Override
                        public void channelRead(ChannelHandlerContext ctx, Object msg) {
                            echoed.complete(((ByteBuf) msg).toString(StandardCharsets.US_ASCII));
                            ((ByteBuf) msg).release();
                        }
                    }).connect(sc.localAddress()).sync().channel();
            cc.writeAndFlush(Unpooled.copiedBuffer("ping", StandardCharsets.US_ASCII));
            assertEquals("ping", echoed.get(10, TimeUnit.SECONDS));

            await(() -> stats.connections(TcpState.ESTABLISHED) == 1, "one established connection");
            assertEquals(1, stats.get(NetmapLoopStats.Tcp.PASSIVE_OPENS));
            assertTrue(stats.get(NetmapLoopStats.Interface.RX_FRAMES) >= 3, "SYN, ACK, data");
            assertTrue(stats.get(NetmapLoopStats.Interface.TX_FRAMES) >= 2, "SYN-ACK, echo");
            assertTrue(stats.get(NetmapLoopStats.Interface.RX_BYTES) >= 3 * 54, "at least three TCP frames");
            assertTrue(stats.get(NetmapLoopStats.Interface.TX_BYTES) >= 2 * 54, "at least two TCP frames");
            assertTrue(stats.get(NetmapLoopStats.Tcp.SEGMENTS_RECEIVED) >= 3);
            assertTrue(stats.get(NetmapLoopStats.Tcp.SEGMENTS_SENT) >= 2);
            assertEquals(0, stats.drops(DropReason.TCP_NO_LISTENER));

            Throwable refused = new Bootstrap().group(client).channel(NetmapSocketChannel.class)
                    .handler(new ChannelInboundHandlerAdapter())
                    .connect(new InetSocketAddress("198.18.90.1", 9)).await().cause();
            assertInstanceOf(ConnectException.class, refused);
            await(() -> stats.drops(DropReason.TCP_NO_LISTENER) == 1, "the SYN to a closed port counted as a drop");
            assertTrue(stats.get(NetmapLoopStats.Tcp.RESETS_SENT) >= 1, "and answered with RST");

            cc.close().sync();
            await(() -> stats.connections(TcpState.ESTABLISHED) == 0, "the connection leaves ESTABLISHED");
            sc.close().sync();

            assertTrue(stats.get(NetmapLoopStats.Idle.BUSY) > 0, "iterations with work");
            await(() -> stats.get(NetmapLoopStats.Idle.PARK) > 0, "the block strategy blocked when idle");
            assertTrue(stats.get(NetmapLoopStats.Idle.SPIN) >= IdleStrategy.block().spins(), "spins before blocking");
            assertEquals(0, stats.get(NetmapLoopStats.Idle.YIELD), "the block strategy never yields");
            assertEquals(0, stats.get(NetmapLoopStats.Tcp.SYN_COOKIES_SENT));
        } finally {
            client.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
            server.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    private static IoHandlerFactory recording(NetmapConfig config, List<NetmapIoHandler> into) {
        IoHandlerFactory factory = NetmapIoHandler.newFactory(config);
        return executor -> {
            NetmapIoHandler h = (NetmapIoHandler) factory.newHandler(executor);
            into.add(h);
            return h;
        };
    }

    private static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, "timed out waiting for " + what);
            Thread.sleep(10);
        }
    }
}
