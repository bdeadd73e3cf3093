package org.diskcryptnet.netmap.tcp;

/**
 * What happens when a connection's deadline passes: the retransmission timer (RFC 6298 section 5, with the
 * RFC 5681 and RFC 6675 section 5.1 rules for what follows a timeout), the persist timer (RFC 9293 section
 * 3.8.6.1), the delayed ACK timer (section 3.8.6.3), keepalives (section 3.8.4) and TIME-WAIT / FIN-WAIT-2
 * expiry. One instance per layer.
 */
final class TcpTimers implements TimerWheel.Expiry {

    private final TcpLayer layer;
    private final TcpConfig config;
    private final TcpOutput output;
    private final TcpCounters counters;

    TcpTimers(TcpLayer layer, TcpConfig config, TcpOutput output, TcpCounters counters) {
        this.layer = layer;
        this.config = config;
        this.output = output;
        this.counters = counters;
    }

    @Override
    public void fire(TcpConnection c, long now) {
        if (c.timeWaitDeadline <= now) {
            c.timeWaitDeadline = TcpConnection.NEVER;
            if (c.state == TcpState.TIME_WAIT) {
                layer.terminate(c, TcpCloseCause.NORMAL);
                return;
            }
            if (c.state == TcpState.FIN_WAIT_2) {
                layer.terminate(c, TcpCloseCause.TIMED_OUT); // orphaned, the peer never sent its FIN
                return;
            }
        }
        if (c.rack.deadline() <= now) {
            layer.input().lossByTime(c, now); // RFC 8985 section 6.3: the reorder timer
        }
        if (c.rtxDeadline <= now) {
            c.rtxDeadline = TcpConnection.NEVER;
            if (c.persistMode) {
                output.probes().probeWindow(c, now);
            } else if (c.ptoArmed) {
                output.probes().tailLossProbe(c, now);
            } else if (!retransmissionTimeout(c, now)) {
                return;
            }
        }
        if (c.delayedAckDeadline <= now) {
            c.delayedAckDeadline = TcpConnection.NEVER;
            if (c.segmentsUnacked > 0) {
                c.ackNow = true;
                counters.delayedAcksSent++;
                layer.markDirty(c);
            }
        }
        if (c.keepAliveDeadline <= now) {
            c.keepAliveDeadline = TcpConnection.NEVER;
            if (!keepAlive(c, now)) {
                return;
            }
        }
        layer.reschedule(c);
    }

    /** RFC 6298 section 5.4 to 5.6; false if the connection was dropped. */
    private boolean retransmissionTimeout(TcpConnection c, long now) {
        boolean handshake = c.state == TcpState.SYN_SENT || c.state == TcpState.SYN_RECEIVED;
        if (!handshake && c.sndUna == c.sndMax) {
            return true; // nothing outstanding
        }
        counters.rtoEvents++;
        c.retransmissions++;
        // an orphan is closed by the application; one still in the accept queue is not (Linux's tcp_orphan_retries)
        int limit = handshake ? config.synRetries
                : c.userClosed ? Math.min(config.orphanRetries, config.maxRetransmissions) : config.maxRetransmissions;
        if (c.retransmissions > limit) {
            counters.connectionsTimedOut++;
            layer.terminate(c, TcpCloseCause.TIMED_OUT); // RFC 9293 section 3.8.3, threshold R2
            return false;
        }
        c.rtt.backOff();
        if (handshake) {
            c.synRetransmitted = true;
            c.sndNxt = c.iss;
        } else {
            int flight = c.sndMax - c.sndUna;
            if (c.retransmissions == 1) {
                // RFC 3522 / RFC 4015: remember what to restore if this timeout proves spurious
                c.eifelArmed = c.tsEnabled;
                c.eifelTs = output.tsValue(c, now);
                c.eifelCwnd = c.cc.cwnd();
                c.eifelSsthresh = c.cc.ssthresh();
                c.cc.onTimeout(now, flight);
            } else {
                // RFC 5681 section 3.1: ssthresh is held while the same segment keeps timing out
                c.cc.cwnd(c.cc.mss);
            }
            // Start over from SND.UNA. RFC 2018 section 8 would forget the SACK information here, in case the
            // receiver reneged; RFC 6675 section 5.1 (with erratum 1610) allows keeping it when reneging is
            // detected, as TcpInput does (and as Linux does), so data the receiver holds is not sent again.
            if (!c.scoreboard.isEmpty() && c.scoreboard.rangeStart(0) == c.sndUna) {
                c.scoreboard.clear(); // what was SACKed at SND.UNA never came cumulatively: reneged
            }
            c.renegingSuspicion = 0;
            c.tlpOutstanding = false;
            c.probeLossKnown = false;
            c.rack.clear();
            c.inRecovery = false;
            c.rxtLog.clear();
            c.highRxt = c.sndUna; // going back: nothing counts as retransmitted any more
            c.dupAcks = 0;
            c.limitedTransmit = 0;
            c.recover = c.sndMax;
            c.sndNxt = c.sndUna;
            c.rttTiming = false;
        }
        layer.markDirty(c);
        return true;
    }

    /** RFC 1122 section 4.2.3.6; false if the connection was dropped. */
    private boolean keepAlive(TcpConnection c, long now) {
        if (!c.keepAliveEnabled || !(c.state == TcpState.ESTABLISHED || c.state == TcpState.CLOSE_WAIT)) {
            return true;
        }
        long idleUntil = c.lastReceiveTime + c.keepAliveIdle;
        if (c.keepAliveProbes == 0 && idleUntil > now) {
            c.keepAliveDeadline = idleUntil; // traffic arrived since the timer was set
            return true;
        }
        if (c.keepAliveProbes >= c.keepAliveCount) {
            counters.connectionsTimedOut++;
            layer.terminate(c, TcpCloseCause.TIMED_OUT);
            return false;
        }
        if (output.probes().keepAliveProbe(c, now)) {
            c.keepAliveProbes++;
        }
        c.keepAliveDeadline = now + c.keepAliveInterval;
        return true;
    }
}
