package org.diskcryptnet.netmap.channel;

import java.io.ByteArrayOutputStream;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;

/**
 * A server group and a client group of netmap loops joined by one {@code pipe:}: the two ends a channel test talks
 * between, opened once per test class and shut down with it.
 */
final class PipeGroups implements AutoCloseable {

    final EventLoopGroup server;
    final EventLoopGroup client;

    /** {@code loops} loops a side, one queue pair each; the server end configured by {@code server}. */
    PipeGroups(int loops, NetmapConfig.Builder server, NetmapConfig.Builder client) {
        this.server = new MultiThreadIoEventLoopGroup(loops, NetmapIoHandler.newFactory(server.queues(loops).build()));
        this.client = new MultiThreadIoEventLoopGroup(loops, NetmapIoHandler.newFactory(client.queues(loops).build()));
    }

    /** One loop a side over {@code pipe:NAME}, the server at {@code serverAddress}, the client at {@code clientAddress}. */
    static PipeGroups open(String pipe, String serverAddress, String clientAddress) {
        return new PipeGroups(1, side(pipe, serverAddress), side(pipe, clientAddress));
    }

    static NetmapConfig.Builder side(String pipe, String address) {
        return NetmapConfig.builder().port("pipe:" + pipe).address(address);
    }

    /** Connects a client to {@code server} and returns every byte it got before the server closed. */
    byte[] receiveAll(Channel server) throws Exception {
        return fetch(server.localAddress(), "").get(30, TimeUnit.SECONDS);
    }

    /**
     * Connects a client to {@code server}, sends {@code request} (if not empty), and completes with every byte it got
     * when the connection ends. A reset from the server ends it like a close: a test that expects all the bytes
     * finds them missing.
     */
    CompletableFuture<byte[]> fetch(SocketAddress server, String request) throws InterruptedException {
        CompletableFuture<byte[]> done = new CompletableFuture<>();
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        new Bootstrap().group(client).channel(NetmapSocketChannel.class)
                .handler(new ChannelInboundHandlerAdapter() {
                    @Override
                    public void channelActive(ChannelHandlerContext ctx) {
                        if (!request.isEmpty()) {
                            ctx.writeAndFlush(Unpooled.copiedBuffer(request, StandardCharsets.US_ASCII));
                        }
                    }

                    @Override
                    public void channelRead(ChannelHandlerContext ctx, Object msg) {
                        ByteBuf b = (ByteBuf) msg;
                        byte[] bytes = new byte[b.readableBytes()];
                        b.readBytes(bytes);
                        b.release();
                        synchronized (got) {
                            got.writeBytes(bytes);
                        }
                    }

                    @Override
                    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                        ctx.close();
                    }

                    @Override
                    public void channelInactive(ChannelHandlerContext ctx) {
                        synchronized (got) {
                            done.complete(got.toByteArray());
                        }
                    }
                }).connect(server).sync();
        return done;
    }

    @Override
    public void close() {
        client.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        server.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }
}
