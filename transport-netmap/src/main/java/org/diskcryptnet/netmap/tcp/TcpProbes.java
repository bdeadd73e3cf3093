package org.diskcryptnet.netmap.tcp;

import static org.diskcryptnet.netmap.wire.TcpHeader.ACK;
import static org.diskcryptnet.netmap.wire.TcpHeader.FIN;
import static org.diskcryptnet.netmap.wire.TcpHeader.PSH;

/**
 * The retransmission timer's arming (RFC 6298 section 5, as a tail loss probe timeout where RFC 8985 section 7
 * allows one) and the sends its expiries make when they are not a retransmission timeout: zero-window probes
 * (RFC 9293 section 3.8.6.1), keepalives (RFC 1122 section 4.2.3.6) and tail loss probes. One instance per layer,
 * owned by {@link TcpOutput}.
 */
final class TcpProbes {

    /** RFC 8985 section 7.2: WCDelAckT, the delayed ACK a single outstanding segment may wait for. */
    static final long WORST_CASE_DELAYED_ACK = 200_000_000L;
    /** Added to 2 SRTT for the probe timeout, as Linux's TCP_TIMEOUT_MIN (covers a coarse RTT sample). */
    static final long TLP_MIN = 2_000_000L;

    private final TcpLayer layer;
    private final TcpConfig config;
    private final TcpOutput output;
    private final TcpCounters counters;

    TcpProbes(TcpLayer layer, TcpConfig config, TcpOutput output, TcpCounters counters) {
        this.layer = layer;
        this.config = config;
        this.output = output;
        this.counters = counters;
    }

    /** A zero-window probe (RFC 9293 section 3.8.6.1): one byte past the window, or what SWS held back. */
    void probeWindow(TcpConnection c, long now) {
        long nextOffset = c.offsetOf(c.sndNxt);
        long available = c.send.end() - nextOffset;
        if (available <= 0) {
            c.persistMode = false;
            layer.markDirty(c);
            return;
        }
        long usable = Math.min(c.sndWnd, c.cc.cwnd()) - c.flightSize();
        int len = (int) Math.min(available, Math.max(1, Math.min(usable, output.maxPayload(c))));
        counters.zeroWindowProbesSent++;
        boolean probeBeyondWindow = usable <= 0;
        if (!output.emit(c, c.sndNxt, len, ACK | PSH, now)) {
            c.persistMode = true;
            c.rtxDeadline = now;   // retry when a frame is free
            return;
        }
        if (probeBeyondWindow) {
            // the byte is outside the window: SND.NXT stays, an ACK for it moves SND.UNA past it
            int after = c.sndNxt + len;
            if (SeqNum.gt(after, c.sndMax)) {
                c.sndMax = after;
            }
            c.persistBackoff++;
            c.persistMode = true;
            c.rtxDeadline = now + persistInterval(c);
        } else {
            c.sndNxt += len;
            if (SeqNum.gt(c.sndNxt, c.sndMax)) {
                c.sndMax = c.sndNxt;
            }
            c.persistMode = false;
            c.rtxDeadline = TcpConnection.NEVER;
            armRetransmitTimer(c, now);
        }
        layer.reschedule(c);
    }

    /** RFC 9293 section 3.8.4 / RFC 1122 section 4.2.3.6: SEG.SEQ = SND.NXT - 1, no data, asks for an ACK. */
    boolean keepAliveProbe(TcpConnection c, long now) {
        if (!output.emit(c, c.sndUna - 1, 0, ACK, now)) {
            return false;
        }
        counters.keepAliveProbesSent++;
        return true;
    }

    long persistInterval(TcpConnection c) {
        long interval = c.rtt.rto();
        for (int i = 0; i < c.persistBackoff && interval < config.maxRto; i++) {
            interval <<= 1;
        }
        return Math.min(interval, config.maxRto);
    }

    void armRetransmitTimer(TcpConnection c, long now) {
        if (c.rtxDeadline == TcpConnection.NEVER || c.persistMode) {
            c.persistMode = false;
            c.persistBackoff = 0;
            restartRetransmitTimer(c, now);
        } else if (!c.ptoArmed) {
            // more went out since the timer was set (when perhaps a single segment was out and no probe fit
            // before the RTO): a probe may come sooner now
            long pto = probeTimeout(c);
            if (pto >= 0 && now + pto < c.rtxDeadline) {
                c.ptoArmed = true;
                c.rtxDeadline = now + pto;
                layer.reschedule(c);
            }
        }
    }

