package org.diskcryptnet.netmap.tcp;

/**
 * The congestion window of one connection (RFC 5681) and the algorithm that grows and shrinks it. Loss
 * recovery (RFC 6675 with SACK, RFC 6582 without) lives in the connection; it tells this class when a window's
 * worth of loss happened ({@link #onLoss}), when the retransmission timer fired ({@link #onTimeout}) and when
 * recovery ended, and lets it grow the window on ACKs outside recovery.
 *
 * <p>Windows are in bytes. One instance per connection, preallocated with it and {@link #reset} on reuse.
 */
abstract class CongestionControl {

    /** "Arbitrarily high" initial ssthresh (RFC 5681 section 3.1). */
    static final long INFINITE_SSTHRESH = Long.MAX_VALUE / 4;

    protected long cwnd;
    protected long ssthresh;
    protected int mss;

    void reset(int mss, int initialWindowSegments) {
        this.mss = mss;
        // RFC 6928 section 2: IW = min(10*MSS, max(2*MSS, 14600)), with the configured segment count
        long iw = Math.min((long) initialWindowSegments * mss, Math.max(2L * mss, 14600));
        this.cwnd = Math.max(iw, mss);
        this.ssthresh = INFINITE_SSTHRESH;
        resetAlgorithm();
    }

    /** The MSS can shrink after the handshake (options take room); keep the window in whole segments. */
    void mss(int mss) {
        this.mss = mss;
    }

    long cwnd() {
        return cwnd;
    }

    long ssthresh() {
        return ssthresh;
    }

    boolean inSlowStart() {
        return cwnd < ssthresh;
    }

    /** Sets cwnd directly (NewReno's inflation and deflation, RFC 6582 section 3.2). */
    void cwnd(long value) {
        cwnd = Math.max(value, mss);
    }

    protected abstract void resetAlgorithm();

    /**
     * New data was cumulatively acknowledged outside loss recovery.
     *
     * @param acked        bytes newly acknowledged
     * @param rtt          the smoothed RTT in nanoseconds (or the initial RTO before any sample)
     * @param cwndLimited  whether the window was the limit: the flight before this ACK filled it, or the last
     *                     output stopped at it ({@link TcpConnection#cwndLimitedAt}). A window the sender does not
     *                     use is not grown (RFC 7661 section 4.3; RFC 5681 section 3.1 grows cwnd only when it
     *                     is the limit)
     */
    final void onAck(long acked, long now, long rtt, boolean cwndLimited) {
        if (!cwndLimited) {
            return;
        }
        if (cwnd < ssthresh) {
            // Slow start, counting bytes (RFC 3465). The receivers here acknowledge a whole receive batch at
            // once (as GRO does for Linux), so the increase is not capped at L=2*SMSS per ACK: that would slow
            // slow start down in proportion to the batch size. It never overshoots ssthresh.
            long room = ssthresh - cwnd;
            if (acked <= room) {
                cwnd += acked;
                return;
            }
            cwnd = ssthresh;
            acked -= room;
        }
        congestionAvoidance(acked, now, rtt);
    }

    protected abstract void congestionAvoidance(long acked, long now, long rtt);

    /**
     * Loss detected by duplicate ACKs or SACK (a congestion event, RFC 5681 section 3.2 / RFC 9438 section
     * 4.6): sets ssthresh and cwnd for the recovery that follows.
     */
    abstract void onLoss(long now, long flightSize);

    /** The retransmission timer fired (RFC 5681 section 3.1 eq. 4, RFC 9438 section 4.8): cwnd to one segment. */
    void onTimeout(long now, long flightSize) {
        onLoss(now, flightSize);
        cwnd = mss;
    }

    /**
     * SACK-based loss recovery ended (RFC 6675 section 5 (A)): cwnd stays what step (4.2) made it, ssthresh.
     * RFC 6675 sends during recovery by the pipe estimate, never in bursts, and sets no other window at its end;
     * RFC 6937 section 3.1 (PRR) likewise ends recovery at ssthresh. NewReno's burst guard below is for a
     * recovery that inflated cwnd by duplicate ACKs; applied here it cut the window to FlightSize + 1 SMSS after
     * every recovery in which the last ACK covered nearly everything, i.e. often to 2 SMSS.
     */
    void onSackRecoveryExit() {
        cwnd = Math.max(mss, ssthresh);
    }

    /** NewReno's loss recovery ended (RFC 6582 section 3.2 step 3). */
    void onRecoveryExit(long now, long flightSize) {
        // RFC 6582 option (1): min(ssthresh, max(FlightSize, SMSS) + SMSS) avoids a burst after recovery
        cwnd = Math.max(mss, Math.min(ssthresh, Math.max(flightSize, mss) + mss));
    }

    /** {@link GroupPrefetch}: loads fields of this object that processing an acknowledgment reads. */
    long prefetch() {
        return cwnd + ssthresh;
    }
}
