package org.diskcryptnet.netmap.tcp;

/**
 * What handlers are to be told after a loop iteration's segments and timers: connections with events pending
 * ({@link TcpConnection#EV_CONNECTED} and the others, OR-ed together until delivered) in the order they first got
 * one, and listeners whose accept queue gained a connection. Handlers run only from {@link #dispatch}, never from
 * inside segment or timer processing, so a handler that reads, writes or closes finds the connection in a settled
 * state. Both lists are intrusive (the links live in the connection and the listener): nothing is allocated.
 * One instance per layer.
 */
final class PendingEvents {

    private final TcpLayer layer;
    private TcpConnection head;
    private TcpConnection tail;
    private TcpListener listeners;

    PendingEvents(TcpLayer layer) {
        this.layer = layer;
    }

    /** Records {@code events} for the connection's handler (nothing if the application does not hold it). */
    void post(TcpConnection c, int events) {
        if (!c.appOwned) {
            return;
        }
        c.events |= events;
        if (!c.inEventList) {
            c.inEventList = true;
            c.nextEvent = null;
            if (tail != null) {
                tail.nextEvent = c;
            } else {
                head = c;
            }
            tail = c;
        }
    }

    /** The listener's accept queue gained a connection: its handler hears once, however many arrived. */
    void acceptable(TcpListener l) {
        if (!l.acceptablePending) {
            l.acceptablePending = true;
            l.nextEvent = listeners;
            listeners = l;
        }
    }

    /** Whether a connection has events not delivered yet (a dispatch stopped at its deadline). */
    boolean hasPending() {
        return head != null || listeners != null;
    }

    /**
     * Delivers what was collected until {@link System#nanoTime()} passes {@code deadline}: listeners first, then
     * connections in order, at least one; those left keep their events and their place for the next call. The
     * loop's rx ring is served only between dispatches, and one handler may cost a millisecond (a TLS handshake):
     * a burst of hundreds must not hold the ring for the whole burst, as one epoll_wait returns at most
     * maxEvents and leaves the rest for the next. The number of handlers told.
     */
    int dispatch(long deadline) {
        int n = 0;
        while (listeners != null) {
            TcpListener l = listeners;
            listeners = l.nextEvent;
            l.nextEvent = null;
            l.acceptablePending = false;
            if (!l.closed && l.queued() > 0 && l.handler != null) {
                l.handler.acceptable(l);
                n++;
            }
        }
        while (head != null) {
            TcpConnection c = head;
            head = c.nextEvent;
            if (head == null) {
                tail = null;
            }
            c.nextEvent = null;
            c.inEventList = false;
            int ev = c.events;
            c.events = 0;
            int generation = c.generation;
            TcpHandler h = c.handler;
            if (h != null && c.appOwned) {
                // each call may close the connection, release it or hand it to another handler: the later
                // events go only to the same handler of the same incarnation
                if ((ev & TcpConnection.EV_CONNECTED) != 0) {
                    h.connected(c);
                }
                if ((ev & TcpConnection.EV_READABLE) != 0 && stillOwned(c, generation, h)) {
                    h.readable(c);
                }
                if ((ev & TcpConnection.EV_INPUT_SHUTDOWN) != 0 && stillOwned(c, generation, h)) {
                    h.inputShutdown(c);
                }
                if ((ev & TcpConnection.EV_WRITABLE) != 0 && stillOwned(c, generation, h)) {
                    h.writable(c);
                }
                if ((ev & TcpConnection.EV_CLOSED) != 0 && stillOwned(c, generation, h)) {
                    h.closed(c, c.closeCause);
                }
                n++;
            }
            if (c.generation == generation && c.releaseAfterEvents && !c.inEventList) {
                c.releaseAfterEvents = false;
                layer.pushFree(c);
            }
            if (deadline != Long.MAX_VALUE && System.nanoTime() - deadline > 0) {
                break;
            }
        }
        return n;
    }

    private static boolean stillOwned(TcpConnection c, int generation, TcpHandler h) {
        return c.generation == generation && c.handler == h && c.appOwned;
    }
}
