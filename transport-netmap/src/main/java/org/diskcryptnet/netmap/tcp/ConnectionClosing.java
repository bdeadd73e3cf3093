package org.diskcryptnet.netmap.tcp;

/**
 * How connections end: the FIN handshakes of RFC 9293 section 3.6 (both sides' FIN acknowledged, TIME-WAIT for
 * 2 MSL, simultaneous close through CLOSING), resets, the user's CLOSE, ABORT and half-close (section 3.10.4,
 * 3.10.5), and the return of a finished connection's object to the pool once nobody holds it. One instance
 * per layer. It keeps the connections in TIME-WAIT, and the orphans (closed by the application, their FIN not yet
 * acknowledged or answered), in age order, so that the oldest can give their objects back when the pool runs dry.
 */
final class ConnectionClosing {

    private final TcpLayer layer;
    private final TcpConfig config;
    private final TcpCounters counters;
    private final ConnectionList timeWait = new ConnectionList();
    private final ConnectionList orphans = new ConnectionList();

    ConnectionClosing(TcpLayer layer, TcpConfig config, TcpCounters counters) {
        this.layer = layer;
        this.config = config;
        this.counters = counters;
    }

    /** The oldest connection in TIME-WAIT that nobody holds, ended to make room; false if there is none. */
    boolean reclaimTimeWait() {
        for (TcpConnection t = timeWait.first(); t != null; t = t.listNext) {
            if (!t.appOwned && !t.inEventList) {
                terminate(t, TcpCloseCause.NORMAL);
                return true;
            }
        }
        return false;
    }

    /**
     * The oldest orphan, reset to make room for a connection whose handshake is complete: what Linux does to its
     * orphans past {@code tcp_max_orphans}. The orphan's peer has had the longest to answer our FIN, and is most
     * likely gone (a client that left without its RST reaching us); a new connection would otherwise wait, its
     * handshake dropped, until such an orphan ran out of retransmissions. False if there is none.
     */
    boolean resetOldestOrphan(long now) {
        for (TcpConnection t = orphans.first(); t != null; t = t.listNext) {
            if (!t.inEventList) {
                layer.output().sendReset(t, now);
                counters.orphansReset++;
                terminate(t, TcpCloseCause.ABORTED);
                return true;
            }
        }
        return false;
    }

    void finReceived(TcpConnection c, long now) {
        c.finReceived = true;
        c.rcvNxt++;
        if (SeqNum.lt(c.rcvAdv, c.rcvNxt)) {
            c.rcvAdv = c.rcvNxt;
        }
        c.ackNow = true;
        layer.markDirty(c);
        switch (c.state) {
            case ESTABLISHED -> layer.setState(c, TcpState.CLOSE_WAIT);
            case FIN_WAIT_1 -> layer.setState(c, TcpState.CLOSING);   // simultaneous close (RFC 9293 figure 13)
            case FIN_WAIT_2 -> enterTimeWait(c, now);
            default -> {
            }
        }
        layer.event(c, TcpConnection.EV_INPUT_SHUTDOWN | TcpConnection.EV_READABLE);
    }

    void ourFinAcked(TcpConnection c, long now) {
        switch (c.state) {
            case FIN_WAIT_1 -> {
                layer.setState(c, TcpState.FIN_WAIT_2);
                if (c.userClosed) {
                    c.timeWaitDeadline = layer.now() + config.finWait2Timeout;
                    layer.reschedule(c);
                }
            }
            case CLOSING -> enterTimeWait(c, now);
            case LAST_ACK -> terminate(c, TcpCloseCause.NORMAL);
            default -> {
            }
        }
    }

    void enterTimeWait(TcpConnection c, long now) {
        layer.setState(c, TcpState.TIME_WAIT);
        c.rtxDeadline = TcpConnection.NEVER;
        c.keepAliveDeadline = TcpConnection.NEVER;
        c.delayedAckDeadline = TcpConnection.NEVER;
        c.persistMode = false;
        c.timeWaitDeadline = now + 2 * config.msl;
        c.send.clear();
        if (!c.appOwned) {
            c.receive.clear();
        }
        timeWait.append(c); // off the accept queue or the orphans, if it was on either
        layer.reschedule(c);
        if (c.appOwned) {
            c.closeCause = TcpCloseCause.NORMAL;
            layer.event(c, TcpConnection.EV_CLOSED);
        }
    }

    void restartTimeWait(TcpConnection c, long now) {
        c.timeWaitDeadline = now + 2 * config.msl;
        layer.reschedule(c);
    }

