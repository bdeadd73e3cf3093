package org.diskcryptnet.disk;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.handler.codec.LineBasedFrameDecoder;

/**
 * A minimal server for tests: a client sends {@code "name offset length\n"} and gets exactly those bytes of the
 * file, as a {@link DiskRegion} through {@link DiskRegionWriter} (or, without the writer, through the
 * transport's own {@code transferTo}), then the server closes. A failed response closes early: the client sees
 * fewer bytes, never wrong ones.
 */
final class RegionServer implements AutoCloseable {

    final DiskStorage storage;
    final EventLoopGroup group;
    final Channel server;

    RegionServer(DiskStorage storage, int loops, boolean epoll, boolean withWriter) throws InterruptedException {
        this.storage = storage;
        this.group = new MultiThreadIoEventLoopGroup(loops, epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
        this.server = new ServerBootstrap().group(group)
                .channel(epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        if (withWriter) {
                            ch.pipeline().addLast(new DiskRegionWriter());
                        }
                        ch.pipeline().addLast(new LineBasedFrameDecoder(1024), new SimpleChannelInboundHandler<ByteBuf>() {
                            @Override
                            protected void channelRead0(ChannelHandlerContext ctx, ByteBuf msg) throws IOException {
                                String[] req = msg.toString(StandardCharsets.US_ASCII).trim().split(" ");
                                Path file = storage.root().resolve(req[0]);
                                DiskRegion region = storage.region(file, Long.parseLong(req[1]), Long.parseLong(req[2]));
                                ctx.writeAndFlush(region).addListener(ChannelFutureListener.CLOSE);
                            }

                            @Override
                            public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                                ctx.close();
                            }
                        });
                    }
                }).bind("127.0.0.1", 0).sync().channel();
    }

    InetSocketAddress address() {
        return (InetSocketAddress) server.localAddress();
    }

    /** Asks for a range and returns everything received until the server closed. */
    byte[] fetch(String name, long offset, long length) throws IOException {
        return fetch(name, offset, length, 0);
    }

    /** As {@link #fetch(String, long, long)}, pausing {@code pauseMillis} after each 64 KiB read (a slow client). */
    byte[] fetch(String name, long offset, long length, int pauseMillis) throws IOException {
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        try (Socket s = new Socket()) {
            s.setReceiveBufferSize(64 * 1024);
            s.connect(address(), 5000);
            s.setSoTimeout(20_000);
            OutputStream out = s.getOutputStream();
            out.write((name + " " + offset + " " + length + "\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            byte[] buf = new byte[64 * 1024];
            int n;
            while ((n = in.read(buf)) > 0) {
                got.write(buf, 0, n);
                if (pauseMillis > 0) {
                    try {
                        Thread.sleep(pauseMillis);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        break;
                    }
                }
            }
            return got.toByteArray();
        } catch (java.net.SocketException e) {
            return got.toByteArray(); // reset by the server: what arrived before it
        }
    }

    @Override
    public void close() {
        server.close().syncUninterruptibly();
        group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
        storage.close();
    }
}
