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
    private final ConnectionList queue = new ConnectionList();
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
        return queue.size();
    }

    /**
     * The next established connection, or null. The caller sets its {@link TcpConnection#handler}; bytes that
     * arrived before are reported to it then.
     */
    public TcpConnection accept() {
        TcpConnection c = queue.first();
        if (c == null) {
            return null;
        }
        queue.remove(c);
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
        return queue.size() >= backlog;
    }

    void enqueue(TcpConnection c) {
        queue.append(c);
    }
}
