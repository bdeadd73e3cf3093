package org.diskcryptnet.netmap.tcp;

/**
 * SYN cookies (RFC 4987 section 3.6): under a SYN flood a listener answers with a SYN-ACK whose sequence number
 * encodes everything needed to build the connection later, and keeps no state. The 32-bit cookie is
 * <pre>
 *   t mod 32 (5 bits) | MSS index (3 bits) | MAC(secret, four-tuple, peer ISN, t) (24 bits)
 * </pre>
 * with t a counter of 64-second periods: a cookie is accepted in the period it was made and the next one.
 * The peer's ISN is part of the MAC so that a cookie cannot be replayed with another sequence space.
 * Window scale and SACK-permitted, which the cookie has no room for, travel in the low bits of our timestamp
 * (echoed in TSecr) when the peer uses timestamps, as Linux does; without timestamps a cookie connection
 * has neither.
 * <p>
 * Above them the timestamp carries the low 16 bits of the peer's ISN. A cookie is checked against SEG.SEQ - 1,
 * which is the peer's ISN only on its first segment; when a queue between us drops the ACK and the first data,
 * the next segment (a later data segment, the FIN) fails that check, and in Linux it gets a RST that kills a
 * connection the peer holds for established. The SYN-ACK's window is never scaled (RFC 7323 section 2.2), so
 * the peer cannot have sent more than 65,535 bytes before hearing from us: SEG.SEQ and the 16 echoed bits name
 * the one ISN to check the MAC with, and a segment that passes is known as ours and dropped instead (see
 * PassiveOpen). The MAC still covers the whole ISN: the hint adds one candidate, not a forgery.
 */
final class SynCookies {

    /** MSS values a cookie can carry; the peer's MSS is rounded down to one of them. */
    static final int[] MSS_TABLE = {536, 1220, 1360, 1440, 1452, 1460, 4312, 8960};

    static final long PERIOD_NANOS = 64_000_000_000L;
    /** Low bits of TSval holding the options: 4 bits window scale (15 = none), 1 bit SACK permitted. */
    static final int TS_OPTION_BITS = 5;
    /** TSval bits above the options holding the low bits of the peer's ISN. */
    static final int TS_ISN_BITS = 16;
    static final int TS_COOKIE_MASK = (1 << TS_OPTION_BITS + TS_ISN_BITS) - 1;
    static final int NO_WINDOW_SCALE = 0xF;

    private final SipHash mac;

    SynCookies(SipHash mac) {
        this.mac = mac;
    }

    static int mssIndex(int mss) {
        int idx = 0;
        for (int i = 0; i < MSS_TABLE.length; i++) {
            if (MSS_TABLE[i] <= mss) {
                idx = i;
            }
        }
        return idx;
    }

    int make(int localIp, int localPort, int remoteIp, int remotePort, int peerIsn, int mssIndex, long now) {
        long t = now / PERIOD_NANOS;
        int h = (int) mac.hash(localIp, localPort, remoteIp, remotePort, (peerIsn & 0xFFFF_FFFFL) << 8 ^ t);
        return (int) (t & 31) << 27 | mssIndex << 24 | (h & 0xFF_FFFF);
    }

    /** The MSS index the cookie carries, or -1 if it is not one we made in the last two periods. */
    int check(int cookie, int localIp, int localPort, int remoteIp, int remotePort, int peerIsn, long now) {
        long tNow = now / PERIOD_NANOS;
        int tc = cookie >>> 27;
        for (long t = tNow; t >= tNow - 1 && t >= 0; t--) {
            if ((t & 31) != tc) {
                continue;
            }
            int h = (int) mac.hash(localIp, localPort, remoteIp, remotePort, (peerIsn & 0xFFFF_FFFFL) << 8 ^ t);
            if ((h & 0xFF_FFFF) == (cookie & 0xFF_FFFF)) {
                return cookie >>> 24 & 7;
            }
        }
        return -1;
    }

    /**
     * The SYN-ACK's TSval: the latest value not after {@code nowMs} whose low bits hold the options and the
     * ISN hint. Never after the clock, so the TSvals of the connection that follows (the plain millisecond clock)
     * never go back for the peer's PAWS check (RFC 7323 section 5); up to 35 minutes before it.
     */
    static int encodeTsVal(int nowMs, int peerIsn, int windowScale, boolean sackPermitted) {
        int ws = windowScale < 0 ? NO_WINDOW_SCALE : Math.min(windowScale, 14);
        int low = (peerIsn & (1 << TS_ISN_BITS) - 1) << TS_OPTION_BITS | ws << 1 | (sackPermitted ? 1 : 0);
        int tsVal = (nowMs & ~TS_COOKIE_MASK) | low;
        return tsVal - nowMs > 0 ? tsVal - (TS_COOKIE_MASK + 1) : tsVal;
    }

    /** Whether {@code tsEcr} can be our SYN-ACK's TSval for a peer whose ISN is {@code peerIsn}. */
    static boolean echoesSynAck(int tsEcr, int peerIsn) {
        return (tsEcr >>> TS_OPTION_BITS & (1 << TS_ISN_BITS) - 1) == (peerIsn & (1 << TS_ISN_BITS) - 1);
    }

    /** The peer ISN that a segment at {@code seq} echoing {@code tsEcr} implies: at most 65,535 bytes before it. */
    static int isnFromTsEcr(int seq, int tsEcr) {
        int hint = tsEcr >>> TS_OPTION_BITS & (1 << TS_ISN_BITS) - 1;
        int latest = seq - 1;
        return latest - (latest - hint & (1 << TS_ISN_BITS) - 1);
    }

    static int decodedWindowScale(int tsEcr) {
        int ws = tsEcr >>> 1 & 0xF;
        return ws == NO_WINDOW_SCALE ? -1 : ws;
    }

    static boolean decodedSackPermitted(int tsEcr) {
        return (tsEcr & 1) != 0;
    }
}