    /**
     * RFC 6298 section 5.3 with RFC 8985 section 7.2: while a tail loss probe may be sent, the timer is the
     * shorter probe timeout (PTO); otherwise the retransmission timeout.
     */
    void restartRetransmitTimer(TcpConnection c, long now) {
        long pto = probeTimeout(c);
        c.ptoArmed = pto >= 0;
        c.rtxDeadline = now + (c.ptoArmed ? pto : c.rtt.rto());
        layer.reschedule(c);
    }

    /**
     * RFC 8985 section 7.2: PTO = 2 SRTT (plus a worst-case delayed ACK when one segment is out, plus the 2 ms
     * Linux adds), never beyond RTO; -1 when no probe may be scheduled (no SACK, in recovery, a probe out).
     */
    long probeTimeout(TcpConnection c) {
        if (!c.sackEnabled || (c.inRecovery && !c.sackRecovery) || c.tlpOutstanding || !c.rtt.sampled()
                || !c.state.synchronizedState()) {
            return -1;
        }
        long pto = 2 * c.rtt.srtt() + TLP_MIN;
        if (c.sndMax - c.sndUna <= c.cc.mss) {
            pto += WORST_CASE_DELAYED_ACK;
        }
        return pto < c.rtt.rto() ? pto : -1;
    }

    /**
     * RFC 8985 section 7.3: the probe timeout fired with data outstanding and no ACK since: send one segment of
     * new data if the peer's window allows (cwnd notwithstanding), else the last segment again, to draw an ACK
     * (and SACK) that lets loss recovery start without waiting for the retransmission timeout. Then the
     * retransmission timer proper runs.
     */
    void tailLossProbe(TcpConnection c, long now) {
        c.ptoArmed = false;
        if (c.sndUna != c.sndMax) {
            c.tlpOutstanding = true; // before emitting: its timer must be the RTO, not another probe
            long available = c.send.end() - c.offsetOf(c.sndNxt);
            long room = c.sndWnd - (c.sndNxt - c.sndUna);
            boolean sent;
            if (c.inRecovery) {
                // A recovery probe (beyond RFC 8985, which leaves this case to the RTO): no ACK with news for a
                // probe timeout means the retransmission of the first hole was lost too, with nothing sent after
                // it whose SACK could tell. Send it once more.
                int s0 = c.sndUna;
                int len = Math.min(output.retransmitPayload(c), c.scoreboard.nextSackedStart(s0, c.sndMax) - s0);
                int flags = ACK;
                if (c.finQueued && SeqNum.ge(s0 + len, c.finSeq + 1)) {
                    len = c.finSeq - s0;
                    flags |= FIN;
                }
                int sndMaxBefore = c.sndMax;
                sent = (len > 0 || flags != ACK) && output.emitData(c, s0, len, flags, now);
                if (sent) {
                    c.rxtLog.retransmitted(s0, s0 + len, sndMaxBefore);
                }
            } else if (c.sndNxt == c.sndMax && available > 0 && room > 0) {
                int len = (int) Math.min(Math.min(available, output.maxPayload(c)), room);
                boolean fin = c.finQueued && len == available;
                sent = output.emitData(c, c.sndNxt, len, ACK | PSH | (fin ? FIN : 0), now);
            } else {
                int end = c.finQueued && c.sndMax == c.finSeq + 1 ? c.finSeq : c.sndMax;
                int len = Math.min(output.retransmitPayload(c), SeqNum.max(end - c.sndUna, 0));
                int flags = ACK | (end != c.sndMax ? FIN : 0);
                sent = output.emitData(c, end - len, len, flags, now);
            }
            if (sent) {
                counters.tailLossProbes++;
                c.tlpEndSeq = c.sndMax;
            } else {
                c.tlpOutstanding = false;
            }
        }
        c.ptoArmed = false;
        c.rtxDeadline = now + c.rtt.rto();
        layer.reschedule(c);
    }
}
