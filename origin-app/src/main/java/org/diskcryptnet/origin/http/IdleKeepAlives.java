package org.diskcryptnet.origin.http;

import io.netty.util.concurrent.FastThreadLocal;

/**
 * The connections of one event loop that wait between requests, oldest first. At {@code server.max_connections}
 * a new connection takes the place of the oldest of them, as nginx reuses its keep-alive connections when its
 * worker_connections run out: a closed idle connection costs its client a new connection for its next request
 * (RFC 9112 §9.3: either side may close a persistent connection at any time, and §9.3.1 lets the client retry),
 * where a refused one costs a 503. It also bounds the damage of connections whose client is gone without a
 * word (a reset lost on the way): they are the oldest idle ones, and go first.
 * <p>
 * Loop-confined, like the connections in it: each loop has its own list and no lock is taken. An intrusive
 * doubly linked list through {@link ConnectionTimeouts}, so that joining and leaving it allocate nothing.
 */
public final class IdleKeepAlives {

    private static final FastThreadLocal<IdleKeepAlives> OF_THREAD = new FastThreadLocal<>() {
        @Override
        protected IdleKeepAlives initialValue() {
            return new IdleKeepAlives();
        }
    };

    private ConnectionTimeouts oldest;
    private ConnectionTimeouts newest;

    /** The list of the calling thread: the event loop whose connections it holds. */
    public static IdleKeepAlives ofThisLoop() {
        return OF_THREAD.get();
    }

    /** The connection idle the longest, or null. */
    public ConnectionTimeouts oldest() {
        return oldest;
    }

    /** How many are listed: a walk of the list, for tests and diagnostics, not the data path. */
    public int size() {
        int n = 0;
        for (ConnectionTimeouts c = oldest; c != null; c = c.newerIdle) {
            n++;
        }
        return n;
    }

    void add(ConnectionTimeouts c) {
        c.olderIdle = newest;
        c.newerIdle = null;
        if (newest == null) {
            oldest = c;
        } else {
            newest.newerIdle = c;
        }
        newest = c;
        c.listedIdle = true;
    }

    void remove(ConnectionTimeouts c) {
        if (!c.listedIdle) {
            return;
        }
        if (c.olderIdle == null) {
            oldest = c.newerIdle;
        } else {
            c.olderIdle.newerIdle = c.newerIdle;
        }
        if (c.newerIdle == null) {
            newest = c.olderIdle;
        } else {
            c.newerIdle.olderIdle = c.olderIdle;
        }
        c.olderIdle = null;
        c.newerIdle = null;
        c.listedIdle = false;
    }
}
