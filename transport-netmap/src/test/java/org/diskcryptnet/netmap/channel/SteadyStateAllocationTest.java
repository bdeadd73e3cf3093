package org.diskcryptnet.netmap.channel;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.util.ResourceLeakDetector;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Zero allocation per packet and per read in steady state (issue 7): a server channel writes 16 KiB direct buffers
 * with void promises as fast as writability allows, a client channel reads them into pooled buffers, over a
 * {@code pipe:} port between two single-loop stacks. After 512 MiB of warm-up, the heap bytes each loop thread
 * allocates while 1 GiB more crosses ({@code ThreadMXBean.getThreadAllocatedBytes}) must stay under 1 MiB per GB:
 * one object per packet (~700,000 packets per GB) or per read would be at least ~10 MiB per GB. The figure is
 * printed. Surefire runs this class in an execution of its own with leak detection off (see the pom), because
 * Netty's paranoid leak detector, on for every other test, records a stack trace per buffer.
 */
@Timeout(120)
class SteadyStateAllocationTest {

    private static final long WARM_UP = 512L << 20;
    private static final long MEASURED = 1L << 30;
    private static final double MAX_BYTES_PER_GB = 1 << 20;

    @Test
    void loopsAllocateNothingPerPacketOrReadOnceWarm() throws Exception {
        assumeTrue(ResourceLeakDetector.getLevel() == ResourceLeakDetector.Level.DISABLED,
                () -> "leak detection is " + ResourceLeakDetector.getLevel() + ": it allocates per buffer; run with "
                        + "-Dio.netty.leakDetection.level=disabled (the pom's allocation execution does)");
        EventLoopGroup sg = new MultiThreadIoEventLoopGroup(1, NetmapIoHandler.newFactory(
                NetmapConfig.builder().port("pipe:alloc").address("198.18.90.1/24").build()));
        EventLoopGroup cg = new MultiThreadIoEventLoopGroup(1, NetmapIoHandler.newFactory(
                NetmapConfig.builder().port("pipe:alloc").address("198.18.90.2/24").build()));
        try {
            com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
            long serverThread = sg.next().submit(() -> Thread.currentThread().threadId()).get();
            long clientThread = cg.next().submit(() -> Thread.currentThread().threadId()).get();
            AtomicLong received = new AtomicLong();
            Channel server = new ServerBootstrap().group(sg).channel(NetmapServerSocketChannel.class)
                    .childHandler(new Source()).bind(0).sync().channel();
            CompletableFuture<Void> reached = new CompletableFuture<>();
            long[] target = {Long.MAX_VALUE};
            Channel client = new Bootstrap().group(cg).channel(NetmapSocketChannel.class)
                    .handler(new ChannelInboundHandlerAdapter() {
                        @Override
                        public void channelRead(ChannelHandlerContext ctx, Object msg) {
                            ByteBuf b = (ByteBuf) msg;
                            long total = received.addAndGet(b.readableBytes());
                            b.release();
                            if (total >= target[0]) {
                                reached.complete(null);
                            }
                        }
                    }).connect((InetSocketAddress) server.localAddress()).sync().channel();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (received.get() < WARM_UP) {
                assertTrue(System.nanoTime() < deadline, "warm-up stalled at " + received.get() + " bytes");
                Thread.sleep(20);
            }
            long s0 = mx.getThreadAllocatedBytes(serverThread);
            long c0 = mx.getThreadAllocatedBytes(clientThread);
            long g0 = received.get();
            target[0] = g0 + MEASURED;
            reached.get(60, TimeUnit.SECONDS);
            long s1 = mx.getThreadAllocatedBytes(serverThread);
            long c1 = mx.getThreadAllocatedBytes(clientThread);
            double gb = (received.get() - g0) / 1e9;
            double serverPerGb = (s1 - s0) / gb;
            double clientPerGb = (c1 - c0) / gb;
            System.out.printf("steady state over %.2f GB: server loop %.0f B/GB, client loop %.0f B/GB%n",
                    gb, serverPerGb, clientPerGb);
            assertTrue(serverPerGb < MAX_BYTES_PER_GB, "server loop allocates " + serverPerGb + " B/GB");
            assertTrue(clientPerGb < MAX_BYTES_PER_GB, "client loop allocates " + clientPerGb + " B/GB");
            client.close().sync();
            server.close().sync();
        } finally {
            sg.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
            cg.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    /** Writes 16 KiB direct buffers while the channel is writable, again on every writability change. */
    private static final class Source extends ChannelInboundHandlerAdapter {
        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            send(ctx);
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            send(ctx);
        }

        private static void send(ChannelHandlerContext ctx) {
            while (ctx.channel().isWritable()) {
                ByteBuf b = ctx.alloc().directBuffer(16384);
                b.writerIndex(16384);
                ctx.write(b, ctx.voidPromise());
            }
            ctx.flush();
        }
    }
}
