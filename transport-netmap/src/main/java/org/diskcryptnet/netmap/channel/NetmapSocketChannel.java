package org.diskcryptnet.netmap.channel;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.NotYetConnectedException;
import java.util.concurrent.Executor;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.ChannelPromise;
import io.netty.channel.EventLoop;
import io.netty.channel.FileRegion;
import io.netty.buffer.ByteBuf;
import io.netty.channel.socket.ServerSocketChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.util.internal.StringUtil;

import org.diskcryptnet.disk.DiskRegionSource;
import org.diskcryptnet.netmap.tcp.TcpCloseCause;
import org.diskcryptnet.netmap.tcp.TcpConfig;
import org.diskcryptnet.netmap.tcp.TcpConnection;
import org.diskcryptnet.netmap.tcp.TcpState;
import org.diskcryptnet.tls.netty.RecordSealingChannel;
import org.diskcryptnet.tls.netty.RecordsToSeal;
import org.diskcryptnet.tls.netty.RegionSource;

/**
 * A TCP connection of the userspace stack as a Netty {@link SocketChannel}, client side (connect) or accepted by a
 * {@link NetmapServerSocketChannel}. It keeps Netty's semantics: auto-read and {@code read()}, the outbound buffer
 * consumed with progress and its water marks, {@code ALLOW_HALF_CLOSURE}, {@code shutdownOutput()}/{@code
 * shutdownInput()}, {@code SO_LINGER} 0 as a reset, connect timeouts and cancellation. Reads copy from the
 * connection's receive buffer into a pooled {@code ByteBuf} from the channel's allocator (one copy: the stack
 * reassembles in its own per-loop memory, so a zero-copy read would pin that memory in user buffers); writes are
 * described by {@link StreamWriter}; a client's connect is carried by {@link ClientConnect}. Everything runs on the
 * loop that owns the connection.
 */
public final class NetmapSocketChannel extends AbstractNetmapChannel implements SocketChannel, RecordSealingChannel {

    private static final int DEFAULT_BUFFER = 512 * 1024;
    /** Below this a segment-sized record costs more in overhead (header, tag) than sealing in staging saves. */
    private static final int MIN_RECORD_PAYLOAD = 512;

    private final NetmapSocketChannelConfig config;
    /** For an accepted channel: the loop whose TCP holds the connection; null for a client channel. */
    private final NetmapIoHandler home;
    private final Channel.Unsafe pinned;
    private final StreamWriter writer = new StreamWriter();
    private final SocketReader reader = new SocketReader(this);
    private final ClientConnect connect = new ClientConnect(this);
    private TcpConnection connection;
    private volatile boolean inputShutdown;
    private volatile boolean outputShutdown;
    /** The input's end was told to the pipeline (ChannelInputShutdownReadComplete), or reading must stop. */
    boolean inputClosedSeenErrorOnRead;
    /** TCP could not take everything: the next flush waits for {@link NetmapIoEvent#WRITABLE}. */
    private boolean writePending;

    /** A client channel: register it with a netmap loop, then connect. */
    public NetmapSocketChannel() {
        super(null);
        this.config = new NetmapSocketChannelConfig(this);
        this.home = null;
        this.pinned = null;
    }

    NetmapSocketChannel(NetmapServerSocketChannel parent, NetmapIoHandler home, TcpConnection connection) {
        super(parent);
        this.config = new NetmapSocketChannelConfig(this);
        this.home = home;
        this.loop = home;
        this.connection = connection;
        this.active = true;
        this.local = socketAddress(connection.localAddress(), connection.localPort());
        this.remote = socketAddress(connection.remoteAddress(), connection.remotePort());
        this.pinned = new PinnedUnsafe(super.unsafe(), (EventLoop) home.executor());
    }

    @Override
    public Unsafe unsafe() {
        // null while AbstractChannel's constructor builds the pipeline: the pipeline's head keeps our own unsafe
        return pinned != null ? pinned : super.unsafe();
    }

    @Override
    public NetmapSocketChannelConfig config() {
        return config;
    }

