package org.diskcryptnet.netmap.channel;

import java.util.concurrent.atomic.AtomicBoolean;

import io.netty.channel.IoOps;
import io.netty.channel.IoRegistration;
import io.netty.util.internal.logging.InternalLogger;
import io.netty.util.internal.logging.InternalLoggerFactory;

import org.diskcryptnet.netmap.tcp.TcpCloseCause;
import org.diskcryptnet.netmap.tcp.TcpConnection;
import org.diskcryptnet.netmap.tcp.TcpHandler;

/**
 * A {@link NetmapIoHandle} registered with a loop, and the {@link TcpHandler} of the connection bound to it:
 * the connection's events become {@link NetmapIoEvent}s delivered to the handle, on the loop's thread, after
 * the stack has processed the received batch. Its {@link #attachment()} is itself (Netty hands channels a
 * wrapper), through which a channel reaches its loop ({@link #loop()}).
 */
final class NetmapRegistration implements IoRegistration, TcpHandler {

    private static final InternalLogger logger = InternalLoggerFactory.getInstance(NetmapRegistration.class);

    private final NetmapIoHandler loop;
    private final NetmapIoHandle handle;
    private final AtomicBoolean cancelled = new AtomicBoolean();
    private NetmapIoOps ops = NetmapIoOps.NONE;
    /** Bytes became readable while READ was not submitted: submitting it schedules a read. */
    private boolean readableWhileIdle;
    boolean inReadyList;
    NetmapRegistration nextReady;
    NetmapRegistration nextRegistration;
    NetmapRegistration prevRegistration;

    NetmapRegistration(NetmapIoHandler loop, NetmapIoHandle handle) {
        this.loop = loop;
        this.handle = handle;
    }

    @SuppressWarnings("unchecked")
    @Override
    public <T> T attachment() {
        return (T) this;
    }

    NetmapIoHandler loop() {
        return loop;
    }

    @Override
    public long submit(IoOps ops) {
        if (!(ops instanceof NetmapIoOps o)) {
            throw new IllegalArgumentException("IoOps of type " + ops.getClass().getSimpleName() + " not supported");
        }
        if (!isValid()) {
            return -1;
        }
        boolean readAdded = !this.ops.contains(NetmapIoOps.READ) && o.contains(NetmapIoOps.READ);
        this.ops = o;
        if (readAdded && readableWhileIdle) {
            readableWhileIdle = false;
            loop.scheduleRead(this);
        }
        return o.value;
    }

    /** Asks for a {@link NetmapIoEvent#READABLE} in the next loop iteration (bytes are known to be waiting). */
    void readAgain() {
        if (isValid()) {
            loop.scheduleRead(this);
        }
    }

    /** Makes this registration the handler of {@code connection}: its events come here from now on. */
    void bind(TcpConnection connection) {
        connection.handler(this);
    }

    @Override
    public boolean isValid() {
        return !cancelled.get();
    }

    @Override
    public boolean cancel() {
        if (!cancelled.compareAndSet(false, true)) {
            return false;
        }
        if (loop.inLoop()) {
            cancel0();
        } else {
            loop.executor().execute(this::cancel0);
        }
        return true;
    }

    private void cancel0() {
        loop.unlink(this);
        handle.unregistered();
    }

    /** The loop is shutting down: cancel and close the channel behind the handle. */
    void closeHandle() {
        try {
            cancel();
        } catch (RuntimeException e) {
            logger.debug("cancelling {}", this, e);
        }
        try {
            handle.close();
        } catch (Exception e) {
            logger.debug("closing {}", handle, e);
        }
    }

    void deliver(NetmapIoEvent event) {
        handle.handle(this, event);
    }

    // ---------------------------------------------------------------------------------------- TcpHandler

    @Override
    public void connected(TcpConnection connection) {
        if (isValid()) {
            deliver(NetmapIoEvent.CONNECTED);
        }
    }

    @Override
    public void readable(TcpConnection connection) {
        if (!isValid()) {
            return;
        }
        if (ops.contains(NetmapIoOps.READ)) {
            deliver(NetmapIoEvent.READABLE);
        } else {
            readableWhileIdle = true;
        }
    }

    @Override
    public void writable(TcpConnection connection) {
        if (isValid()) {
            deliver(NetmapIoEvent.WRITABLE);
        }
    }

    @Override
    public void inputShutdown(TcpConnection connection) {
        if (isValid()) {
            // delivered whatever the read interest, as epoll delivers EPOLLRDHUP: half-closure events do not wait
            deliver(NetmapIoEvent.INPUT_SHUTDOWN);
        }
    }

    @Override
    public void closed(TcpConnection connection, TcpCloseCause cause) {
        if (isValid()) {
            deliver(NetmapIoEvent.closed(cause));
        }
    }

    @Override
    public String toString() {
        return "NetmapRegistration(" + handle + " on " + loop + ")";
    }
}
