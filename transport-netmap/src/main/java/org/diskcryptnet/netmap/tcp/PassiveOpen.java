package org.diskcryptnet.netmap.tcp;

import org.diskcryptnet.netmap.wire.DropCounters;
import org.diskcryptnet.netmap.wire.DropReason;
import org.diskcryptnet.netmap.wire.TcpHeader;
import org.diskcryptnet.netmap.wire.TcpOptions;

import static org.diskcryptnet.netmap.wire.TcpHeader.ACK;
import static org.diskcryptnet.netmap.wire.TcpHeader.RST;
import static org.diskcryptnet.netmap.wire.TcpHeader.SYN;

/**
 * Segments for a listening port that match no connection: RFC 9293 section 3.10.7.2, LISTEN STATE, with the
 * SYN backlog limit and SYN cookies of RFC 4987 section 3.6 (sent when the half-open count reaches
 * {@link TcpConfig#synBacklog} or no connection object is free, and checked on the ACK that completes the
 * handshake). One instance per layer.
 */
final class PassiveOpen {

    private final TcpLayer layer;
    private final TcpConfig config;
    private final TcpOutput output;
    private final TcpCounters counters;
    private final DropCounters drops;
    private final SynCookies cookies;
    private final InitialSequenceNumbers isn;

    PassiveOpen(TcpLayer layer, TcpConfig config, TcpOutput output, TcpCounters counters, DropCounters drops,
                SynCookies cookies, InitialSequenceNumbers isn) {
        this.layer = layer;
        this.config = config;
        this.output = output;
        this.counters = counters;
        this.drops = drops;
        this.cookies = cookies;
        this.isn = isn;
    }

    void segment(TcpListener l, int localIp, int remoteIp, TcpHeader seg, long now) {
        int flags = seg.flags();
        if ((flags & RST) != 0) {
            drops.increment(DropReason.TCP_STATE); // "An incoming RST should be ignored"
            return;
        }
        if ((flags & ACK) != 0) {
            if ((flags & SYN) == 0 && config.synCookies != TcpConfig.SynCookies.NEVER
                    && cookieAck(l, localIp, remoteIp, seg, now)) {
                return;
            }
            // "Any acknowledgment is bad if it arrives on a connection still in the LISTEN state":
            // <SEQ=SEG.ACK><CTL=RST>
            drops.increment((flags & SYN) == 0 ? DropReason.TCP_BAD_COOKIE : DropReason.TCP_STATE);
            output.sendStateless(localIp, remoteIp, seg.destinationPort(), seg.sourcePort(), seg.acknowledgment(),
                    0, RST, 0, 0, -1, false, false, 0, 0);
            return;
        }
        if ((flags & SYN) == 0) {
            drops.increment(DropReason.TCP_STATE);
            return;
        }
        if (l.queueFull()) {
            drops.increment(DropReason.TCP_BACKLOG_FULL); // the peer retries; Linux drops such SYNs too
            return;
        }
        boolean cookie = config.synCookies == TcpConfig.SynCookies.ALWAYS
                || (config.synCookies == TcpConfig.SynCookies.AUTO && l.halfOpen >= config.synBacklog);
        TcpConnection c = cookie ? null : layer.allocate();
        if (c == null) {
            if (config.synCookies == TcpConfig.SynCookies.NEVER) {
                drops.increment(DropReason.TCP_NO_CONNECTION_SLOT);
                return;
            }
            sendCookie(localIp, remoteIp, seg, now);
            return;
        }
        TcpOptions opt = seg.options();
        c.localIp = localIp;
        c.remoteIp = remoteIp;
        c.localPort = seg.destinationPort();
        c.remotePort = seg.sourcePort();
        c.passive = true;
        c.listener = l;
        l.halfOpen++;
        c.irs = seg.sequence();
        c.rcvNxt = c.irs + 1;
        c.iss = isn.next(localIp, c.localPort, remoteIp, c.remotePort, now);
        c.sndUna = c.iss;
        c.sndNxt = c.iss;
        c.sndMax = c.iss;
        c.recover = c.iss;
        c.sndUnaOffset = -1;
        c.sndWnd = seg.window();
        c.maxSndWnd = c.sndWnd;
        c.sndWl1 = c.irs;
        c.sndWl2 = c.iss;
        layer.negotiate(c, opt, now);
        c.lastReceiveTime = now;
        layer.register(c, TcpState.SYN_RECEIVED);
        counters.passiveOpens++;
        layer.markDirty(c);
    }

