package org.diskcryptnet.netmap.tcp;

import java.lang.foreign.MemorySegment;

import org.diskcryptnet.netmap.wire.TcpHeader;
import org.diskcryptnet.netmap.wire.TcpOptions;

import static org.diskcryptnet.netmap.wire.TcpHeader.ACK;
import static org.diskcryptnet.netmap.wire.TcpHeader.FIN;
import static org.diskcryptnet.netmap.wire.TcpHeader.PSH;
import static org.diskcryptnet.netmap.wire.TcpHeader.RST;
import static org.diskcryptnet.netmap.wire.TcpHeader.SYN;

/**
 * Segment emission: what a connection may send now (RFC 9293 section 3.8.6 windows, Nagle of section 3.7.4,
 * sender SWS avoidance of 3.8.6.2.1, congestion window of RFC 5681, RFC 6675's transmission rules during SACK
 * recovery) and the writing of each segment into a frame of the {@link SegmentSink}. One instance per layer.
 */
final class TcpOutput {

    /** RFC 6675 section 2: DupThresh. */
    static final int DUP_THRESH = 3;

    private final TcpLayer layer;
    private final TcpConfig config;
    private final SegmentSink sink;
    private final TcpCounters counters;
    private final TcpProbes probes;
    private final int[] sackLeft = new int[TcpOptions.MAX_SACK_BLOCKS];
    private final int[] sackRight = new int[TcpOptions.MAX_SACK_BLOCKS];
    private int sackCount;
    /** Set around the emission of a large segment: the payload of each segment the port cuts it into. */
    private int segmentPayload;

    TcpOutput(TcpLayer layer, TcpConfig config, SegmentSink sink, TcpCounters counters) {
        this.layer = layer;
        this.config = config;
        this.sink = sink;
        this.counters = counters;
        this.probes = new TcpProbes(layer, config, this, counters);
    }

    /** Timer-driven sends and the retransmission timer's arming. */
    TcpProbes probes() {
        return probes;
    }

    /** Sends what {@code c} may send now; false if the sink ran out of frames (the connection stays dirty). */
    boolean output(TcpConnection c, long now) {
        if (c.sendReset) {
            if (!emit(c, ackSequence(c), 0, RST | ACK, now)) {
                return false;
            }
            counters.resetsSent++;
            c.sendReset = false;
            layer.terminate(c, TcpCloseCause.ABORTED);
            return true;
        }
        switch (c.state) {
            case CLOSED, LISTEN:
                return true;
            case SYN_SENT, SYN_RECEIVED:
                if (c.state == TcpState.SYN_RECEIVED && c.ackNow) {
                    c.sndNxt = c.iss; // anything that asks for an ACK here gets the SYN-ACK again
                }
                return c.sndNxt != c.iss || sendSyn(c, now);
            case TIME_WAIT:
                return !c.ackNow || emit(c, ackSequence(c), 0, ACK, now);
            default:
                return sendData(c, now);
        }
    }

    /**
     * A RST for {@code c} now, outside a flush, because its object is taken back at once. Not sent if no frame is
     * free: the peer's next segment then finds no connection and is answered with a RST.
     */
    void sendReset(TcpConnection c, long now) {
        if (emit(c, ackSequence(c), 0, RST | ACK, now)) {
            counters.resetsSent++;
        }
    }

    // ------------------------------------------------------------------------------------------ SYN

