package org.diskcryptnet.netmap.tcp;

/**
 * CUBIC (RFC 9438). The window follows W_cubic(t) = C (t - K)^3 + W_max from the last congestion event, never
 * slower than an AIMD flow with the same average window (the "Reno-friendly" region, section 4.3). Windows are
 * tracked in segments as doubles so that fractional growth per ACK accumulates; cwnd is exposed in bytes.
 */
final class Cubic extends CongestionControl {

    /** RFC 9438 section 5: C = 0.4, beta_cubic = 0.7. */
    static final double C = 0.4;
    static final double BETA = 0.7;
    /** Section 4.3: alpha_cubic = 3 (1 - beta) / (1 + beta), for the same average window as AIMD(1, 0.5). */
    static final double ALPHA = 3 * (1 - BETA) / (1 + BETA);

    private static final double NANOS_PER_SECOND = 1e9;

    /** Segments: the window before the last reduction (after fast convergence). */
    private double wMax;
    /** Segments: cwnd just before the last reduction (cwnd_prior), for the alpha switch of section 4.3. */
    private double cwndPrior;
    /** Segments: the Reno-friendly estimate W_est. */
    private double wEst;
    private double k;
    /** Start of the current congestion avoidance stage; -1 until the first ACK in it. */
    private long epochStart;
    /** cwnd in segments with its fraction. */
    private double window;

    @Override
    protected void resetAlgorithm() {
        wMax = 0;
        cwndPrior = 0;
        wEst = 0;
        k = 0;
        epochStart = -1;
        window = 0;
    }

    @Override
    protected void congestionAvoidance(long acked, long now, long rtt) {
        double segmentsAcked = (double) acked / mss;
        if (epochStart < 0 || window == 0) {
            // Section 4.2 and 4.8: a new stage starts; if there was no reduction before it (or cwnd already
            // exceeds W_max), K = 0 and W_max is the window at its start.
            epochStart = now;
            window = (double) cwnd / mss;
            if (wMax <= window) {
                wMax = window;
                k = 0;
            } else {
                k = Math.cbrt((wMax - window) / C); // section 4.2, equation 2, with cwnd_epoch
            }
            wEst = window;
        }
        double t = (now - epochStart) / NANOS_PER_SECOND;
        double rttSeconds = rtt / NANOS_PER_SECOND;
        // Section 4.3: the Reno-friendly estimate, alpha = 1 once it passed the window before the reduction
        double alpha = wEst >= cwndPrior ? 1.0 : ALPHA;
        wEst += alpha * segmentsAcked / window;
        double cubicNow = wCubic(t);
        if (cubicNow < wEst) {
            window = wEst;                       // Reno-friendly region
        } else {
            // Sections 4.4 and 4.5: aim at W_cubic one RTT ahead, clamped to [cwnd, 1.5 cwnd]
            double target = wCubic(t + rttSeconds);
            if (target < window) {
                target = window;
            } else if (target > 1.5 * window) {
                target = 1.5 * window;
            }
            window += (target - window) / window * segmentsAcked;
        }
        cwnd = Math.max(mss, (long) (window * mss));
    }

    private double wCubic(double t) {
        double d = t - k;
        return C * d * d * d + wMax;
    }

    @Override
    void onLoss(long now, long flightSize) {
        double current = (double) cwnd / mss;
        cwndPrior = current;
        // Section 4.7, fast convergence: release bandwidth sooner if the window keeps shrinking
        wMax = current < wMax ? current * (1 + BETA) / 2 : current;
        // Section 4.6: ssthresh = flight_size * beta_cubic, and cwnd never below 2 segments after a loss
        ssthresh = Math.max((long) (flightSize * BETA), 2L * mss);
        cwnd = ssthresh;
        epochStart = -1;
        window = 0;
    }

    @Override
    void onTimeout(long now, long flightSize) {
        super.onTimeout(now, flightSize);
        // Section 4.8: the first stage after a timeout starts with K = 0 and W_max = cwnd at its start
        wMax = 0;
        cwndPrior = 0;
    }

    // visible for tests
    double wMax() {
        return wMax;
    }

    double k() {
        return k;
    }
}
