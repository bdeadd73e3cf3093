package org.diskcryptnet.netmap.channel;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.NoRouteToHostException;
import java.net.SocketAddress;
import java.nio.channels.AlreadyConnectedException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ConnectionPendingException;
import java.util.concurrent.TimeUnit;

import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelPromise;
import io.netty.channel.ConnectTimeoutException;
import io.netty.util.concurrent.Future;

import org.diskcryptnet.netmap.stack.InterfaceConfig;
import org.diskcryptnet.netmap.tcp.TcpCloseCause;
import org.diskcryptnet.netmap.tcp.TcpConnection;
import org.diskcryptnet.netmap.tcp.TcpState;
import org.diskcryptnet.netmap.wire.Ipv4Address;

import static org.diskcryptnet.netmap.channel.AbstractNetmapChannel.inet;
import static org.diskcryptnet.netmap.channel.AbstractNetmapChannel.localIp;
import static org.diskcryptnet.netmap.channel.AbstractNetmapChannel.localPort;
import static org.diskcryptnet.netmap.channel.AbstractNetmapChannel.remoteIp;

/**
 * The connect of a client {@link NetmapSocketChannel}, as Netty's NIO and epoll channels do theirs: the address is
 * checked against the interface (no loopback in the userspace stack, no route off the subnet without a gateway),
 * the active open starts on the loop's TCP, and the connect promise is carried until the handshake completes, is
 * refused, times out ({@code CONNECT_TIMEOUT_MILLIS}), is cancelled or the channel closes. On the loop's thread only.
 */
final class ClientConnect {

    private final NetmapSocketChannel channel;
    private ChannelPromise promise;
    private Future<?> timeout;
    private InetSocketAddress requestedRemote;
    private int requestedLocalPort;

    ClientConnect(NetmapSocketChannel channel) {
        this.channel = channel;
    }

    /** The local port a bind() asked for (0: an ephemeral one). */
    void requestLocalPort(int port) {
        requestedLocalPort = port;
    }

    boolean pending() {
        return promise != null;
    }

    /**
     * Starts the active open; {@code promise} completes with {@link #established}, {@link #failed}, the timeout,
     * its cancellation or {@link #closed}. Throws what a connect(2) would report at once.
     */
    void start(SocketAddress remoteAddress, SocketAddress localAddress, ChannelPromise promise) throws Exception {
        if (this.promise != null) {
            throw new ConnectionPendingException();
        }
        if (channel.connection() != null || channel.remote != null) {
            throw new AlreadyConnectedException();
        }
        NetmapIoHandler l = channel.requireLoop();
        InetSocketAddress r = inet(remoteAddress);
        int remoteIp = remoteIp(r);
        int ownIp = l.networkInterface().address();
        if (localAddress != null) {
            localIp(l, localAddress);
            requestedLocalPort = localPort(localAddress);
        }
        InterfaceConfig ic = l.share().config().interfaceConfig();
        int mask = Ipv4Address.mask(ic.prefixLength());
        if (remoteIp == ownIp || (remoteIp >>> 24) == 127) {
            throw new ConnectException("Connection refused: " + r + " (the userspace stack has no loopback)");
        }
        if ((remoteIp & mask) != (ownIp & mask) && ic.gateway() == 0) {
            throw new NoRouteToHostException("No route to host: " + r + " is off " + Ipv4Address.format(ownIp)
                    + "/" + ic.prefixLength() + " and no gateway is configured");
        }
        TcpConnection c = requestedLocalPort == 0
                ? l.tcp().connect(remoteIp, r.getPort(), channel.registration(), l.now())
                : l.tcp().connect(requestedLocalPort, remoteIp, r.getPort(), channel.registration(), l.now());
        requestedRemote = r;
        channel.connecting(c, ownIp);
        l.flushNow();
        this.promise = promise;
        int timeoutMillis = channel.config().getConnectTimeoutMillis();
        if (timeoutMillis > 0) {
            timeout = channel.eventLoop().schedule(() -> {
                ChannelPromise p = this.promise;
                if (p != null && !p.isDone() && p.tryFailure(new ConnectTimeoutException(
                        "connection timed out after " + timeoutMillis + " ms: " + remoteAddress))) {
                    channel.ownUnsafe().close();
                }
            }, timeoutMillis, TimeUnit.MILLISECONDS);
        }
        promise.addListener((ChannelFutureListener) f -> {
            if (f.isCancelled()) {
                Future<?> t = timeout;
                if (t != null) {
                    t.cancel(false);
                }
                this.promise = null;
                channel.ownUnsafe().close();
            }
        });
    }

    /**
     * TCP reported the connection established: the promise to fulfil, or null if no connect is pending or the
     * connection is not (or no longer) established.
     */
    ChannelPromise established() {
        ChannelPromise p = promise;
        TcpConnection c = channel.connection();
        if (p == null || c == null || c.state() == TcpState.SYN_SENT || c.state() == TcpState.CLOSED) {
            return null;
        }
        channel.remote = requestedRemote;
        requestedRemote = null;
        cancelTimeout();
        promise = null;
        return p;
    }

    /** The active open failed (refused, timed out): the promise fails with what connect(2) would say. */
    void failed(TcpCloseCause cause) {
        ChannelPromise p = promise;
        promise = null;
        cancelTimeout();
        InetSocketAddress r = requestedRemote;
        IOException e = switch (cause) {
            case REFUSED -> new ConnectException("Connection refused: " + r);
            case TIMED_OUT -> new ConnectException("Connection timed out: " + r);
            default -> new ConnectException("Connection failed (" + cause + "): " + r);
        };
        if (p != null) {
            p.tryFailure(e);
        }
    }

    /** The channel closes: a pending connect fails. */
    void closed() {
        ChannelPromise p = promise;
        if (p != null) {
            p.tryFailure(new ClosedChannelException());
            promise = null;
        }
        cancelTimeout();
    }

    private void cancelTimeout() {
        Future<?> t = timeout;
        if (t != null) {
            t.cancel(false);
            timeout = null;
        }
    }
}