    private boolean sendSyn(TcpConnection c, long now) {
        int flags = c.state == TcpState.SYN_RECEIVED ? SYN | ACK : SYN;
        int frame = sink.reserve(c.remoteIp, TcpHeader.MAX_HEADER_LENGTH);
        if (frame == SegmentSink.NO_FRAME) {
            return false;
        }
        if (frame == SegmentSink.UNREACHABLE) {
            // not sent: go as soon as the neighbour is resolved, or when the timer fires
            c.synAwaitingNeighbour = true;
            c.sndNxt = c.iss + 1;
            probes.armRetransmitTimer(c, now);
            return true;
        }
        {
            MemorySegment m = sink.memory();
            long base = sink.tcpOffset(frame);
            long p = base + TcpHeader.HEADER_LENGTH;
            boolean active = c.state == TcpState.SYN_SENT;
            p += TcpOptions.writeMss(m, p, config.mss);
            boolean ts = active ? config.timestamps : c.tsEnabled;
            boolean sack = active ? config.sack : c.sackEnabled;
            boolean ws = active ? config.windowScaling : c.wsEnabled;
            if (sack && ts) {
                p += TcpOptions.writeSackPermittedAndTimestamps(m, p, tsValue(c, now), active ? 0 : c.tsRecent);
            } else if (ts) {
                p += TcpOptions.writeTimestamps(m, p, tsValue(c, now), active ? 0 : c.tsRecent);
            } else if (sack) {
                p += TcpOptions.writeSackPermitted(m, p);
            }
            if (ws) {
                p += TcpOptions.writeWindowScale(m, p, config.receiveWindowShift());
            }
            int hl = (int) (p - base);
            // RFC 7323 section 2.2: the window of a SYN is never scaled
            int window = Math.min(c.receive.free(), 0xFFFF);
            TcpHeader.write(m, base, c.localPort, c.remotePort, c.iss, flags == SYN ? 0 : c.rcvNxt, hl, flags, window);
            if (flags != SYN) {
                c.rcvAdv = c.rcvNxt + window;
                c.lastAckSent = c.rcvNxt;
            }
            sink.submit(frame, c.localIp, c.remoteIp, hl);
        }
        counters.segmentsSent++;
        if (c.sndMax != c.iss) {
            counters.retransmittedSegments++;
            c.rttTiming = false;   // Karn: a retransmitted SYN gives no RTT sample
        } else if (!c.tsEnabled || c.state == TcpState.SYN_SENT) {
            c.rttTiming = true;
            c.rttSeq = c.iss + 1;
            c.rttStart = now;
        }
        c.sndNxt = c.iss + 1;
        c.sndMax = c.iss + 1;
        c.ackNow = false;
        probes.armRetransmitTimer(c, now);
        return true;
    }

    // ------------------------------------------------------------------------------------------ data

    private boolean sendData(TcpConnection c, long now) {
        if (c.inRecovery && c.sackRecovery && !sackRecoveryOutput(c, now)) {
            return false;
        }
        boolean anySent = false;
        boolean withheld = false;
        while (!c.sourceFailed) {
            boolean resending = SeqNum.lt(c.sndNxt, c.sndMax);
            long sacked = 0;
            int holeEnd = c.sndMax;
            if (resending && c.sackEnabled && !c.scoreboard.isEmpty()) {
                // going back after a timeout: skip what the receiver holds (SACKed), send only the holes
                int next = SeqNum.min(c.scoreboard.nextUnsacked(c.sndNxt), c.sndMax);
                if (next != c.sndNxt) {
                    c.sndNxt = next;
                    continue;
                }
                holeEnd = c.scoreboard.nextSackedStart(c.sndNxt, c.sndMax);
                sacked = c.scoreboard.sackedIn(c.sndUna, c.sndNxt);
            }
            long nextOffset = c.offsetOf(c.sndNxt);
            long end = c.send.end();
            long available = end - nextOffset;
            int mss = resending ? retransmitPayload(c) : maxPayload(c);
            // with segmentation offload, new data leaves as one frame of many segments the port cuts
            int frameMax = resending ? mss : largeSegmentPayload(c, mss);
            long window = Math.min(c.cc.cwnd() + (long) c.limitedTransmit * c.cc.mss, c.sndWnd);
            if (c.inRecovery && c.sackRecovery) {
                window = 0; // during SACK recovery only the RFC 6675 rules above send
            }
            long usable = window - (c.flightSize() - sacked);
            int len = (int) Math.max(0, Math.min(Math.min(available, frameMax), usable));
            // a window holds this output back, not the data or the frame: cwnd, which may then grow (RFC 7661 section
            // 4.3), or the peer's, for more of which sender SWS avoidance may wait
            boolean windowLimited = usable < Math.min(available, frameMax);
            c.cwndLimitedAt = windowLimited && c.cc.cwnd() <= c.sndWnd && !c.inRecovery ? c.cc.cwnd() : -1;
            if (resending && holeEnd - c.sndNxt < len) {
                len = holeEnd - c.sndNxt;
            }
            boolean fin = c.finQueued && available >= 0 && len == available;
            if (len == 0 && !fin) {
                withheld = available > 0;
                break;
            }
            boolean newData = !fin && c.sndNxt == c.sndMax; // retransmissions go as they are
            if (newData && len < available && len < c.maxSndWnd / 2
                    && (len < mss || windowLimited && window == c.sndWnd && OutputDeferral.waitsForPeerWindow(c))) {
                // sender SWS avoidance, RFC 9293 section 3.8.6.2.1: neither a full-sized segment nor half the
                // largest window the peer offered
                withheld = true;
                break;
            }
            if (newData && len < mss && len == available && !c.noDelay && c.smallSegmentSent
                    && SeqNum.gt(c.smallSegmentEnd, c.sndUna)) {
                // Nagle (RFC 9293 section 3.7.4) in Minshall's form, as Linux has it: hold a small segment only
                // while an earlier small segment is unacknowledged, so the tail of a response is not held behind
                // full segments waiting for a delayed ACK
                break;
            }
            int whole = len > 0 ? c.send.cut(nextOffset, len) : len;
            if (whole < len) { // issue 8: end on a TLS record boundary, so the record is sealed in this frame
                len = whole;
                fin = false;
            } else if (len > 0 && len < available && !resending
                    && OutputDeferral.unitDeferred(c, nextOffset, len, frameMax)) {
                break;
            }
            int flags = ACK | (fin ? FIN : 0) | (len > 0 && len == available ? PSH : 0);
            segmentPayload = len > mss ? mss : 0;
            int seq = c.sndNxt;
            int sndMaxBefore = c.sndMax;
            boolean sent = emitData(c, seq, len, flags, now);
            segmentPayload = 0;
            if (!sent) {
                return false;
            }
            if (resending && SeqNum.gt(c.sndNxt, c.highRxt)) {
                c.highRxt = c.sndNxt; // resent after the timeout: a recovery that follows must not send it again
            }
            if (resending && c.sackEnabled && len > 0) {
                // a recovery that follows skips it (HighRxt): if this copy is lost too, only the log can tell
                c.rxtLog.retransmitted(seq, seq + len, sndMaxBefore);
            }
            if (len < mss) {
                c.smallSegmentEnd = c.sndNxt;
                c.smallSegmentSent = true;
            }
            if (c.limitedTransmit > 0 && c.flightSize() > c.cc.cwnd()) {
                c.limitedTransmit--;
            }
            anySent = true;
            if (fin) {
                break;
            }
        }
        if (!anySent && withheld && c.flightSize() == 0 && c.rtxDeadline == TcpConnection.NEVER) {
            // nothing in flight will bring an ACK: probe the window (RFC 9293 section 3.8.6.1) or override SWS
            c.persistMode = true;
            c.rtxDeadline = now + probes.persistInterval(c);
            layer.reschedule(c);
        }
        return !c.ackNow || emit(c, ackSequence(c), 0, ACK, now);
    }

