package org.diskcryptnet.netmap.tcp;

import org.diskcryptnet.netmap.wire.DropCounters;
import org.diskcryptnet.netmap.wire.DropReason;
import org.diskcryptnet.netmap.wire.TcpHeader;
import org.diskcryptnet.netmap.wire.TcpOptions;

import static org.diskcryptnet.netmap.wire.TcpHeader.ACK;
import static org.diskcryptnet.netmap.wire.TcpHeader.FIN;
import static org.diskcryptnet.netmap.wire.TcpHeader.RST;
import static org.diskcryptnet.netmap.wire.TcpHeader.SYN;

/**
 * RFC 9293 section 3.10.7, "SEGMENT ARRIVES", for connections in SYN-RECEIVED and the synchronized states, with
 * the RFC 5961 protections, RFC 7323 (PAWS, TS.Recent, RTT measurement), the ACK processing that drives RFC 6298
 * timers, congestion control and loss recovery (RFC 6675 with SACK, RFC 6582 without, RFC 3042 limited
 * transmit). SYN-SENT is {@link ActiveOpen}'s, LISTEN {@link PassiveOpen}'s. One instance per layer.
 */
final class TcpInput {

    /**
     * Segments acknowledged without delay after a sign that the sender is (re)starting its window: the
     * handshake, an out-of-order or duplicate segment. A delayed ACK while the sender has one or three segments
     * out would cost it the delayed-ACK timeout per round trip of slow start; Linux's "quick ACK mode" makes
     * the same exception to RFC 9293 section 3.8.6.3's "SHOULD delay".
     */
    static final int QUICK_ACKS = 16;

    private final TcpLayer layer;
    private final TcpConfig config;
    private final TcpOutput output;
    private final TcpCounters counters;
    private final DropCounters drops;
    private final ActiveOpen activeOpen;
    private final LossRecovery recovery;

    TcpInput(TcpLayer layer, TcpConfig config, TcpOutput output, TcpCounters counters, DropCounters drops) {
        this.layer = layer;
        this.config = config;
        this.output = output;
        this.counters = counters;
        this.drops = drops;
        this.activeOpen = new ActiveOpen(layer, output, counters, drops);
        this.recovery = new LossRecovery(layer, output, counters);
    }

