package org.diskcryptnet.netmap.channel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.BindException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.NoRouteToHostException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import org.diskcryptnet.netmap.port.PortUri;

/**
 * The event loop's contract with Netty and the transport's answers to bad input: a loop parked by any idle
 * strategy runs a task submitted from another thread, and frames from a peer, long before its park would end;
 * bad addresses and configurations get the exceptions Netty users expect.
 */
@Timeout(60)
class NetmapIoHandlerTest {

    /** Parks of up to 20 s: a wake-up that did not work would make the test wait that long. */
    private static IdleStrategy longParks(IdleStrategy.Kind kind) {
        return new IdleStrategy(kind, 10, 2, TimeUnit.SECONDS.toNanos(20), TimeUnit.SECONDS.toNanos(20));
    }

    @ParameterizedTest
    @EnumSource(IdleStrategy.Kind.class)
    void aParkedLoopRunsATaskFromAnotherThreadAtOnce(IdleStrategy.Kind kind) throws Exception {
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NetmapIoHandler.newFactory(NetmapConfig.builder()
                .port("pipe:wake" + kind.ordinal()).address("198.18.90.1/24").idle(longParks(kind)).build()));
        try {
            group.submit(() -> { }).get(10, TimeUnit.SECONDS); // the loop runs, then idles into its long park
            for (int i = 0; i < 5; i++) {
                Thread.sleep(200);
                long start = System.nanoTime();
                group.submit(() -> { }).get(10, TimeUnit.SECONDS);
                long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
                assertTrue(ms < 10_000, kind + ": the task waited " + ms + " ms, the park's length");
            }
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    @ParameterizedTest
    @EnumSource(value = IdleStrategy.Kind.class, names = {"BACKOFF", "BLOCK"})
    void aParkedLoopWakesForFramesFromItsPipePeer(IdleStrategy.Kind kind) throws Exception {
        String pipe = "pipe:peer" + kind.ordinal();
        EventLoopGroup server = new MultiThreadIoEventLoopGroup(1, NetmapIoHandler.newFactory(NetmapConfig.builder()
                .port(pipe).address("198.18.90.1/24").idle(longParks(kind)).build()));
        EventLoopGroup client = new MultiThreadIoEventLoopGroup(1, NetmapIoHandler.newFactory(NetmapConfig.builder()
                .port(pipe).address("198.18.90.2/24").idle(longParks(kind)).build()));
        try {
            Channel sc = new ServerBootstrap().group(server).channel(NetmapServerSocketChannel.class)
                    .childHandler(new NetmapEchoTest.Echo()).bind(7).sync().channel();
            CompletableFuture<String> echoed = new CompletableFuture<>();
            Channel cc = new Bootstrap().group(client).channel(NetmapSocketChannel.class)
                    .handler(new ChannelInboundHandlerAdapter() {
                        @Override
                        public void channelRead(ChannelHandlerContext ctx, Object msg) {
                            echoed.complete(((ByteBuf) msg).toString(java.nio.charset.StandardCharsets.US_ASCII));
                            ((ByteBuf) msg).release();
                        }
                    }).connect(sc.localAddress()).sync().channel();
            Thread.sleep(500); // both loops park (for up to 20 s each)
            long start = System.nanoTime();
            cc.writeAndFlush(Unpooled.copiedBuffer("ping", java.nio.charset.StandardCharsets.US_ASCII));
            assertEquals("ping", echoed.get(10, TimeUnit.SECONDS));
            assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(10));
            cc.close().sync();
            sc.close().sync();
        } finally {
            client.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
            server.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    @Test
    void badAddressesGetTheExceptionsNettyUsersExpect() throws Exception {
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NetmapIoHandler.newFactory(NetmapConfig.builder()
                .port("pipe:badaddr").address("198.18.90.1/24").build()));
        try {
            ChannelFuture foreign = new ServerBootstrap().group(group).channel(NetmapServerSocketChannel.class)
                    .childHandler(new ChannelInboundHandlerAdapter()).bind("198.18.90.77", 80).await();
            assertInstanceOf(BindException.class, foreign.cause());
            assertTrue(foreign.cause().getMessage().contains("198.18.90.1"), foreign.cause().getMessage());

            Channel first = new ServerBootstrap().group(group).channel(NetmapServerSocketChannel.class)
                    .childHandler(new ChannelInboundHandlerAdapter()).bind(8080).sync().channel();
            ChannelFuture twice = new ServerBootstrap().group(group).channel(NetmapServerSocketChannel.class)
                    .childHandler(new ChannelInboundHandlerAdapter()).bind(8080).await();
            assertInstanceOf(BindException.class, twice.cause());
            first.close().sync();

            assertInstanceOf(NoRouteToHostException.class,
                    client(group).connect(new InetSocketAddress("198.18.91.5", 80)).await().cause(), "off-link without a gateway");
            assertInstanceOf(ConnectException.class,
                    client(group).connect(new InetSocketAddress("127.0.0.1", 80)).await().cause(), "no loopback");
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    private static Bootstrap client(EventLoopGroup group) {
        return new Bootstrap().group(group).channel(NetmapSocketChannel.class).handler(new ChannelInboundHandlerAdapter());
    }

    @Test
    void channelsRefuseLoopsOfOtherTransports() throws Exception {
        EventLoopGroup nio = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        try {
            ChannelFuture f = new Bootstrap().group(nio).channel(NetmapSocketChannel.class)
                    .handler(new ChannelInboundHandlerAdapter()).register().await();
            assertTrue(f.cause().getMessage().contains("incompatible event loop"), f.cause().toString());
        } finally {
            nio.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    @Test
    void theProbeAndTheConfigurationSayWhatIsWrong() {
        assertTrue(Netmap.isAvailable(), () -> "the tests run with native access: " + Netmap.unavailabilityCause());
        assertNull(Netmap.unavailabilityCause());
        assertTrue(Netmap.isAvailable(PortUri.Kind.PIPE));
        IllegalArgumentException noAddress = assertThrows(IllegalArgumentException.class,
                () -> NetmapConfig.builder().port("pipe:x").build());
        assertTrue(noAddress.getMessage().contains("address"), noAddress.getMessage());
        IllegalArgumentException badUri = assertThrows(IllegalArgumentException.class,
                () -> NetmapConfig.builder().port("ethernet:eth0"));
        assertTrue(badUri.getMessage().contains("unknown port kind"), badUri.getMessage());
        assertThrows(IllegalArgumentException.class, () -> IdleStrategy.parse("sometimes"));
    }

    @Test
    void aGroupWithMoreLoopsThanQueuesIsRefusedWithTheCure() {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> new MultiThreadIoEventLoopGroup(2,
                NetmapIoHandler.newFactory(NetmapConfig.builder().port("pipe:fewq").address("198.18.90.1/24").build())));
        assertTrue(String.valueOf(e.getMessage()).contains("queues") || String.valueOf(e.getCause()).contains("queues"),
                e.toString());
    }
}
