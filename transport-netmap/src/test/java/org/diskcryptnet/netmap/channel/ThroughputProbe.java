package org.diskcryptnet.netmap.channel;

import java.net.InetSocketAddress;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import org.junit.jupiter.api.Test;

class ThroughputProbe {
    @Test
    void probe() throws Exception {
        for (IdleStrategy idle : new IdleStrategy[] {IdleStrategy.block(), IdleStrategy.backoff(), IdleStrategy.block()}) {
            probe(idle, "p" + (System.nanoTime() % 100000));
        }
    }

    void probe(IdleStrategy idle, String pipe) throws Exception {
        EventLoopGroup sg = new MultiThreadIoEventLoopGroup(1, NetmapIoHandler.newFactory(
                NetmapConfig.builder().port("pipe:" + pipe).idle(idle).address("198.18.90.1/24").build()));
        EventLoopGroup cg = new MultiThreadIoEventLoopGroup(1, NetmapIoHandler.newFactory(
                NetmapConfig.builder().port("pipe:" + pipe).idle(idle).address("198.18.90.2/24").build()));
        long total = 200L << 20;
        Channel server = new ServerBootstrap().group(sg).channel(NetmapServerSocketChannel.class)
                .childHandler(new ChannelInboundHandlerAdapter() {
                    long sent;
                    @Override
                    public void channelActive(ChannelHandlerContext ctx) {
                        send(ctx);
                    }
                    void send(ChannelHandlerContext ctx) {
                        while (sent < total && ctx.channel().isWritable()) {
                            ByteBuf b = ctx.alloc().directBuffer(65536);
                            b.writerIndex(65536);
                            sent += 65536;
                            ctx.write(b);
                        }
                        ctx.flush();
                    }
                    @Override
                    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
                        send(ctx);
                    }
                }).bind(0).sync().channel();
        CompletableFuture<Long> done = new CompletableFuture<>();
        long start = System.nanoTime();
        new Bootstrap().group(cg).channel(NetmapSocketChannel.class).handler(new ChannelInboundHandlerAdapter() {
            long got;
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                got += ((ByteBuf) msg).readableBytes();
                ((ByteBuf) msg).release();
                if (got >= total) done.complete(got);
            }
        }).connect((InetSocketAddress) server.localAddress()).sync();
        done.get(120, TimeUnit.SECONDS);
        double s = (System.nanoTime() - start) / 1e9;
        System.err.printf("PROBE " + idle.kind() + " %d MiB in %.2f s = %.2f Gbit/s%n", total >> 20, s, total * 8 / s / 1e9);
        NetmapIoHandler h = NetmapEchoTest.handlerOf(sg.next());
        sg.next().submit(() -> System.err.println("PROBE server parks " + h.idlerParks() + " " + h.counters())).get();
        NetmapIoHandler hc = NetmapEchoTest.handlerOf(cg.next());
        cg.next().submit(() -> System.err.println("PROBE client parks " + hc.idlerParks())).get();
        sg.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        cg.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
    }
}
