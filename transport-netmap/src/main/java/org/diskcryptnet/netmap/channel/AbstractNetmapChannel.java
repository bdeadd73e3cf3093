package org.diskcryptnet.netmap.channel;

import java.net.BindException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.channels.UnresolvedAddressException;
import java.nio.channels.UnsupportedAddressTypeException;

import io.netty.channel.AbstractChannel;
import io.netty.channel.Channel;
import io.netty.channel.ChannelMetadata;
import io.netty.channel.ChannelPromise;
import io.netty.channel.EventLoop;
import io.netty.channel.IoEvent;
import io.netty.channel.IoEventLoop;
import io.netty.channel.IoRegistration;

import org.diskcryptnet.netmap.wire.Ipv4Address;

/**
 * What the netmap channels share, in the shape of Netty's {@code AbstractEpollChannel}: the registration with a
 * {@link NetmapIoHandler} loop (through which the channel reaches the loop's stack), the read interest, and the
 * mapping between socket addresses and the stack's one IPv4 address.
 */
abstract class AbstractNetmapChannel extends AbstractChannel {

    private static final ChannelMetadata METADATA = new ChannelMetadata(false, 16);

    private NetmapRegistration registration;
    /** The loop the channel is registered with (set by registration, kept after it for late callers). */
    protected volatile NetmapIoHandler loop;
    protected volatile boolean open = true;
    protected volatile boolean active;
    protected volatile InetSocketAddress local;
    protected volatile InetSocketAddress remote;

    AbstractNetmapChannel(Channel parent) {
        super(parent);
    }

    @Override
    public ChannelMetadata metadata() {
        return METADATA;
    }

    @Override
    public boolean isOpen() {
        return open;
    }

    @Override
    public boolean isActive() {
        return active;
    }

    @Override
    protected boolean isCompatible(EventLoop loop) {
        return loop instanceof IoEventLoop l && l.isCompatible(AbstractNetmapUnsafe.class);
    }

    @Override
    protected SocketAddress localAddress0() {
        return local;
    }

    @Override
    protected SocketAddress remoteAddress0() {
        return remote;
    }

    @Override
    protected void doRegister(ChannelPromise promise) {
        ((IoEventLoop) eventLoop()).register(netmapUnsafe()).addListener(f -> {
            if (f.isSuccess()) {
                IoRegistration wrapped = (IoRegistration) f.getNow();
                registration(wrapped);
                promise.setSuccess();
            } else {
                promise.setFailure(f.cause());
            }
        });
    }

    private void registration(IoRegistration wrapped) {
        NetmapRegistration r = wrapped.attachment();
        this.registration = r;
        this.loop = r.loop();
        this.wrappedRegistration = wrapped;
        registered(r.loop());
    }

    /** Netty wraps our registration (to count channels): cancel through the wrapper, use ours for the rest. */
    private IoRegistration wrappedRegistration;

    /** The registration with the loop completed, on the loop's thread. */
    protected abstract void registered(NetmapIoHandler loop);

    protected final NetmapRegistration registration() {
        return registration;
    }

    @Override
    protected void doDeregister() throws Exception {
        IoRegistration r = wrappedRegistration;
        if (r != null) {
            wrappedRegistration = null;
            r.cancel();
        }
    }

    @Override
    protected void doBeginRead() throws Exception {
        netmapUnsafe().readPending = true;
        NetmapRegistration r = registration;
        if (r != null) {
            r.submit(NetmapIoOps.READ);
        }
    }

    /** The channel's own unsafe (an accepted channel shows a {@link PinnedUnsafe} wrapping it). */
    final AbstractNetmapUnsafe netmapUnsafe() {
        return (AbstractNetmapUnsafe) super.unsafe();
    }

    /** Stops read interest (auto-read off and no read() pending). */
    protected final void clearReadInterest() {
        netmapUnsafe().readPending = false;
        NetmapRegistration r = registration;
        if (r != null) {
            r.submit(NetmapIoOps.NONE);
        }
    }

    // ======================================================================================== addresses

    /**
     * The stack address a local {@code address} names: the stack's own address, the wildcard or a loopback
     * address (a userspace stack has one address and no loopback interface: both mean "this stack").
     */
    static int localIp(NetmapIoHandler loop, SocketAddress address) throws BindException {
        int own = loop.networkInterface().address();
        if (address == null) {
            return own;
        }
        InetAddress a = inet(address).getAddress();
        if (a.isAnyLocalAddress() || a.isLoopbackAddress()) {
            return own;
        }
        if (a instanceof Inet4Address v4 && Ipv4Address.of(v4.getAddress()) == own) {
            return own;
        }
        throw new BindException("Cannot assign requested address: " + a.getHostAddress()
                + " (the userspace stack's address is " + Ipv4Address.format(own) + ")");
    }

    static int localPort(SocketAddress address) {
        return address == null ? 0 : inet(address).getPort();
    }

    static InetSocketAddress inet(SocketAddress address) {
        if (!(address instanceof InetSocketAddress isa)) {
            throw new UnsupportedAddressTypeException();
        }
        if (isa.isUnresolved()) {
            throw new UnresolvedAddressException();
        }
        return isa;
    }

    /** The IPv4 address of a remote {@code address}; IPv6 is not spoken by the stack. */
    static int remoteIp(InetSocketAddress address) {
        InetAddress a = address.getAddress();
        if (!(a instanceof Inet4Address v4)) {
            throw new UnsupportedAddressTypeException();
        }
        return Ipv4Address.of(v4.getAddress());
    }

    static InetSocketAddress socketAddress(int ip, int port) {
        try {
            return new InetSocketAddress(InetAddress.getByAddress(Ipv4Address.toBytes(ip)), port);
        } catch (java.net.UnknownHostException e) {
            throw new IllegalStateException(e); // four bytes are always an address
        }
    }

    // ======================================================================================== unsafe

    abstract class AbstractNetmapUnsafe extends AbstractUnsafe implements NetmapIoHandle {
        boolean readPending;

        @Override
        public void registered() {
            // the IoHandler calls this from register(); the registration object is ours
        }

        @Override
        public void handle(IoRegistration registration, IoEvent event) {
            handle((NetmapIoEvent) event);
        }

        abstract void handle(NetmapIoEvent event);

        @Override
        public void close() {
            close(voidPromise());
        }

        Channel channel() {
            return AbstractNetmapChannel.this;
        }

        /** Whether reading should stop: no read() pending and auto-read off. */
        final boolean shouldStopReading() {
            return !readPending && !config().isAutoRead();
        }
    }
}
