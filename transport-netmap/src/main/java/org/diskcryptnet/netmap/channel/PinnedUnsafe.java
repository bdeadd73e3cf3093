package org.diskcryptnet.netmap.channel;

import java.net.SocketAddress;

import io.netty.channel.Channel;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.ChannelPromise;
import io.netty.channel.EventLoop;
import io.netty.channel.RecvByteBufAllocator;

/**
 * The {@link Channel.Unsafe} an accepted {@link NetmapSocketChannel} shows the world. Its connection lives in the
 * TCP instance of the loop whose queue received the SYN, and its packets keep arriving on that queue, so the
 * channel can only run on that loop. {@code ServerBootstrap} registers accepted channels with
 * {@code childGroup.register(child)}, which picks a loop round-robin; this unsafe registers with the connection's
 * loop instead, whatever loop it is handed. Everything else is the channel's own unsafe.
 */
final class PinnedUnsafe implements Channel.Unsafe {

    private final Channel.Unsafe unsafe;
    private final EventLoop home;

    PinnedUnsafe(Channel.Unsafe unsafe, EventLoop home) {
        this.unsafe = unsafe;
        this.home = home;
    }

    @Override
    public void register(EventLoop eventLoop, ChannelPromise promise) {
        unsafe.register(home, promise);
    }

    @Override
    public RecvByteBufAllocator.Handle recvBufAllocHandle() {
        return unsafe.recvBufAllocHandle();
    }

    @Override
    public SocketAddress localAddress() {
        return unsafe.localAddress();
    }

    @Override
    public SocketAddress remoteAddress() {
        return unsafe.remoteAddress();
    }

    @Override
    public void bind(SocketAddress localAddress, ChannelPromise promise) {
        unsafe.bind(localAddress, promise);
    }

    @Override
    public void connect(SocketAddress remoteAddress, SocketAddress localAddress, ChannelPromise promise) {
        unsafe.connect(remoteAddress, localAddress, promise);
    }

    @Override
    public void disconnect(ChannelPromise promise) {
        unsafe.disconnect(promise);
    }

    @Override
    public void close(ChannelPromise promise) {
        unsafe.close(promise);
    }

    @Override
    public void closeForcibly() {
        unsafe.closeForcibly();
    }

    @Override
    public void deregister(ChannelPromise promise) {
        unsafe.deregister(promise);
    }

    @Override
    public void beginRead() {
        unsafe.beginRead();
    }

    @Override
    public void write(Object msg, ChannelPromise promise) {
        unsafe.write(msg, promise);
    }

    @Override
    public void flush() {
        unsafe.flush();
    }

    @Override
    public ChannelPromise voidPromise() {
        return unsafe.voidPromise();
    }

    @Override
    public ChannelOutboundBuffer outboundBuffer() {
        return unsafe.outboundBuffer();
    }
}