    @Override
    public ServerSocketChannel parent() {
        return (ServerSocketChannel) super.parent();
    }

    @Override
    public InetSocketAddress localAddress() {
        return (InetSocketAddress) super.localAddress();
    }

    @Override
    public InetSocketAddress remoteAddress() {
        return (InetSocketAddress) super.remoteAddress();
    }

    @Override
    protected AbstractNetmapUnsafe newUnsafe() {
        return new SocketUnsafe();
    }

    /** The connection (loop thread only), or null before connect and after close. */
    TcpConnection connection() {
        return connection;
    }

    NetmapIoHandler loop() {
        return loop;
    }

    // ======================================================================================== lifecycle

    @Override
    protected void registered(NetmapIoHandler loop) {
        if (home != null && loop != home) {
            // only a deregister/re-register could bring us here: the connection cannot follow
            pipeline().fireExceptionCaught(new IllegalStateException(
                    "an accepted netmap channel cannot move from " + home + " to " + loop));
            unsafe().close(voidPromise());
            return;
        }
        TcpConnection c = connection;
        if (c != null) {
            registration().bind(c);
            applyOptions(c);
            if (c.state() == TcpState.CLOSED) {
                // reset (or timed out) between accept and registration: the event went to nobody
                loop.executor().execute(() -> reader.closedByStack(NetmapIoEvent.CLOSED_RESET));
            }
        }
    }

    @Override
    protected void doBind(SocketAddress localAddress) throws Exception {
        NetmapIoHandler l = requireLoop();
        int ip = localIp(l, localAddress);
        int port = localPort(localAddress);
        connect.requestLocalPort(port);
        local = socketAddress(ip, port);
    }

    NetmapIoHandler requireLoop() throws ClosedChannelException {
        NetmapIoHandler l = loop;
        if (l == null) {
            throw new ClosedChannelException();
        }
        return l;
    }

    /** {@link ClientConnect} started the active open: the connection is this channel's from now on. */
    void connecting(TcpConnection c, int ownIp) {
        connection = c;
        local = socketAddress(ownIp, c.localPort());
        applyOptions(c);
    }

    @Override
    protected void doDisconnect() throws Exception {
        doClose();
    }

    @Override
    protected void doClose() throws Exception {
        active = false;
        open = false;
        inputClosedSeenErrorOnRead = true;
        // a closed socket is shut down both ways, as Netty's other transports report it
        inputShutdown = true;
        outputShutdown = true;
        connect.closed();
        TcpConnection c = connection;
        connection = null;
        if (c != null) {
            boolean reset = config.getSoLinger() == 0;
            NetmapIoHandler owner = home != null ? home : loop;
            if (owner == null || owner.inLoop()) {
                closeConnection(c, reset, owner);
            } else {
                // closeForcibly() of a channel that was never registered, from its parent's loop
                owner.executor().execute(() -> closeConnection(c, reset, owner));
            }
        }
    }

    private static void closeConnection(TcpConnection c, boolean reset, NetmapIoHandler owner) {
        if (reset) {
            c.abort();      // SO_LINGER 0: RST, queued data discarded
        } else {
            c.close();      // FIN after the queued data (RST if received data was left unread, RFC 1122)
        }
        if (owner != null) {
            owner.flushNow();
        }
    }

    // ======================================================================================== options

    /** An option changed: apply it to the connection on its loop. */
    void optionsChanged() {
        NetmapIoHandler l = home != null ? home : loop;
        if (l == null || !isRegistered()) {
            return; // applied at registration or connect
        }
        if (l.inLoop()) {
            TcpConnection c = connection;
            if (c != null) {
                applyOptions(c);
            }
        } else {
            l.executor().execute(this::optionsChanged);
        }
    }

    private void applyOptions(TcpConnection c) {
        if (c.state() == TcpState.CLOSED) {
            return;
        }
        c.noDelay(config.isTcpNoDelay());
        if (c.keepAlive() != config.isKeepAlive()) {
            c.keepAlive(config.isKeepAlive());
        }
        int rcvbuf = config.requestedReceiveBufferSize();
        if (rcvbuf > 0) {
            c.receiveBufferSize(rcvbuf);
        }
    }