    void segment(TcpConnection c, TcpHeader seg, long now) {
        c.keepAliveProbes = 0;
        layer.touched(c, now);
        if (c.state == TcpState.SYN_SENT) {
            activeOpen.synSent(c, seg, now);
            return;
        }
        int flags = seg.flags();
        TcpOptions opt = seg.options();
        int seq = seg.sequence();
        int len = seg.payloadLength();
        long payload = seg.payloadOffset();
        boolean rst = (flags & RST) != 0;
        boolean syn = (flags & SYN) != 0;
        boolean fin = (flags & FIN) != 0;

        if (c.state == TcpState.SYN_RECEIVED && syn && seq == c.irs) {
            int ack = seg.acknowledgment();
            if ((flags & ACK) == 0 || !(SeqNum.lt(c.sndUna, ack) && SeqNum.le(ack, c.sndMax))) {
                c.ackNow = true; // our SYN-ACK was lost: the peer's SYN came again; send the SYN-ACK again
                layer.markDirty(c);
                return;
            }
            // simultaneous open (RFC 9293 figure 8, line 6): the peer's SYN,ACK acknowledges our SYN; its SYN
            // we already have, so only the ACK (and anything after the SYN) is new - as Linux treats it
            syn = false;
            flags &= ~SYN;
            seq++;
        }
        // RFC 7323 section 3.2: once negotiated, a segment without timestamps is dropped (RST excepted)
        if (c.tsEnabled && !rst) {
            if (!opt.timestamps) {
                drops.increment(DropReason.TCP_PAWS);
                return;
            }
            // RFC 7323 section 5.3 R1: PAWS
            if (SeqNum.lt(opt.tsVal, c.tsRecent) && now - c.tsRecentTime < TcpLayer.PAWS_IDLE_LIMIT
                    && !disorderedDuplicateAck(c, seg, flags, seq, len, opt)) {
                drops.increment(DropReason.TCP_PAWS);
                c.ackNow = true;
                layer.markDirty(c);
                return;
            }
        }
        // RFC 9293 section 3.10.7.4, first: sequence number acceptability
        int window = c.rcvAdv - c.rcvNxt;
        int segLen = len + (syn ? 1 : 0) + (fin ? 1 : 0);
        boolean acceptable;
        if (segLen == 0) {
            // RCV.NXT =< SEG.SEQ < RCV.NXT+RCV.WND, and the right edge itself: a segment that occupies no sequence
            // space there holds nothing outside the window, and it is where a peer whose data beyond our window
            // is outstanding numbers its pure ACKs (SND.NXT kept within the window, as RFC 9293 section
            // 3.10.7.4's note advises and Linux's tcp_acceptable_seq() does; TcpOutput.ackSequence likewise).
            // Linux's tcp_sequence() accepts it; refusing it dropped the ACKs of our data whenever our receive
            // window was small and full (an echo whose sends were held up), until our RTO.
            acceptable = window == 0 ? seq == c.rcvNxt
                    : SeqNum.inWindow(seq, c.rcvNxt, c.rcvNxt + window) || seq == c.rcvNxt + window;
        } else {
            acceptable = window > 0 && (SeqNum.inWindow(seq, c.rcvNxt, c.rcvNxt + window)
                    || SeqNum.inWindow(seq + segLen - 1, c.rcvNxt, c.rcvNxt + window));
        }
        if (!acceptable && window == 0 && seq == c.rcvNxt && !syn) {
            // "special allowance should be made to accept valid ACKs, URGs, and RSTs": keep the control part,
            // drop the data; a FIN takes no buffer space and is accepted too (as Linux does)
            acceptable = true;
            if (len > 0) {
                fin = false; // a FIN behind refused data is not in order
            }
            len = 0;
        }
        if (!acceptable) {
            drops.increment(DropReason.TCP_OUT_OF_WINDOW);
            if (len > 0) {
                c.quickAcks = QUICK_ACKS; // the sender is resending what we have: it is recovering from loss
            }
            if (!rst) {
                if (c.state == TcpState.TIME_WAIT && fin) {
                    layer.closing().restartTimeWait(c, now); // a retransmitted FIN: ACK it again, restart 2 MSL
                }
                c.ackNow = true;
                layer.markDirty(c);
            }
            return;
        }
        // RFC 7323 section 4.3 (R3): remember the peer's timestamp for echoing and PAWS
        if (c.tsEnabled && opt.timestamps && SeqNum.ge(opt.tsVal, c.tsRecent) && SeqNum.le(seq, c.lastAckSent)) {
            c.tsRecent = opt.tsVal;
            c.tsRecentTime = now;
        }
        // second: RST (RFC 5961 section 3.2)
        if (rst) {
            if (seq == c.rcvNxt) {
                counters.resetsReceived++;
                layer.closing().resetReceived(c);
            } else {
                drops.increment(DropReason.TCP_RST_CHALLENGED);
                layer.challengeAck(c, now);
            }
            return;
        }
        // fourth: SYN in a synchronized state (RFC 5961 section 4.2)
        if (syn) {
            drops.increment(DropReason.TCP_SYN_CHALLENGED);
            layer.challengeAck(c, now);
            return;
        }
        // fifth: the ACK field
        if ((flags & ACK) == 0) {
            drops.increment(DropReason.TCP_STATE);
            return;
        }
        if (c.state == TcpState.SYN_RECEIVED) {
            int ack = seg.acknowledgment();
            if (!(SeqNum.lt(c.sndUna, ack) && SeqNum.le(ack, c.sndMax))) {
                if (layer.passiveOpen().completesByCookie(c, seg, now)) {
                    return;
                }
                drops.increment(DropReason.TCP_BAD_ACK);
                output.sendStateless(c.localIp, c.remoteIp, c.localPort, c.remotePort, ack, 0, RST, 0,
                        0, -1, false, false, 0, 0);
                return;
            }
            if (!layer.handshakeCompleted(c, now)) {
                drops.increment(DropReason.TCP_BACKLOG_FULL);
                return; // accept queue full: the peer's ACK is dropped, our SYN-ACK will be retransmitted
            }
            c.sndWnd = (long) seg.window() << c.sndWscale;
            c.maxSndWnd = c.sndWnd;
            c.sndWl1 = seq;
            c.sndWl2 = ack;
        }
        if (!ack(c, seg, seq, len, opt, now)) {
            return;
        }
        // trim what lies before RCV.NXT and beyond the window
        if (SeqNum.lt(seq, c.rcvNxt)) {
            int skip = c.rcvNxt - seq;
            if (skip > len) {
                skip = len;
            }
            payload += skip;
            len -= skip;
            seq += skip;
        }
        int room = c.rcvAdv - seq;
        if (len > room) {
            len = Math.max(room, 0);
            fin = false;
        }
        // seventh: segment text
        if (len > 0) {
            if (!c.state.receivesData()) {
                drops.increment(DropReason.TCP_STATE);
                return;
            }
            if (c.userClosed) {
                layer.closing().abortWithReset(c); // RFC 1122 section 4.2.2.13: data after CLOSE is answered with RST
                return;
            }
            if (!data(c, seq, seg, payload, len, now)) {
                return;
            }
        }
        // eighth: FIN, possibly after out-of-order data that just became in order
        if (fin && c.state.synchronizedState()) {
            c.peerFinOffset = c.receive.inOrderEnd() + (seq + len - c.rcvNxt);
            if (c.peerFinOffset > c.receive.inOrderEnd() && len == 0) {
                // a FIN beyond a hole is an out-of-order segment too: a duplicate ACK at once (RFC 5681 4.2)
                c.ackNow = true;
                layer.markDirty(c);
            }
        }
        if (c.peerFinOffset >= 0 && !c.finReceived && c.receive.inOrderEnd() == c.peerFinOffset) {
            layer.closing().finReceived(c, now);
        }
    }