    /**
     * The sequence number of a segment without data: the highest sent (SND.NXT before any go-back-N restart),
     * but not beyond the peer's window. RFC 9293 writes SND.NXT; after a timeout rewound SND.NXT, a pure ACK
     * numbered below the peer's RCV.NXT would fail its acceptability test and its acknowledgment would be lost,
     * so both ends could wait on each other forever. Linux's tcp_acceptable_seq() makes the same choice.
     */
    static int ackSequence(TcpConnection c) {
        int windowEnd = c.sndUna + (int) Math.min(c.sndWnd, Integer.MAX_VALUE);
        return SeqNum.le(c.sndMax, windowEnd) ? c.sndMax : SeqNum.max(c.sndNxt, windowEnd);
    }

    /** Sends {@code len} bytes (and FIN) at {@code seq}, new or again; advances SND.NXT when it is new. */
    boolean emitData(TcpConnection c, int seq, int len, int flags, long now) {
        boolean retransmission = SeqNum.lt(seq, c.sndMax);
        if (!emit(c, seq, len, flags, now)) {
            return false;
        }
        int after = seq + len + ((flags & FIN) != 0 ? 1 : 0);
        if (retransmission) {
            counters.retransmittedSegments++;
            counters.retransmittedBytes += len;
            c.rttTiming = false; // Karn's algorithm: no sample from a retransmitted segment
            c.retransmittedSinceSample = true;
            c.tsLastRetransmission = tsValue(c, now);
        } else if (!c.rttTiming && len > 0 && !c.tsEnabled) {
            c.rttTiming = true;
            c.rttSeq = after;
            c.rttStart = now;
        }
        if (seq == c.sndNxt) {
            c.sndNxt = after;
        }
        if (SeqNum.gt(after, c.sndMax)) {
            c.sndMax = after;
        }
        if (after != seq) {
            probes.armRetransmitTimer(c, now);
        }
        return true;
    }