    int stackSendBuffer() {
        TcpConfig t = stackTcp();
        return t != null ? t.sendBuffer : DEFAULT_BUFFER;
    }

    int stackReceiveBuffer() {
        TcpConfig t = stackTcp();
        return t != null ? t.receiveBuffer : DEFAULT_BUFFER;
    }

    private TcpConfig stackTcp() {
        NetmapIoHandler l = home != null ? home : loop;
        return l != null ? l.tcp().config() : null;
    }

    void autoReadCleared() {
        NetmapIoHandler l = loop;
        if (l == null || !isRegistered()) {
            return;
        }
        if (l.inLoop()) {
            clearReadInterest();
        } else {
            l.executor().execute(() -> {
                if (!netmapUnsafe().readPending && !config.isAutoRead()) {
                    clearReadInterest();
                }
            });
        }
    }

    @Override
    protected void doBeginRead() throws Exception {
        super.doBeginRead();
        // TCP reports new bytes only: bytes left from an earlier read() must be read on this one
        TcpConnection c = connection;
        if (c != null && isRegistered() && (c.readableBytes() > 0 || c.inputShutdown() && !inputClosedSeenErrorOnRead)) {
            registration().readAgain();
        }
    }

    // ======================================================================================== writing

    @Override
    protected void doWrite(ChannelOutboundBuffer in) throws Exception {
        TcpConnection c = connection;
        if (c == null) {
            throw new ClosedChannelException();
        }
        NetmapIoHandler l = loop;
        boolean done;
        try {
            done = writer.write(in, c, l, config.getSendBufferSize(), l.share().config().zeroCopyWriteThreshold());
        } catch (IllegalStateException e) {
            // TCP refuses: the connection was reset or its output shut down under us
            throw new IOException("Broken pipe: " + e.getMessage(), e);
        }
        writePending = !done;
        l.flushNow();
    }

    @Override
    protected Object filterOutboundMessage(Object msg) {
        if (msg instanceof ByteBuf || msg instanceof FileRegion || msg instanceof RecordsToSeal) {
            return msg;
        }
        throw new UnsupportedOperationException("unsupported message type: " + StringUtil.simpleClassName(msg)
                + " (expected: ByteBuf, FileRegion, RecordsToSeal)");
    }

    /** Bodies read through this loop's disk queue: its {@code DiskSendPath} seals them in the frames (issue 8). */
    @Override
    public boolean sealsRecordsOf(RegionSource source) {
        return source instanceof DiskRegionSource disk && loop != null && disk.loop() == eventLoop();
    }

    /**
     * One record per segment (RFC 8446 §5.1 lets a sender cut records as it likes), so that each is read into its
     * segment's frame and sealed there once, not sealed in a staging slot and copied out part by part; with
     * segmentation offload a frame holds a whole 16 KiB record, and the record layer's size stays.
     */
    @Override
    public int recordPayload(int overhead) {
        if (connection == null || loop == null || loop.segmentationOffload()) {
            return 0;
        }
        return Math.max(MIN_RECORD_PAYLOAD, connection.sendMss() - overhead);
    }

    // ======================================================================================== half-closure

    @Override
    public boolean isInputShutdown() {
        return inputShutdown;
    }

    @Override
    public boolean isOutputShutdown() {
        return outputShutdown;
    }

    @Override
    public boolean isShutdown() {
        return inputShutdown && outputShutdown;
    }

    void markInputShutdown() {
        inputShutdown = true;
    }

    @Override
    protected void doShutdownOutput() throws Exception {
        TcpConnection c = connection;
        if (c == null) {
            throw isOpen() ? new NotYetConnectedException() : new ClosedChannelException();
        }
        c.shutdownOutput();
        outputShutdown = true;
        loop.flushNow();
    }

    @Override
    public ChannelFuture shutdownOutput() {
        return shutdownOutput(newPromise());
    }

