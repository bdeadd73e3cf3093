package org.diskcryptnet.netmap.tcp;

/**
 * Connections on their way out, oldest first, whose objects may be taken back when the pool runs dry: an
 * intrusive doubly linked list through {@link TcpConnection#closingPrev}/{@link TcpConnection#closingNext}. A
 * connection is on at most one such list ({@link TcpConnection#closingList}); no allocation.
 */
final class ClosingList {

    private TcpConnection head;
    private TcpConnection tail;

    TcpConnection oldest() {
        return head;
    }

    /** Appends {@code c}, taking it off the list it was on. */
    void append(TcpConnection c) {
        if (c.closingList != null) {
            c.closingList.remove(c);
        }
        c.closingPrev = tail;
        c.closingNext = null;
        if (tail != null) {
            tail.closingNext = c;
        } else {
            head = c;
        }
        tail = c;
        c.closingList = this;
    }

    void remove(TcpConnection c) {
        if (c.closingPrev != null) {
            c.closingPrev.closingNext = c.closingNext;
        } else {
            head = c.closingNext;
        }
        if (c.closingNext != null) {
            c.closingNext.closingPrev = c.closingPrev;
        } else {
            tail = c.closingPrev;
        }
        c.closingPrev = null;
        c.closingNext = null;
        c.closingList = null;
    }
}
