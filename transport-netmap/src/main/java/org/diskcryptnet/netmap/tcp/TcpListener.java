package org.diskcryptnet.netmap.tcp;

/**
 * A passive open on one local port (RFC 9293 LISTEN): half-open connections up to the layer's SYN backlog
 * (then SYN cookies, RFC 4987), completed ones in an accept queue of at most {@code backlog}, taken by
 * {@link #accept()}. Several listeners may exist per layer, one per port.
 */
public final class TcpListener {

    final TcpLayer layer;
    final int port;
    final int backlog;
    final TcpListenerHandler handler;
    int halfOpen;
    int queued;
    private TcpConnection queueHead;
    private TcpConnection queueTail;
    boolean closed;
    boolean acceptablePending;
    TcpListener nextEvent;

    TcpListener(TcpLayer layer, int port, int backlog, TcpListenerHandler handler) {
        this.layer = layer;
        this.port = port;
        this.backlog = backlog;
        this.handler = handler;
    }

    public int port() {
        return port;
    }

    /** Connections waiting in the accept queue. */
    public int queued() {
        return queued;
    }

    /**
     * The next established connection, or null. The caller sets its {@link TcpConnection#handler}; bytes that
     * arrived before are reported to it then.
     */
    public TcpConnection accept() {
        TcpConnection c = queueHead;
        if (c == null) {
            return null;
        }
        unlink(c);
        c.accepted = true;
        c.appOwned = true;
        c.listener = null;
        return c;
    }

    /** Stops listening: queued and half-open connections are reset. */
    public void close() {
        layer.closing().closeListener(this);
    }

    public boolean isClosed() {
        return closed;
    }

    boolean queueFull() {
        return queued >= backlog;
    }

    void enqueue(TcpConnection c) {
        c.listPrev = queueTail;
        c.listNext = null;
        if (queueTail != null) {
            queueTail.listNext = c;
        } else {
            queueHead = c;
        }
        queueTail = c;
        c.inList = true;
        queued++;
    }

    void unlink(TcpConnection c) {
        if (!c.inList) {
            return;
        }
        if (c.listPrev != null) {
            c.listPrev.listNext = c.listNext;
        } else {
            queueHead = c.listNext;
        }
        if (c.listNext != null) {
            c.listNext.listPrev = c.listPrev;
        } else {
            queueTail = c.listPrev;
        }
        c.listPrev = null;
        c.listNext = null;
        c.inList = false;
        queued--;
    }

    TcpConnection head() {
        return queueHead;
    }
}