    /**
     * A duplicate ACK that a reordering path delivered after a later segment: it holds no data and changes nothing
     * but the SACK information and the duplicate-ACK count, which loss recovery needs under reordering, and its
     * timestamp is behind TS.Recent by less than an RTO. PAWS (RFC 7323 section 5) guards against old data being
     * taken for new; such an ACK carries none, so it is let through, as Linux's tcp_disordered_ack() does.
     */
    private static boolean disorderedDuplicateAck(TcpConnection c, TcpHeader seg, int flags, int seq, int len,
                                                  TcpOptions opt) {
        if ((flags & (ACK | SYN | FIN | RST)) != ACK || len != 0 || seq != c.rcvNxt
                || seg.acknowledgment() != c.sndUna) {
            return false;
        }
        long window = (long) seg.window() << c.sndWscale;
        boolean updatesWindow = SeqNum.gt(seq, c.sndWl1) || (seq == c.sndWl1 && window > c.sndWnd);
        return !updatesWindow && c.tsRecent - opt.tsVal <= c.rtt.rto() / 1_000_000L;
    }

    /** Stores a segment's data; false if it was dropped. */
    private boolean data(TcpConnection c, int seq, TcpHeader seg, long payload, int len, long now) {
        long offset = c.receive.inOrderEnd() + (seq - c.rcvNxt);
        if (c.sackEnabled && offset != c.receive.inOrderEnd()
                && c.receive.unreportedRanges() >= (c.tsEnabled ? 3 : 4)) {
            // This loop acknowledges a whole receive batch at once, but one ACK holds only 3 or 4 SACK blocks:
            // before a further range changes, report the ones that did, as a receiver that acknowledges every
            // out-of-order segment at once would have (RFC 5681 section 4.2), or the sender never learns of them.
            output.emit(c, TcpOutput.ackSequence(c), 0, ACK, now);
        }
        boolean hadHoles = c.receive.hasOutOfOrder();
        int n = c.receive.accept(offset, seg.memory(), payload, len);
        if (n < 0) {
            drops.increment(n == ReceiveBuffer.REFUSED_MEMORY ? DropReason.TCP_REASSEMBLY_MEMORY
                    : DropReason.TCP_REASSEMBLY_RANGES);
            c.ackNow = true;
            layer.markDirty(c);
            return false;
        }
        counters.payloadBytesReceived += len;
        if (n == 0) {
            // out of order: an immediate duplicate ACK (with SACK) tells the sender (RFC 5681 section 4.2)
            counters.outOfOrderSegments++;
            c.quickAcks = QUICK_ACKS;
            c.ackNow = true;
            layer.markDirty(c);
            return true;
        }
        c.rcvNxt += n;
        if (hadHoles) {
            c.ackNow = true; // a segment that fills a hole is acknowledged at once (RFC 5681 section 4.2)
            layer.markDirty(c);
        } else if (++c.segmentsUnacked >= 2 || len < c.cc.mss || c.quickAcks > 0) {
            if (c.quickAcks > 0) {
                c.quickAcks--;
            }
            // every second full-sized segment at least (RFC 9293 section 3.8.6.3), and short (pushed) ones
            // without delay, as Linux's quick ACKs do for interactive traffic
            c.ackNow = true;
            layer.markDirty(c);
        } else {
            layer.delayAck(c);
        }
        layer.readable(c);
        return true;
    }

