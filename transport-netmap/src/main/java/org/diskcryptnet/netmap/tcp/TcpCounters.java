package org.diskcryptnet.netmap.tcp;

/**
 * One loop's TCP counters: plain longs written by the loop's thread, read at scrape time by any thread (a
 * value may be a few events old). Drops by reason are in the loop's {@link org.diskcryptnet.netmap.wire.DropCounters}.
 */
public final class TcpCounters {

    public long segmentsReceived;
    public long segmentsSent;
    public long payloadBytesReceived;
    public long payloadBytesSent;
    /** Segments sent again (RTO, fast retransmit, SACK recovery, go-back-N after a timeout). */
    public long retransmittedSegments;
    public long retransmittedBytes;
    /** Retransmission timer expiries with data or a SYN outstanding (RFC 6298 section 5.4). */
    public long rtoEvents;
    /** Timeouts found spurious by Eifel detection (RFC 3522) and undone (RFC 4015). */
    public long spuriousTimeouts;
    /** Tail loss probes sent (RFC 8985 section 7). */
    public long tailLossProbes;
    /** Fast retransmits that entered loss recovery: with SACK (RFC 6675) and without (RFC 6582). */
    public long sackRecoveries;
    /** Retransmissions found lost again during SACK recovery and sent once more (see RetransmissionLog). */
    public long lostRetransmissions;
    public long newRenoRecoveries;
    public long activeOpens;
    public long passiveOpens;
    public long synCookiesSent;
    public long synCookiesAccepted;
    public long challengeAcksSent;
    public long challengeAcksThrottled;
    public long resetsSent;
    public long resetsReceived;
    public long keepAliveProbesSent;
    public long zeroWindowProbesSent;
    public long delayedAcksSent;
    public long connectionsTimedOut;
    /** Orphans (closed by the application, not yet finished) reset to give their object to a new connection. */
    public long orphansReset;
    /** Payload bytes produced by regenerable sources, first time and again on retransmission. */
    public long sourceBytesProduced;
    public long sourceBytesRegenerated;
    /** Out-of-order segments stored for reassembly. */
    public long outOfOrderSegments;
    /** Flushes that stopped because the transmit ring was full (the rest waited for the next flush). */
    public long outputDeferred;
    /** Connections by {@link TcpState} ordinal, maintained on every transition. */
    public final long[] connectionsByState = new long[TcpState.values().length];

    public long connections(TcpState state) {
        return connectionsByState[state.ordinal()];
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        sb.append("segs in/out ").append(segmentsReceived).append('/').append(segmentsSent)
                .append(", rexmit ").append(retransmittedSegments)
                .append(", rto ").append(rtoEvents).append(" (spurious ").append(spuriousTimeouts).append(')')
                .append(", tlp ").append(tailLossProbes)
                .append(", lost rexmits ").append(lostRetransmissions)
                .append(", sack/newreno recoveries ").append(sackRecoveries).append('/').append(newRenoRecoveries)
                .append(", cookies ").append(synCookiesSent).append('/').append(synCookiesAccepted)
                .append(", challenge acks ").append(challengeAcksSent)
                .append(", rst in/out ").append(resetsReceived).append('/').append(resetsSent)
                .append(", states {");
        TcpState[] states = TcpState.values();
        boolean first = true;
        for (TcpState s : states) {
            long n = connectionsByState[s.ordinal()];
            if (n != 0 && s != TcpState.CLOSED) {
                sb.append(first ? "" : ", ").append(s).append('=').append(n);
                first = false;
            }
        }
        return sb.append('}').toString();
    }
}