    // ------------------------------------------------------------------------------------------ RFC 6675

    /** RFC 6675 section 5 step (C): while cwnd - pipe >= 1 SMSS, send what NextSeg() names. */
    private boolean sackRecoveryOutput(TcpConnection c, long now) {
        SackScoreboard sb = c.scoreboard;
        int smss = c.cc.mss;
        while (!c.sourceFailed) {
            int lostEdge = lostEdge(c);
            if (c.cc.cwnd() - pipe(c, lostEdge) < smss) {
                return true;
            }
            int mss = retransmitPayload(c);
            int highSacked = sb.highestSacked(c.sndUna);
            // a retransmission that was lost again goes first (see RetransmissionLog)
            int again = c.rxtLog.firstLost();
            if (again >= 0) {
                int s0 = sb.nextUnsacked(SeqNum.max(c.rxtLog.start(again), c.sndUna));
                int e0 = SeqNum.min(c.rxtLog.end(again), sb.nextSackedStart(s0, c.sndMax));
                if (SeqNum.gt(e0, s0)) {
                    int len = Math.min(mss, e0 - s0);
                    int sndMaxBefore = c.sndMax;
                    if (!emitData(c, s0, len, ACK, now)) {
                        return false;
                    }
                    counters.lostRetransmissions++;
                    c.rxtLog.resent(again, s0, s0 + len, sndMaxBefore);
                } else {
                    c.rxtLog.resent(again, s0, s0, c.sndMax); // nothing of it is missing any more
                }
                continue;
            }
            int s = sb.nextUnsacked(SeqNum.max(c.highRxt, c.sndUna));
            // (1) the first un-SACKed, lost octet above HighRxt
            if (SeqNum.lt(s, lostEdge) && SeqNum.lt(s, highSacked)) {
                                if (!retransmitHole(c, s, mss, true, now)) {
                    return false;
                }
                continue;
            }
            // (2) new data, if the receiver's window allows
            long nextOffset = c.offsetOf(c.sndNxt);
            long available = c.send.end() - nextOffset;
            long usable = c.sndWnd - c.flightSize();
            if (available >= 0 && usable > 0 && (available > 0 || c.finQueued)) {
                int len = (int) Math.min(Math.min(available, maxPayload(c)), usable);
                boolean fin = c.finQueued && len == available;
                if (!emitData(c, c.sndNxt, len, ACK | (fin ? FIN : 0), now)) {
                    return false;
                }
                continue;
            }
            // (3) an un-SACKed octet above HighRxt, below the highest SACKed one, not yet deemed lost
            if (SeqNum.lt(s, highSacked)) {
                                if (!retransmitHole(c, s, mss, true, now)) {
                    return false;
                }
                continue;
            }
            // (4) one rescue retransmission per recovery, of the highest outstanding un-SACKed data - unless
            // this recovery retransmitted that already (it lies below HighRxt): the rescue is for a tail no rule
            // above would send, and a second copy of a segment just resent only doubles it in the pipe
            if (!c.rescueDone) {
                int top = c.sndMax;
                int n = sb.ranges();
                if (n > 0 && sb.rangeEnd(n - 1) == top) {
                    top = sb.rangeStart(n - 1);
                }
                if (SeqNum.gt(top, c.sndUna) && SeqNum.gt(top, c.highRxt)) {
                    int from = SeqNum.max(c.sndUna, top - mss);
                    c.rescueDone = true;
                                        if (!retransmitHole(c, from, top - from, false, now)) {
                        return false;
                    }
                    continue;
                }
            }
            return true;
        }
        return true;
    }

    /** Retransmits up to {@code max} bytes of the hole starting at {@code s}. */
    private boolean retransmitHole(TcpConnection c, int s, int max, boolean moveHighRxt, long now) {
        int holeEnd = c.scoreboard.nextSackedStart(s, c.sndMax);
        int len = Math.min(max, holeEnd - s);
        int flags = ACK;
        if (c.finQueued && SeqNum.ge(s + len, c.finSeq + 1) && SeqNum.lt(s, c.finSeq + 1)) {
            len = c.finSeq - s;      // the hole reaches our FIN: send the data before it and the FIN again
            flags |= FIN;
        }
        int sndMaxBefore = c.sndMax;
        if (!emitData(c, s, len, flags, now)) {
            return false;
        }
        c.rxtLog.retransmitted(s, s + len, sndMaxBefore);
        if (moveHighRxt) {
            c.highRxt = s + len + ((flags & FIN) != 0 ? 1 : 0);
        }
        return true;
    }

