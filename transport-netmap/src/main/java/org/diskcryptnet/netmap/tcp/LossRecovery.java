package org.diskcryptnet.netmap.tcp;

import static org.diskcryptnet.netmap.wire.TcpHeader.ACK;
import static org.diskcryptnet.netmap.wire.TcpHeader.FIN;

/**
 * Loss recovery on the sending side, as the ACK processing of {@link TcpInput} and the reorder timer call it: a
 * duplicate ACK counted toward fast retransmit (RFC 5681, with RFC 3042 limited transmit), recovery entered with SACK
 * (RFC 6675) or without (NewReno, RFC 6582) and its partial ACKs, and time-based loss detection (RACK, RFC 8985).
 * What is retransmitted once inside recovery is {@link TcpOutput}'s choice (NextSeg).
 */
final class LossRecovery {

    private final TcpLayer layer;
    private final TcpOutput output;
    private final TcpCounters counters;

    LossRecovery(TcpLayer layer, TcpOutput output, TcpCounters counters) {
        this.layer = layer;
        this.output = output;
        this.counters = counters;
    }

    /**
     * RFC 8985 section 6.2 and 6.3, after an ACK or when the reorder timer fires: holes below data SACKed a
     * reordering window ago are lost ({@link RackLossDetection}); a retransmission passed by such data is lost
     * again; and loss recovery starts if it has not (the RFC 6675 recovery then repairs them).
     */
    void lossByTime(TcpConnection c, long now) {
        if (!c.sackEnabled || !c.state.synchronizedState()) {
            c.rack.clear(); // nothing to detect: the timer must not fire again
            return;
        }
        long before = c.rack.deadline();
        int una = c.sndUna;
        if (c.rack.update(una, c.scoreboard.highestSacked(una), now, RackLossDetection.reorderWindow(c.rtt))) {
            if (c.rxtLog.size() > 0) {
                c.rxtLog.update(una, c.scoreboard, (TcpOutput.DUP_THRESH - 1) * c.cc.mss, c.rack.lostEdge(una));
            }
            if (!c.inRecovery && una != c.sndMax && SeqNum.gt(TcpOutput.lostEdge(c), una)) {
                enter(c, now);
            }
            layer.markDirty(c);
        }
        if (c.rack.deadline() != before) {
            layer.reschedule(c);
        }
    }

    /** RFC 6582 section 3.2 step 5: retransmit the next hole, deflate by what was acknowledged. */
    void partialAck(TcpConnection c, int acked, long now) {
        long cwnd = c.cc.cwnd() - acked;
        if (acked >= c.cc.mss) {
            cwnd += c.cc.mss;
        }
        c.cc.cwnd(cwnd);
        int len = Math.min(output.retransmitPayload(c), c.sndMax - c.sndUna);
        if (c.finQueued && SeqNum.ge(c.sndUna + len, c.finSeq + 1)) {
            len = c.finSeq - c.sndUna;
            output.emitData(c, c.sndUna, len, ACK | FIN, now);
        } else if (len > 0) {
            output.emitData(c, c.sndUna, len, ACK, now);
        }
        if (c.firstPartialAck) {
            c.firstPartialAck = false;
            c.rtxDeadline = now + c.rtt.rto();
            layer.reschedule(c);
        }
    }

    /** A duplicate ACK (RFC 5681 section 2; with SACK, one carrying new SACK information, RFC 6675 section 2). */
    void duplicateAck(TcpConnection c, long now) {
        c.dupAcks++;
        if (c.inRecovery) {
            if (!c.sackRecovery) {
                c.cc.cwnd(c.cc.cwnd() + c.cc.mss); // RFC 6582 section 3.2 step 4: inflate
            } else if (c.ptoArmed) {
                output.probes().restartRetransmitTimer(c, now); // news from the receiver: recovery is progressing
            }
            layer.markDirty(c);
            return;
        }
        boolean lost = c.sackEnabled && SeqNum.gt(TcpOutput.lostEdge(c), c.sndUna);
        if (c.dupAcks < TcpOutput.DUP_THRESH && !lost) {
            // RFC 3042: each of the first two duplicate ACKs lets one previously unsent segment out
            if (c.sndNxt == c.sndMax) {
                c.limitedTransmit = c.dupAcks;
                layer.markDirty(c);
            }
            return;
        }
        if (!c.sackEnabled && SeqNum.le(c.sndUna, c.recover)) {
            return; // RFC 6582 section 3.2 step 2: the ACK does not cover more than recover; no new fast retransmit
        }
        enter(c, now);
    }

    /** Loss recovery starts: RFC 6675 section 5 with SACK, RFC 6582 section 3.2 without. */
    void enter(TcpConnection c, long now) {
        int flight = c.flightSize();
        c.inRecovery = true;
        c.sackRecovery = c.sackEnabled;
        c.recoveryPoint = c.sndMax;
        c.recover = c.sndMax;
        // holes above the previous episode's recovery point may have retransmissions in flight already
        c.highRxt = SeqNum.max(c.highRxt, c.sndUna);
        c.rescueDone = false;
        c.firstPartialAck = true;
        c.limitedTransmit = 0;
        c.cc.onLoss(now, flight);
        if (c.sackRecovery) {
            counters.sackRecoveries++;
        } else {
            counters.newRenoRecoveries++;
        }
        if (c.sackRecovery && SeqNum.gt(c.highRxt, c.sndUna)) {
            // the previous episode already retransmitted SND.UNA's segment and that copy is in flight: the
            // forced retransmission of step (4.3) would only duplicate it; NextSeg() takes over
            layer.markDirty(c);
            return;
        }
        // RFC 6675 section 5 step (4.3) / RFC 6582 step 2: retransmit the first unacknowledged segment now
        int len = Math.min(output.retransmitPayload(c), c.sndMax - c.sndUna);
        int flags = ACK;
        if (c.finQueued && SeqNum.ge(c.sndUna + len, c.finSeq + 1)) {
            len = c.finSeq - c.sndUna;
            flags |= FIN;
        }
        if (len > 0 || (flags & FIN) != 0) {
            int sndMaxBefore = c.sndMax;
            if (output.emitData(c, c.sndUna, len, flags, now) && c.sackRecovery) {
                c.highRxt = c.sndUna + len + ((flags & FIN) != 0 ? 1 : 0);
                // logged like NextSeg()'s retransmissions: the next episode skips it (HighRxt), and if this copy
                // is lost as well only the log can tell, not the RTO
                c.rxtLog.retransmitted(c.sndUna, c.highRxt, sndMaxBefore);
            }
        }
        if (!c.sackRecovery) {
            c.cc.cwnd(c.cc.ssthresh() + 3L * c.cc.mss); // RFC 6582 section 3.2 step 3: inflate by 3 segments
        }
        layer.markDirty(c);
    }
}
