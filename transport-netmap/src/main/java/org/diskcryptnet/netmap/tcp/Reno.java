package org.diskcryptnet.netmap.tcp;

/** Standard AIMD congestion avoidance (RFC 5681 section 3.1), with appropriate byte counting (RFC 3465). */
final class Reno extends CongestionControl {

    private long bytesAcked;

    @Override
    protected void resetAlgorithm() {
        bytesAcked = 0;
    }

    @Override
    protected void congestionAvoidance(long acked, long now, long rtt) {
        // RFC 3465 section 2.1: one SMSS per cwnd of bytes acknowledged
        bytesAcked += acked;
        if (bytesAcked >= cwnd) {
            bytesAcked -= cwnd;
            cwnd += mss;
        }
    }

    @Override
    void onLoss(long now, long flightSize) {
        // RFC 5681 section 3.1 equation (4)
        ssthresh = Math.max(flightSize / 2, 2L * mss);
        cwnd = ssthresh;
        bytesAcked = 0;
    }
}
