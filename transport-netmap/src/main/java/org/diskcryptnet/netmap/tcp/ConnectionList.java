package org.diskcryptnet.netmap.tcp;

/**
 * Connections in the order they joined, through the links in {@link TcpConnection}: a listener's accept queue,
 * the connections in TIME-WAIT, the orphans. A connection is on at most one ({@link TcpConnection#list}): it
 * leaves the accept queue when it is accepted, before the application can close it, and TIME-WAIT takes it off
 * the queue or the orphans. Intrusive and doubly linked: O(1) to append and remove; no allocation.
 */
final class ConnectionList {

    private TcpConnection first;
    private TcpConnection last;
    private int size;

    TcpConnection first() {
        return first;
    }

    int size() {
        return size;
    }

    /** Appends {@code c}, taking it off the list it was on. */
    void append(TcpConnection c) {
        if (c.list != null) {
            c.list.remove(c);
        }
        c.listPrev = last;
        c.listNext = null;
        if (last != null) {
            last.listNext = c;
        } else {
            first = c;
        }
        last = c;
        c.list = this;
        size++;
    }

    void remove(TcpConnection c) {
        if (c.listPrev != null) {
            c.listPrev.listNext = c.listNext;
        } else {
            first = c.listNext;
        }
        if (c.listNext != null) {
            c.listNext.listPrev = c.listPrev;
        } else {
            last = c.listPrev;
        }
        c.listPrev = null;
        c.listNext = null;
        c.list = null;
        size--;
    }
}
