package org.diskcryptnet.netmap.channel;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.channels.ClosedChannelException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.socket.ServerSocketChannel;

import org.diskcryptnet.netmap.tcp.TcpListener;

/**
 * A listening socket of the userspace stack as a Netty {@link ServerSocketChannel}. Bound once, it listens on
 * every loop of its group, as {@code SO_REUSEPORT} sockets share a port: each loop's TCP makes its own listener
 * when the first SYN for the port reaches that loop's queue, and accepts into channels that live on that loop
 * (see {@link PinnedUnsafe}). The accepted channels are fired through this channel's pipeline on its own loop.
 *
 * <p>A bind to the wildcard or to a loopback address binds the stack's own address; port 0 takes a free port
 * from 61000-65535.
 */
public final class NetmapServerSocketChannel extends AbstractNetmapChannel implements ServerSocketChannel {

    private final NetmapServerSocketChannelConfig config = new NetmapServerSocketChannelConfig(this);
    private final List<LoopAcceptor> acceptors = new CopyOnWriteArrayList<>();
    private volatile PortShare share;
    private volatile int port;
    /** Auto-read on, or a read() pending: the loops may accept. Read by every loop. */
    private volatile boolean accepting;

    public NetmapServerSocketChannel() {
        super(null);
    }

    @Override
    public NetmapServerSocketChannelConfig config() {
        return config;
    }

    @Override
    public InetSocketAddress localAddress() {
        return (InetSocketAddress) super.localAddress();
    }

    @Override
    public InetSocketAddress remoteAddress() {
        return null;
    }

    @Override
    protected SocketAddress remoteAddress0() {
        return null;
    }

    @Override
    protected AbstractNetmapUnsafe newUnsafe() {
        return new ServerUnsafe();
    }

    @Override
    protected void registered(NetmapIoHandler loop) {
        share = loop.share();
    }

    int stackReceiveBuffer() {
        NetmapIoHandler l = loop;
        return l != null ? l.tcp().config().receiveBuffer : 512 * 1024;
    }

    // ======================================================================================== bind and close

    @Override
    protected void doBind(SocketAddress localAddress) throws Exception {
        NetmapIoHandler l = loop;
        if (l == null) {
            throw new ClosedChannelException();
        }
        int ip = localIp(l, localAddress);
        int p = share.listen(localPort(localAddress), this);
        port = p;
        local = socketAddress(ip, p);
        active = true;
        share.startLoops(); // every loop's queue receives SYNs for this port
    }

    /** A loop got the first segment for our port: its listener, made on that loop's thread. */
    TcpListener listenIn(NetmapIoHandler l, int localPort) {
        if (!isOpen() || localPort != port) {
            return null;
        }
        LoopAcceptor acceptor = new LoopAcceptor(this, l);
        TcpListener listener = l.tcp().listen(localPort, config.getBacklog(), acceptor);
        acceptor.listener(listener);
        acceptors.add(acceptor);
        if (!isOpen()) {
            // closed meanwhile: the close task may have missed this acceptor
            acceptor.close();
        }
        return listener;
    }

    @Override
    protected void doClose() throws Exception {
        active = false;
        open = false;
        accepting = false;
        PortShare s = share;
        if (s != null && port > 0) {
            s.unlisten(port, this);
        }
        for (LoopAcceptor a : acceptors) {
            NetmapIoHandler l = a.loop();
            if (l.inLoop()) {
                a.close();
            } else {
                l.executor().execute(a::close);
            }
        }
    }

    @Override
    protected void doDisconnect() {
        throw new UnsupportedOperationException();
    }

    @Override
    protected void doWrite(ChannelOutboundBuffer in) {
        throw new UnsupportedOperationException();
    }

    @Override
    protected Object filterOutboundMessage(Object msg) {
        throw new UnsupportedOperationException();
    }

    // ======================================================================================== accepting

    boolean isAccepting() {
        return accepting && isOpen();
    }

    @Override
    protected void doBeginRead() throws Exception {
        super.doBeginRead();
        if (!accepting) {
            accepting = true;
            // connections may be waiting in the loops' accept queues: let every loop look
            for (LoopAcceptor a : acceptors) {
                NetmapIoHandler l = a.loop();
                if (l.inLoop()) {
                    a.drain();
                } else {
                    l.executor().execute(a::drain);
                }
            }
        }
    }

    /** Auto-read was switched off. */
    void acceptingChanged() {
        if (!config.isAutoRead() && !netmapUnsafe().readPending) {
            accepting = false;
        }
    }

    /** A loop accepted {@code child}: fire it through the pipeline, on this channel's loop. */
    void accepted(NetmapSocketChannel child) {
        int rcvbuf = config.requestedReceiveBufferSize();
        if (rcvbuf > 0) {
            child.config().setReceiveBufferSize(rcvbuf);
        }
        if (eventLoop().inEventLoop()) {
            fireAccepted(child);
        } else {
            eventLoop().execute(() -> fireAccepted(child));
        }
    }

    private void fireAccepted(NetmapSocketChannel child) {
        if (!isOpen()) {
            child.unsafe().closeForcibly();
            return;
        }
        ChannelPipeline p = pipeline();
        netmapUnsafe().readPending = false;
        p.fireChannelRead(child);
        p.fireChannelReadComplete();
        if (!config.isAutoRead() && !netmapUnsafe().readPending) {
            accepting = false;
        }
    }

    private final class ServerUnsafe extends AbstractNetmapUnsafe {
        @Override
        void handle(NetmapIoEvent event) {
            // a listening socket has no connection of its own: its work arrives through its LoopAcceptors
        }

        @Override
        public void connect(SocketAddress remoteAddress, SocketAddress localAddress,
                            io.netty.channel.ChannelPromise promise) {
            promise.setFailure(new UnsupportedOperationException("a server channel does not connect"));
        }
    }
}