    /** The ACK field (fifth step); false if the segment was dropped or the connection ended. */
    private boolean ack(TcpConnection c, TcpHeader seg, int seq, int len, TcpOptions opt, long now) {
        int ack = seg.acknowledgment();
        // RFC 5961 section 5.2: SND.UNA - MAX.SND.WND <= SEG.ACK <= SND.NXT (SND.MAX: what was ever sent)
        if (SeqNum.gt(ack, c.sndMax) || SeqNum.lt(ack, c.sndUna - (int) Math.min(c.maxSndWnd, Integer.MAX_VALUE))) {
            drops.increment(DropReason.TCP_BAD_ACK);
            layer.challengeAck(c, now);
            return false;
        }
        long newWindow = (long) seg.window() << c.sndWscale;
        boolean windowUpdate = SeqNum.lt(c.sndWl1, seq) || (c.sndWl1 == seq && SeqNum.le(c.sndWl2, ack));
        if (SeqNum.gt(ack, c.sndUna)) {
            newlyAcked(c, ack, opt, now);
            if (c.state == TcpState.CLOSED) {
                return false;
            }
        } else if (ack == c.sndUna && c.sndNxt != c.sndUna) {
            // data outstanding (a zero-window probe past SND.NXT does not count: RFC 5681 2, condition (a))
            int newlySacked = c.sackEnabled ? sack(c, opt) : 0;
            boolean duplicate = c.sackEnabled
                    ? newlySacked > 0
                    : len == 0 && (seg.flags() & (SYN | FIN)) == 0 && newWindow == c.sndWnd;
            if (duplicate) {
                recovery.duplicateAck(c, now);
            } else if (c.probeLossKnown && !c.inRecovery) {
                recovery.enter(c, now); // the tail loss probe's SACK showed holes below it
            }
        } else if (c.sackEnabled) {
            sack(c, opt);
        }
        if (c.sackEnabled && ack == c.sndUna) {
            renegingCheck(c);
        }
        if (c.sackEnabled) {
            recovery.lossByTime(c, now);
        }
        // RFC 9293 section 3.10.7.4: update the send window from the newest segment only
        if (windowUpdate) {
            boolean opened = newWindow > c.sndWnd;
            c.sndWndOpening = opened;
            c.sndWnd = newWindow;
            c.sndWl1 = seq;
            c.sndWl2 = ack;
            if (newWindow > c.maxSndWnd) {
                c.maxSndWnd = newWindow;
            }
            if (opened) {
                if (c.persistMode) {
                    c.persistMode = false;
                    c.persistBackoff = 0;
                    c.rtxDeadline = TcpConnection.NEVER;
                    layer.reschedule(c);
                }
                layer.markDirty(c);
            }
        }
        return true;
    }

