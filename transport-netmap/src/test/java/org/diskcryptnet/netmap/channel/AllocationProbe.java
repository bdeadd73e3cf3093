package org.diskcryptnet.netmap.channel;

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
import org.junit.jupiter.api.Test;

/** Bytes the loop threads allocate per GB in steady state: server writes with void promises, client reads. */
class AllocationProbe {
    @Test
    void probe() throws Exception {
        EventLoopGroup sg = new MultiThreadIoEventLoopGroup(1, NetmapIoHandler.newFactory(
                NetmapConfig.builder().port("pipe:alloc").address("198.18.90.1/24").build()));
        EventLoopGroup cg = new MultiThreadIoEventLoopGroup(1, NetmapIoHandler.newFactory(
                NetmapConfig.builder().port("pipe:alloc").address("198.18.90.2/24").build()));
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long st = sg.next().submit(() -> Thread.currentThread().threadId()).get();
        long ct = cg.next().submit(() -> Thread.currentThread().threadId()).get();
        AtomicLong got = new AtomicLong();
        Channel server = new ServerBootstrap().group(sg).channel(NetmapServerSocketChannel.class)
                .childHandler(new ChannelInboundHandlerAdapter() {
                    @Override
                    public void channelActive(ChannelHandlerContext ctx) { send(ctx); }
                    void send(ChannelHandlerContext ctx) {
                        while (ctx.channel().isWritable()) {
                            ByteBuf b = ctx.alloc().directBuffer(16384);
                            b.writerIndex(16384);
                            ctx.write(b, ctx.voidPromise());
                        }
                        ctx.flush();
                    }
                    @Override
                    public void channelWritabilityChanged(ChannelHandlerContext ctx) { send(ctx); }
                }).bind(0).sync().channel();
        CompletableFuture<Void> reached = new CompletableFuture<>();
        long[] target = {Long.MAX_VALUE};
        new Bootstrap().group(cg).channel(NetmapSocketChannel.class).handler(new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                long g = got.addAndGet(((ByteBuf) msg).readableBytes());
                ((ByteBuf) msg).release();
                if (g >= target[0]) reached.complete(null);
            }
        }).connect((InetSocketAddress) server.localAddress()).sync();
        while (got.get() < (1L << 30)) Thread.sleep(50); // warm-up: 1 GiB
        long s0 = mx.getThreadAllocatedBytes(st), c0 = mx.getThreadAllocatedBytes(ct), g0 = got.get();
        target[0] = g0 + (2L << 30);
        reached.get(300, TimeUnit.SECONDS);
        long s1 = mx.getThreadAllocatedBytes(st), c1 = mx.getThreadAllocatedBytes(ct), g1 = got.get();
        double gb = (g1 - g0) / 1e9;
        System.err.printf("ALLOC over %.2f GB: server loop %.0f B/GB, client loop %.0f B/GB%n", gb, (s1 - s0) / gb, (c1 - c0) / gb);
        sg.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        cg.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
    }
}