    @Override
    public ChannelFuture shutdownOutput(ChannelPromise promise) {
        EventLoop l = eventLoop();
        if (l.inEventLoop()) {
            ((AbstractUnsafe) netmapUnsafe()).shutdownOutput(promise);
        } else {
            l.execute(() -> ((AbstractUnsafe) netmapUnsafe()).shutdownOutput(promise));
        }
        return promise;
    }

    @Override
    public ChannelFuture shutdownInput() {
        return shutdownInput(newPromise());
    }

    @Override
    public ChannelFuture shutdownInput(ChannelPromise promise) {
        EventLoop l = eventLoop();
        if (l.inEventLoop()) {
            shutdownInput0(promise);
        } else {
            l.execute(() -> shutdownInput0(promise));
        }
        return promise;
    }

    private void shutdownInput0(ChannelPromise promise) {
        if (!isOpen()) {
            promise.setFailure(new ClosedChannelException());
            return;
        }
        if (connection == null) {
            promise.setFailure(new NotYetConnectedException());
            return;
        }
        // as shutdown(SHUT_RD): the application reads no more; what arrives is discarded
        inputShutdown = true;
        reader.discardInput();
        promise.setSuccess();
    }

    @Override
    public ChannelFuture shutdown() {
        return shutdown(newPromise());
    }

    @Override
    public ChannelFuture shutdown(ChannelPromise promise) {
        ChannelFuture output = shutdownOutput();
        output.addListener((ChannelFutureListener) f -> {
            ChannelFuture input = shutdownInput();
            input.addListener((ChannelFutureListener) g -> {
                Throwable cause = f.cause() != null ? f.cause() : g.cause();
                if (cause != null) {
                    promise.setFailure(cause);
                } else {
                    promise.setSuccess();
                }
            });
        });
        return promise;
    }

    // ======================================================================================== unsafe

    private final class SocketUnsafe extends AbstractNetmapUnsafe {

        @Override
        void handle(NetmapIoEvent event) {
            switch (event) {
                case CONNECTED -> connected();
                case READABLE -> reader.read(false);
                case INPUT_SHUTDOWN -> reader.read(true);
                case WRITABLE -> {
                    writePending = false;
                    super.flush0();
                }
                default -> reader.closedByStack(event);
            }
        }

        @Override
        protected void flush0() {
            // while TCP is full, the WRITABLE event flushes (as EPOLLOUT does for epoll)
            if (!writePending) {
                super.flush0();
            }
        }

        @Override
        protected Executor prepareToClose() {
            // SO_LINGER > 0 does not block a thread here: TCP delivers the queued bytes after close by itself
            return null;
        }

        @Override
        public void connect(SocketAddress remoteAddress, SocketAddress localAddress, ChannelPromise promise) {
            if (promise.isDone() || !ensureOpen(promise)) {
                return;
            }
            try {
                connect.start(remoteAddress, localAddress, promise); // completes with CONNECTED or a close
            } catch (Throwable t) {
                closeIfClosed();
                promise.tryFailure(annotateConnectException(t, remoteAddress));
            }
        }

        private void connected() {
            boolean wasActive = isActive();
            ChannelPromise promise = connect.established();
            if (promise == null) {
                return;
            }
            active = true;
            boolean nowActive = isActive();
            boolean promiseSet = promise.trySuccess();
            if (!wasActive && nowActive) {
                pipeline().fireChannelActive();
            }
            if (!promiseSet) {
                close(voidPromise()); // the connect was cancelled meanwhile
            }
        }

        /** The connect failed (refused, timed out): fail its promise and close. */
        void connectFailed(TcpCloseCause cause) {
            connect.failed(cause);
            closeIfClosed();
            close(voidPromise());
        }
    }

    /** The read side and the stack's close events, kept apart to keep this class readable. */
    boolean connectPending() {
        return connect.pending();
    }

    void connectFailed(TcpCloseCause cause) {
        ((SocketUnsafe) netmapUnsafe()).connectFailed(cause);
    }

    AbstractNetmapUnsafe ownUnsafe() {
        return netmapUnsafe();
    }
}