    /**
     * A receiver that SACKed the data at SND.UNA would have acknowledged it cumulatively; if the scoreboard
     * says it is SACKed, the receiver may have discarded it (reneged, RFC 2018 section 8). A single such ACK is
     * more often an old ACK overtaken by a newer one (reordering), so the SACK information is forgotten only
     * when a second ACK in a row says the same (or at a timeout, in TcpTimers), as Linux also waits before
     * believing it.
     */
    private void renegingCheck(TcpConnection c) {
        if (!c.scoreboard.isEmpty() && c.scoreboard.rangeStart(0) == c.sndUna) {
            if (++c.renegingSuspicion >= 2) {
                c.scoreboard.clear();
                c.rxtLog.clear();
                c.renegingSuspicion = 0;
            }
        } else {
            c.renegingSuspicion = 0;
        }
    }

    private int sack(TcpConnection c, TcpOptions opt) {
        int added = 0;
        for (int i = 0; i < opt.sackBlocks; i++) {
            added += c.scoreboard.add(opt.sackLeft[i], opt.sackRight[i], c.sndUna, c.sndMax);
        }
        if (added > 0 && c.rxtLog.size() > 0 && c.rxtLog.update(c.sndUna, c.scoreboard,
                (TcpOutput.DUP_THRESH - 1) * c.cc.mss, c.rack.lostEdge(c.sndUna)) > 0) {
            layer.markDirty(c);
        }
        if (c.tlpOutstanding && SeqNum.ge(c.scoreboard.highestSacked(c.sndUna), c.tlpEndSeq)) {
            // the tail loss probe arrived above holes: what is missing below it was sent at least a probe
            // timeout before it, so it is lost (RFC 8985's time-based reasoning), not merely reordered
            c.tlpOutstanding = false;
            c.probeLossKnown = true;
            c.probeLostEdge = c.scoreboard.highestSacked(c.sndUna);
        }
        return added;
    }