    /**
     * RFC 6675 SetPipe: un-SACKed octets not deemed lost, plus octets retransmitted (counted again if they were
     * both), between SND.UNA and HighData.
     */
    static long pipe(TcpConnection c, int lostEdge) {
        SackScoreboard sb = c.scoreboard;
        int una = c.sndUna;
        int high = c.sndMax;
        int notLostFrom = SeqNum.max(una, lostEdge);
        long pipe = 0;
        if (SeqNum.lt(notLostFrom, high)) {
            pipe += (high - notLostFrom) - sb.sackedIn(notLostFrom, high);
        }
        int rxtEnd = SeqNum.min(c.highRxt, high);
        if (SeqNum.gt(rxtEnd, una)) {
            pipe += (rxtEnd - una) - sb.sackedIn(una, rxtEnd);
            if (c.rxtLog.size() > 0) {
                // a retransmission found lost again is out of the network, like a lost original (Linux clears
                // its "retransmitted" mark likewise): else it would hold cwnd until the RTO
                pipe -= Math.min(c.rxtLog.lostOctets(una, rxtEnd, sb), pipe);
            }
        }
        return pipe;
    }

    /**
     * RFC 6675 IsLost as a boundary, extended by what a SACKed tail loss probe proved lost and by what
     * {@link RackLossDetection} found lost by time (RFC 8985).
     */
    static int lostEdge(TcpConnection c) {
        int edge = c.scoreboard.lostEdge(c.sndUna, DUP_THRESH, c.cc.mss);
        if (c.probeLossKnown && SeqNum.gt(c.probeLostEdge, edge)) {
            edge = c.probeLostEdge;
        }
        return SeqNum.max(edge, c.rack.lostEdge(c.sndUna));
    }

    // ------------------------------------------------------------------------------------------ writing

    /** Payload bytes of a new segment after this segment's options (RFC 6691), SACK blocks included. */
    int maxPayload(TcpConnection c) {
        return c.mssOption - optionBytes(c);
    }

    /** Payload of one frame of new data: whole segments up to what the sink's segmentation offload takes. */
    private int largeSegmentPayload(TcpConnection c, int mss) {
        int limit = sink.segmentationLimit();
        if (limit <= 0) {
            return mss;
        }
        int segments = (limit - TcpHeader.MAX_HEADER_LENGTH) / mss;
        return segments > 1 ? segments * mss : mss;
    }

    /**
     * Payload bytes of a retransmission: what the original carried (MSS less timestamps). SACK blocks are left
     * off such a segment rather than splitting it in two; pure ACKs and new data still carry them.
     */
    int retransmitPayload(TcpConnection c) {
        return c.mssOption - (c.tsEnabled ? TcpOptions.TIMESTAMPS_ALIGNED_LENGTH : 0);
    }

    private int optionBytes(TcpConnection c) {
        sackCount = 0;
        int n = c.tsEnabled ? TcpOptions.TIMESTAMPS_ALIGNED_LENGTH : 0;
        if (c.sackEnabled && c.receive.hasOutOfOrder()) {
            // RFC 2018 section 3: at most 3 blocks next to timestamps, 4 without
            sackCount = c.receive.sackBlocks(c.rcvNxt, sackLeft, sackRight, c.tsEnabled ? 3 : 4);
            n += 4 + 8 * sackCount;
        }
        return n;
    }