    private void sendCookie(int localIp, int remoteIp, TcpHeader seg, long now) {
        TcpOptions opt = seg.options();
        int peerMss = opt.mss > 0 ? opt.mss : TcpLayer.DEFAULT_MSS;
        int mssIndex = SynCookies.mssIndex(Math.min(peerMss, config.mss));
        int localPort = seg.destinationPort();
        int remotePort = seg.sourcePort();
        int iss = cookies.make(localIp, localPort, remoteIp, remotePort, seg.sequence(), mssIndex, now);
        boolean ts = config.timestamps && opt.timestamps;
        // without timestamps there is nowhere to remember window scaling and SACK: offer neither
        int shift = ts && config.windowScaling && opt.windowScale >= 0 ? config.receiveWindowShift() : -1;
        boolean sack = ts && config.sack && opt.sackPermitted;
        int tsVal = ts ? SynCookies.encodeTsVal((int) (now / 1_000_000L), seg.sequence(),
                shift < 0 ? -1 : Math.min(opt.windowScale, 14), sack) : 0;
        output.sendStateless(localIp, remoteIp, localPort, remotePort, iss, seg.sequence() + 1, SYN | ACK,
                Math.min(config.receiveBuffer, 0xFFFF), SynCookies.MSS_TABLE[mssIndex], shift, sack, ts,
                tsVal, opt.tsVal);
        counters.synCookiesSent++;
    }

    /**
     * An ACK that does not fit half-open connection {@code c} but acknowledges a SYN cookie we sent for the same
     * SYN (same four-tuple, same peer ISN): under a SYN flood one copy of the peer's SYN was answered with a
     * cookie while the backlog was full and a retransmitted copy, after the backlog drained, with this entry; the
     * peer took the first SYN-ACK, so its ACK carries the cookie and would get a RST here. As Linux does when a
     * request sock's ISN does not match (tcp_check_req handing the segment back to the listener's cookie check),
     * the half-open entry gives way and the listener builds the connection from the cookie (RFC 4987 section
     * 3.6). True if it did.
     */
    boolean completesByCookie(TcpConnection c, TcpHeader seg, long now) {
        TcpListener l = c.listener;
        if (!c.passive || l == null || config.synCookies == TcpConfig.SynCookies.NEVER
                || seg.sequence() != c.irs + 1 || (seg.flags() & (SYN | RST)) != 0) {
            return false;
        }
        int localIp = c.localIp;
        int remoteIp = c.remoteIp;
        if (!isCookieAck(localIp, remoteIp, seg, now)) {
            return false;
        }
        layer.closing().terminate(c, TcpCloseCause.NORMAL); // never accepted: no event; the peer knows only the cookie
        segment(l, localIp, remoteIp, seg, now);
        return true;
    }

    /** Whether {@code seg} acknowledges a SYN cookie made for its four-tuple and sequence number. */
    boolean isCookieAck(int localIp, int remoteIp, TcpHeader seg, long now) {
        return firstSegmentCookie(localIp, remoteIp, seg, now) >= 0;
    }

    /**
     * The MSS index of the cookie that {@code seg} acknowledges as the peer's first segment (SEG.SEQ - 1 its ISN),
     * or -1. With timestamps, the segment must also echo the SYN-ACK's: until the connection exists we send the
     * peer nothing else, so a copy of the first segment echoing another TSval is a retransmission from a
     * connection that has already come and gone while the cookie is still good (up to two periods). Linux builds
     * a connection from it; that orphan would be accepted by the application, with window scale and SACK decoded
     * from a timestamp that does not carry them.
     */
    private int firstSegmentCookie(int localIp, int remoteIp, TcpHeader seg, long now) {
        int peerIsn = seg.sequence() - 1;
        int mssIndex = cookies.check(seg.acknowledgment() - 1, localIp, seg.destinationPort(), remoteIp,
                seg.sourcePort(), peerIsn, now);
        TcpOptions opt = seg.options();
        if (mssIndex >= 0 && config.timestamps && opt.timestamps && !SynCookies.echoesSynAck(opt.tsEcr, peerIsn)) {
            return -1;
        }
        return mssIndex;
    }