    /** SND.UNA < SEG.ACK <= SND.MAX: data (or our SYN/FIN) acknowledged. */
    private void newlyAcked(TcpConnection c, int ack, TcpOptions opt, long now) {
        int acked = ack - c.sndUna;
        int flightBefore = c.flightSize();
        long dataBefore = Math.max(0, c.sndUnaOffset);
        boolean finAcked = c.finQueued && SeqNum.gt(ack, c.finSeq);
        // RTT: from the echoed timestamp (RFC 7323 section 4.1), else from the timed segment (Karn)
        if (c.tsEnabled && opt.timestamps && opt.tsEcr != 0) {
            // Karn's rule for timestamps: an echo older than our last retransmission is the TS.Recent the
            // receiver kept while our segments were lost; it would measure the outage, not the path
            if (!c.retransmittedSinceSample || SeqNum.ge(opt.tsEcr, c.tsLastRetransmission)) {
                long ms = (int) (now / 1_000_000L) + c.tsOffset - opt.tsEcr;
                if (ms >= 0 && ms < 3_600_000) {
                    c.rtt.sample(ms * 1_000_000L);
                    c.retransmittedSinceSample = false;
                }
            }
        } else if (c.rttTiming && SeqNum.ge(ack, c.rttSeq)) {
            c.rttTiming = false;
            c.rtt.sample(now - c.rttStart);
        }
        if (c.eifelArmed) {
            eifel(c, opt);
        }
        c.sndUnaOffset += acked;
        c.sndUna = ack;
        if (SeqNum.lt(c.sndNxt, ack)) {
            c.sndNxt = ack;  // acknowledged a window probe, or data resent after a timeout
        }
        long dataAcked = Math.min(c.sndUnaOffset, c.send.end()) - dataBefore; // without our SYN and FIN
        c.send.acknowledge(Math.min(c.sndUnaOffset, c.send.end()));
        c.retransmissions = 0;
        int newlySacked = 0;
        if (c.sackEnabled) {
            newlySacked = sack(c, opt);
            c.scoreboard.advance(ack);
            renegingCheck(c);
            if (c.rxtLog.size() > 0) {
                c.rxtLog.update(ack, c.scoreboard, (TcpOutput.DUP_THRESH - 1) * c.cc.mss, c.rack.lostEdge(ack));
            }
        }
        c.limitedTransmit = 0;
        if (c.tlpOutstanding && SeqNum.ge(ack, c.tlpEndSeq)) {
            c.tlpOutstanding = false;
        }
        if (c.probeLossKnown && SeqNum.ge(ack, c.probeLostEdge)) {
            c.probeLossKnown = false;
        }
        if (c.inRecovery) {
            if (SeqNum.ge(ack, c.recoveryPoint)) {
                c.inRecovery = false;            // RFC 6675 section 5 (A) / RFC 6582 section 3.2 step 3
                c.probeLossKnown = false;
                c.dupAcks = 0;
                if (c.sackRecovery) {
                    c.cc.onSackRecoveryExit();
                } else {
                    c.cc.onRecoveryExit(now, c.flightSize());
                }
            } else if (!c.sackRecovery) {
                recovery.partialAck(c, (int) dataAcked, now); // RFC 6582 section 3.2 step 5
            } else if (SeqNum.lt(c.highRxt, c.sndUna)) {
                c.highRxt = c.sndUna;
            }
        } else {
            c.dupAcks = 0;
            if (dataAcked > 0) {
                c.cc.onAck(dataAcked, now, c.rtt.srtt(),
                        c.cwndLimitedAt == c.cc.cwnd() || flightBefore + c.cc.mss >= c.cc.cwnd());
            }
        }
        if (!c.inRecovery && newlySacked > 0 && c.sndUna != c.sndMax) {
            // RFC 6675 section 5: an ACK with new SACK information is a duplicate ACK "regardless of its status
            // as a cumulative acknowledgment": DupAcks was reset to zero above and counts this one, and IsLost
            // (HighACK + 1) may start recovery now (step 2) rather than after two more ACKs that, with the few
            // segments a small window has out, may never come; otherwise limited transmit (step 3, RFC 3042)
            c.dupAcks = 1;
            if (SeqNum.gt(TcpOutput.lostEdge(c), c.sndUna)) {
                recovery.enter(c, now);
            } else if (c.sndNxt == c.sndMax) {
                c.limitedTransmit = 1;
            }
        }
        // RFC 6298 section 5.2 / 5.3: stop the timer when all is acknowledged, else restart it (as a tail loss
        // probe timeout where RFC 8985 allows one: the recovery state above decides)
        if (c.sndUna == c.sndMax) {
            if (!c.persistMode) {
                c.rtxDeadline = TcpConnection.NEVER;
                c.ptoArmed = false;
            }
            layer.reschedule(c);
        } else {
            c.persistMode = false;
            output.probes().restartRetransmitTimer(c, now);
        }
        if (finAcked) {
            layer.closing().ourFinAcked(c, now);
        }
        if (c.writeBlocked && c.state != TcpState.CLOSED && c.send.memorySpace() > 0 && !c.send.entriesFull()) {
            c.writeBlocked = false;
            layer.event(c, TcpConnection.EV_WRITABLE);
        }
        layer.markDirty(c);
    }

    /**
     * The Eifel detection algorithm (RFC 3522): the first ACK after a timeout retransmission echoes a timestamp
     * older than that retransmission, so it acknowledges the original: the timeout was spurious (a delay, not a
     * loss). The response (RFC 4015 section 4): undo the congestion window reduction and stop going back.
     */
    private void eifel(TcpConnection c, TcpOptions opt) {
        c.eifelArmed = false;
        if (opt.timestamps && opt.tsEcr != 0 && SeqNum.lt(opt.tsEcr, c.eifelTs)) {
            counters.spuriousTimeouts++;
            c.cc.cwnd(Math.max(c.cc.cwnd(), c.eifelCwnd));
            c.cc.ssthresh = Math.max(c.cc.ssthresh, c.eifelSsthresh);
            c.sndNxt = c.sndMax; // what was sent before the timeout is in flight, not lost
            c.rtt.clearBackoff();
        }
    }

    /** RFC 8985 section 6.3: the reorder timer fired. */
    void lossByTime(TcpConnection c, long now) {
        recovery.lossByTime(c, now);
    }
}
