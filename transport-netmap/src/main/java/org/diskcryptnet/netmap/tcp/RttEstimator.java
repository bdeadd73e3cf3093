package org.diskcryptnet.netmap.tcp;

/**
 * The retransmission timeout of RFC 6298: SRTT and RTTVAR from RTT samples (section 2), RTO bounded below and
 * above, doubled per expiry (section 5.5) and restored by the next valid sample.
 */
final class RttEstimator {

    /** Clock granularity G of section 2.3: the timestamp clock ticks in milliseconds. */
    static final long GRANULARITY = 1_000_000L;

    private final long initialRto;
    private final long minRto;
    private final long maxRto;
    private long srtt;
    private long rttvar;
    private long rto;
    private int backoff;
    private boolean sampled;

    RttEstimator(long initialRto, long minRto, long maxRto) {
        this.initialRto = initialRto;
        this.minRto = minRto;
        this.maxRto = maxRto;
        reset();
    }

    void reset() {
        srtt = 0;
        rttvar = 0;
        rto = initialRto;
        backoff = 0;
        sampled = false;
    }

    /** Section 2.2 (first sample) and 2.3 (later ones), beta = 1/4, alpha = 1/8, K = 4; clears the backoff. */
    void sample(long rtt) {
        if (rtt < 0) {
            return;
        }
        if (!sampled) {
            srtt = rtt;
            rttvar = rtt / 2;
            sampled = true;
        } else {
            long err = Math.abs(srtt - rtt);
            rttvar = rttvar - (rttvar >> 2) + (err >> 2);
            srtt = srtt - (srtt >> 3) + (rtt >> 3);
        }
        rto = clamp(srtt + Math.max(GRANULARITY, 4 * rttvar));
        backoff = 0;
    }

    /** Section 5.5: back off the timer. */
    void backOff() {
        if (backoff < 30) {
            backoff++;
        }
    }

    /** The backoff was for a timeout that turned out spurious (RFC 4015 section 4, step 4). */
    void clearBackoff() {
        backoff = 0;
    }

    /** Section 5.7: after a SYN timed out, data transmission starts from an RTO of 3 s if no sample was taken. */
    void restartAfterSynTimeout(long threeSeconds) {
        if (!sampled) {
            rto = clamp(threeSeconds);
        }
        backoff = 0;
    }

    /** The current timeout, backoff included. */
    long rto() {
        long r = rto;
        for (int i = 0; i < backoff && r < maxRto; i++) {
            r <<= 1;
        }
        return Math.min(r, maxRto);
    }

    int backoffCount() {
        return backoff;
    }

    boolean sampled() {
        return sampled;
    }

    /** The smoothed RTT, or the initial RTO before any sample (what congestion control may assume). */
    long srtt() {
        return sampled ? srtt : initialRto;
    }

    long rttvar() {
        return rttvar;
    }

    private long clamp(long v) {
        return Math.max(minRto, Math.min(maxRto, v));
    }

    /** {@link GroupPrefetch}: loads fields of this object that processing an acknowledgment reads. */
    long prefetch() {
        return srtt + rto;
    }
}