    /** The ACK of a cookie SYN-ACK: rebuild the connection from the cookie; false if it is not one. */
    private boolean cookieAck(TcpListener l, int localIp, int remoteIp, TcpHeader seg, long now) {
        int localPort = seg.destinationPort();
        int remotePort = seg.sourcePort();
        int cookie = seg.acknowledgment() - 1;
        int peerIsn = seg.sequence() - 1;
        int mssIndex = firstSegmentCookie(localIp, remoteIp, seg, now);
        TcpOptions opt = seg.options();
        if (mssIndex < 0) {
            if (config.timestamps && opt.timestamps && cookies.check(cookie, localIp, localPort, remoteIp,
                    remotePort, SynCookies.isnFromTsEcr(seg.sequence(), opt.tsEcr), now) >= 0) {
                // A cookie of ours, but not the peer's first segment: that one was lost on the way. No RST: the
                // peer resends it (its retransmission timer runs) and that copy builds the connection. Nor a
                // connection built from this segment: it may be a retransmission from a connection that has
                // already come and gone, and would leave an orphan the application sees accepted.
                drops.increment(DropReason.TCP_COOKIE_LATER_SEGMENT);
                return true;
            }
            return false;
        }
        if (l.queueFull()) {
            drops.increment(DropReason.TCP_BACKLOG_FULL);
            return true;
        }
        TcpConnection c = layer.allocate();
        if (c == null && layer.closing().resetOldestOrphan(now)) {
            c = layer.allocate(); // a peer that proved its address, where the SYN alone could not
        }
        if (c == null) {
            drops.increment(DropReason.TCP_NO_CONNECTION_SLOT);
            return true;
        }
        c.localIp = localIp;
        c.remoteIp = remoteIp;
        c.localPort = localPort;
        c.remotePort = remotePort;
        c.passive = true;
        c.listener = l;
        c.irs = peerIsn;
        c.rcvNxt = seg.sequence();
        c.iss = cookie;
        c.sndUna = cookie + 1;
        c.sndNxt = cookie + 1;
        c.sndMax = cookie + 1;
        c.recover = cookie + 1;
        c.sndUnaOffset = 0;
        c.mssOption = Math.min(SynCookies.MSS_TABLE[mssIndex], config.mss);
        if (config.timestamps && opt.timestamps) {
            c.tsEnabled = true;
            c.tsRecent = opt.tsVal;
            c.tsRecentTime = now;
            c.tsOffset = 0; // our TSvals go on from the plain millisecond clock, which the SYN-ACK's did not pass
            // the SYN-ACK's TSval is up to 35 minutes old: no RTT sample from an echo of it (the timestamp form
            // of Karn's rule, as after a retransmission)
            c.retransmittedSinceSample = true;
            c.tsLastRetransmission = (int) (now / 1_000_000L);
            int ws = SynCookies.decodedWindowScale(opt.tsEcr);
            if (ws >= 0 && config.windowScaling) {
                c.wsEnabled = true;
                c.sndWscale = ws;
                c.rcvWscale = config.receiveWindowShift();
            }
            c.sackEnabled = config.sack && SynCookies.decodedSackPermitted(opt.tsEcr);
        }
        c.cc.reset(c.mssOption - (c.tsEnabled ? TcpOptions.TIMESTAMPS_ALIGNED_LENGTH : 0),
                config.initialWindowSegments);
        c.rcvAdv = c.rcvNxt + Math.min(config.receiveBuffer, 0xFFFF);
        c.lastAckSent = c.rcvNxt;
        c.sndWnd = (long) seg.window() << c.sndWscale;
        c.maxSndWnd = c.sndWnd;
        c.sndWl1 = seg.sequence();
        c.sndWl2 = seg.acknowledgment();
        c.lastReceiveTime = now;
        counters.synCookiesAccepted++;
        counters.passiveOpens++;
        layer.register(c, TcpState.SYN_RECEIVED);
        l.halfOpen++;
        layer.handshakeCompleted(c, now);
        // the ACK may carry data already: process it as the established connection it now is
        layer.input().segment(c, seg, now);
        return true;
    }
}
