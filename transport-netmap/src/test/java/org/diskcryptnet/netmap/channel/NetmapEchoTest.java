package org.diskcryptnet.netmap.channel;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Server and client channels on two userspace stacks joined by a two-queue pipe: bytes echo unchanged. */
@Timeout(60)
class NetmapEchoTest {

    private static PipeGroups groups;

    @BeforeAll
    static void groups() {
        groups = new PipeGroups(2, PipeGroups.side("echo-test", "198.18.90.1/24"),
                PipeGroups.side("echo-test", "198.18.90.2/24"));
    }

    @AfterAll
    static void shutdown() {
        groups.close();
    }

    @io.netty.channel.ChannelHandler.Sharable
    static final class Echo extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ctx.writeAndFlush(msg);
        }
    }

    static void dump(String side, io.netty.util.concurrent.EventExecutor ex) throws Exception {
        NetmapIoHandler h = handlerOf(ex);
        ex.submit(() -> {
            System.err.println(side + " " + h + ": " + h.counters());
            System.err.println(side + " tcp: " + h.counters().tcp());
        }).get();
    }

    static NetmapIoHandler handlerOf(io.netty.util.concurrent.EventExecutor ex) throws Exception {
        java.lang.reflect.Method m = io.netty.channel.SingleThreadIoEventLoop.class.getDeclaredMethod("ioHandler");
        m.setAccessible(true);
        return (NetmapIoHandler) m.invoke(ex);
    }

    @Test
    void echoesOneMegabytePerConnectionOnEveryLoop() throws Exception {
        Channel server = new ServerBootstrap().group(groups.server).channel(NetmapServerSocketChannel.class)
                .childHandler(new Echo())
                .bind(0).sync().channel();
        InetSocketAddress address = (InetSocketAddress) server.localAddress();
        assertEquals("198.18.90.1", address.getAddress().getHostAddress());
        byte[] data = new byte[1 << 20];
        ThreadLocalRandom.current().nextBytes(data);
        long start = System.nanoTime();
        List<CompletableFuture<byte[]>> results = new ArrayList<>();
        List<Channel> clients = new ArrayList<>();
        List<ByteBuf> receivedBufs = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            CompletableFuture<byte[]> done = new CompletableFuture<>();
            ByteBuf received = Unpooled.buffer(data.length);
            receivedBufs.add(received);
            Channel c = new Bootstrap().group(groups.client).channel(NetmapSocketChannel.class)
                    .handler(new ChannelInboundHandlerAdapter() {
                        @Override
                        public void channelRead(ChannelHandlerContext ctx, Object msg) {
                            ByteBuf b = (ByteBuf) msg;
                            received.writeBytes(b);
                            b.release();
                            if (received.readableBytes() == data.length) {
                                done.complete(received.array());
                            }
                        }

                        @Override
                        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                            done.completeExceptionally(cause);
                        }
                    })
                    .connect(address).sync().channel();
            clients.add(c);
            results.add(done);
            for (int off = 0; off < data.length; off += 10_000) {
                c.write(Unpooled.wrappedBuffer(data, off, Math.min(10_000, data.length - off)));
            }
            c.flush();
        }
        for (int i = 0; i < results.size(); i++) {
            try {
                assertArrayEquals(data, results.get(i).get(10, TimeUnit.SECONDS));
            } catch (java.util.concurrent.TimeoutException e) {
                System.err.println("client " + i + " received " + receivedBufs.get(i).readableBytes());
                for (io.netty.util.concurrent.EventExecutor ex : groups.server) dump("server", ex);
                for (io.netty.util.concurrent.EventExecutor ex : groups.client) dump("client", ex);
                throw e;
            }
        }
        System.err.println("echo of 4 x 1 MiB took " + (System.nanoTime() - start) / 1_000_000 + " ms");
        for (io.netty.util.concurrent.EventExecutor ex : groups.server) dump("server", ex);
        assertTrue(clients.stream().map(Channel::eventLoop).distinct().count() == 2, "clients on both loops");
        for (Channel c : clients) {
            c.close().sync();
        }
        server.close().sync();
    }
}