    /**
     * Writes one segment of the connection: header, options (timestamps, SACK), payload from the send queue.
     * False only when no frame is free.
     */
    boolean emit(TcpConnection c, int seq, int len, int flags, long now) {
        int optionBytes = optionBytes(c);
        while (sackCount > 0 && optionBytes + len > c.mssOption) {
            sackCount--; // a retransmission sized like its original: fewer (or no) SACK blocks
            optionBytes = (c.tsEnabled ? TcpOptions.TIMESTAMPS_ALIGNED_LENGTH : 0) + (sackCount > 0 ? 4 + 8 * sackCount : 0);
        }
        int headerLength = TcpHeader.HEADER_LENGTH + optionBytes;
        int frame = sink.reserve(c.remoteIp, headerLength + len);
        if (frame == SegmentSink.NO_FRAME) {
            return false;
        }
        int window = windowField(c);
        if (frame != SegmentSink.UNREACHABLE) {
            MemorySegment m = sink.memory();
            long base = sink.tcpOffset(frame);
            long p = base + TcpHeader.HEADER_LENGTH;
            if (c.tsEnabled) {
                p += TcpOptions.writeTimestamps(m, p, tsValue(c, now), c.tsRecent);
            }
            if (sackCount > 0) {
                p += TcpOptions.writeSack(m, p, sackLeft, sackRight, sackCount);
                c.receive.reported();
            }
            TcpHeader.write(m, base, c.localPort, c.remotePort, seq, (flags & ACK) != 0 ? c.rcvNxt : 0,
                    headerLength, flags, window);
            if (len > 0) {
                int pending = layer.produce(c, frame, c.offsetOf(seq), len, m, base + headerLength, headerLength,
                        SeqNum.lt(seq, c.sndMax), segmentPayload);
                if (pending != 0) {
                    // > 0: submitted when produced; < 0: the layer turned the frame into a RST
                    finishAck(c, flags);
                    counters.segmentsSent++;
                    counters.payloadBytesSent += len;
                    return true;
                }
            }
            if (segmentPayload > 0) {
                sink.submitSegmented(frame, c.localIp, c.remoteIp, headerLength + len, segmentPayload);
            } else {
                sink.submit(frame, c.localIp, c.remoteIp, headerLength + len);
            }
        }
        finishAck(c, flags);
        counters.segmentsSent++;
        counters.payloadBytesSent += len;
        return true;
    }

    private void finishAck(TcpConnection c, int flags) {
        if ((flags & ACK) != 0) {
            c.lastAckSent = c.rcvNxt;
            c.ackNow = false;
            c.segmentsUnacked = 0;
            if (c.delayedAckDeadline != TcpConnection.NEVER) {
                c.delayedAckDeadline = TcpConnection.NEVER;
                layer.reschedule(c);
            }
        }
    }

    /**
     * The window field for a segment now (RFC 9293 section 3.8.6.2.2): free buffer space, scaled; the right
     * edge moves only by at least min(buffer/2, MSS) (receiver SWS avoidance) and never moves left.
     */
    int windowField(TcpConnection c) {
        int shift = c.rcvWscale;
        long free = Math.min((long) c.receive.free(), 0xFFFFL << shift) & -(1L << shift);
        int edge = c.rcvNxt + (int) free;
        if (SeqNum.gt(edge, c.rcvAdv)) {
            int step = Math.min(c.receive.capacity() / 2, c.mssOption);
            if (edge - c.rcvAdv >= step) {
                c.rcvAdv = edge;
            }
        }
        if (SeqNum.lt(c.rcvAdv, c.rcvNxt)) {
            c.rcvAdv = c.rcvNxt;
        }
        return (c.rcvAdv - c.rcvNxt) >>> shift;
    }

    int tsValue(TcpConnection c, long now) {
        return (int) (now / 1_000_000L) + c.tsOffset;
    }

    /** A segment for which no connection exists: RST replies and SYN-cookie SYN-ACKs. */
    void sendStateless(int localIp, int remoteIp, int localPort, int remotePort, int seq, int ack, int flags,
                       int window, int mss, int windowShift, boolean sackPermitted, boolean timestamps,
                       int tsVal, int tsEcr) {
        int frame = sink.reserve(remoteIp, TcpHeader.MAX_HEADER_LENGTH);
        if (frame < 0) {
            return; // nothing to retry: the peer will retransmit its segment
        }
        MemorySegment m = sink.memory();
        long base = sink.tcpOffset(frame);
        long p = base + TcpHeader.HEADER_LENGTH;
        if (mss > 0) {
            p += TcpOptions.writeMss(m, p, mss);
        }
        if (sackPermitted && timestamps) {
            p += TcpOptions.writeSackPermittedAndTimestamps(m, p, tsVal, tsEcr);
        } else if (timestamps) {
            p += TcpOptions.writeTimestamps(m, p, tsVal, tsEcr);
        } else if (sackPermitted) {
            p += TcpOptions.writeSackPermitted(m, p);
        }
        if (windowShift >= 0) {
            p += TcpOptions.writeWindowScale(m, p, windowShift);
        }
        int hl = (int) (p - base);
        TcpHeader.write(m, base, localPort, remotePort, seq, ack, hl, flags, window);
        sink.submit(frame, localIp, remoteIp, hl);
        counters.segmentsSent++;
        if ((flags & RST) != 0) {
            counters.resetsSent++;
        }
    }
}