    void resetReceived(TcpConnection c) {
        TcpCloseCause cause = switch (c.state) {
            case SYN_RECEIVED -> c.passive ? TcpCloseCause.RESET : TcpCloseCause.REFUSED;
            case TIME_WAIT -> TcpCloseCause.NORMAL;
            default -> TcpCloseCause.RESET;
        };
        terminate(c, cause);
    }

    /**
     * The connection is over (CLOSED): it leaves the table, its timers and buffers; the application, if it
     * holds the connection, is told, and the object returns to the pool once nobody holds it.
     */
    void terminate(TcpConnection c, TcpCloseCause cause) {
        if (c.state == TcpState.CLOSED) {
            return;
        }
        boolean wasTimeWait = c.state == TcpState.TIME_WAIT;
        if (c.state == TcpState.SYN_RECEIVED && c.passive && c.listener != null) {
            c.listener.halfOpen--;
        }
        c.listener = null;
        layer.forget(c);
        c.rtxDeadline = c.delayedAckDeadline = c.keepAliveDeadline = c.timeWaitDeadline = TcpConnection.NEVER;
        if (c.list != null) {
            c.list.remove(c); // the accept queue, TIME-WAIT or the orphans
        }
        layer.setState(c, TcpState.CLOSED);
        c.send.clear();
        if (cause != TcpCloseCause.NORMAL) {
            c.receive.clear(); // RFC 9293: on reset or abort, queued data is flushed
        }
        if (c.appOwned) {
            if (!wasTimeWait) {
                c.closeCause = cause;
                layer.event(c, TcpConnection.EV_CLOSED);
            }
        } else if (c.inEventList) {
            c.releaseAfterEvents = true;
        } else {
            layer.pushFree(c);
        }
    }

    void shutdownOutput(TcpConnection c) {
        if (c.finQueued) {
            return;
        }
        switch (c.state) {
            case SYN_SENT, SYN_RECEIVED -> {
                c.finAfterHandshake = true;
                return;
            }
            case ESTABLISHED -> layer.setState(c, TcpState.FIN_WAIT_1);
            case CLOSE_WAIT -> layer.setState(c, TcpState.LAST_ACK);
            default -> {
                return;
            }
        }
        c.finQueued = true;
        c.finSeq = c.seqOf(c.send.end());
        layer.markDirty(c);
    }

    void userClose(TcpConnection c) {
        if (!c.appOwned) {
            return;
        }
        c.appOwned = false;
        c.userClosed = true;
        c.handler = null;
        c.events = 0;
        switch (c.state) {
            case CLOSED -> {
                if (c.inEventList) {
                    c.releaseAfterEvents = true;
                } else {
                    layer.pushFree(c);
                }
            }
            case SYN_SENT -> terminate(c, TcpCloseCause.ABORTED);
            case TIME_WAIT -> c.receive.clear();
            default -> {
                if (c.receive.readable() > 0 || (c.receive.hasOutOfOrder() && c.state.synchronizedState())) {
                    abortWithReset(c); // RFC 1122 section 4.2.2.13: unread data is lost, tell the peer
                } else {
                    shutdownOutput(c);
                    if (c.state == TcpState.FIN_WAIT_2) {
                        c.timeWaitDeadline = layer.now() + config.finWait2Timeout;
                        layer.reschedule(c);
                    }
                }
                orphans.append(c);
            }
        }
    }

    void userAbort(TcpConnection c) {
        if (!c.appOwned) {
            return;
        }
        c.appOwned = false;
        c.userClosed = true;
        c.handler = null;
        c.events = 0;
        switch (c.state) {
            case CLOSED -> {
                if (c.inEventList) {
                    c.releaseAfterEvents = true;
                } else {
                    layer.pushFree(c);
                }
            }
            case SYN_SENT, TIME_WAIT -> terminate(c, TcpCloseCause.ABORTED);
            default -> {
                abortWithReset(c);
                orphans.append(c);
            }
        }
    }

    void abortWithReset(TcpConnection c) {
        c.sendReset = true;
        c.send.clear();
        layer.markDirty(c);
    }

    void closeListener(TcpListener l) {
        if (l.closed) {
            return;
        }
        l.closed = true;
        layer.unlisten(l);
        for (TcpConnection c : layer.connectionObjects()) {
            if (c.listener == l && !c.accepted) {
                abortWithReset(c);
            }
        }
    }
}
