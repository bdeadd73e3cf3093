package org.diskcryptnet.netmap.tcp;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.diskcryptnet.netmap.tcp.TcpTestbed.LOCAL_ISN;
import static org.diskcryptnet.netmap.tcp.TcpTestbed.REMOTE_ISN;
import static org.diskcryptnet.netmap.tcp.TcpTestbed.WINDOW;
import static org.diskcryptnet.netmap.tcp.TcpTestbed.bytes;
import static org.diskcryptnet.netmap.tcp.TcpTestbed.in;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Congestion windows: RFC 5681, RFC 6928, RFC 3465, CUBIC (RFC 9438). */
class CongestionControlTest {

    private static final int R = REMOTE_ISN + 1;
    private static final int L = LOCAL_ISN + 1;
    private static final int MSS = 1000;
    private static final long SECOND = 1_000_000_000L;

    private TcpTestbed bed;
    private final Recorder app = new Recorder();

    @AfterEach
    void close() {
        if (bed != null) {
            bed.close();
        }
    }

    @Test
    void initialWindowIsTenSegments() {
        // RFC 6928 2: IW = min(10*MSS, max(2*MSS, 14600))
        bed = new TcpTestbed(TcpTestbed.base().build());
        TcpConnection c = bed.establishedServer(app);
        assertEquals(14600, c.congestionWindow());
        bed.write(c, bytes(30_000, 1));
        assertEquals(10, bed.recv().size());
    }

    @Test
    void slowStartGrowsByTheBytesAcknowledged() {
        // RFC 5681 3.1 with byte counting (RFC 3465): cwnd += acknowledged bytes while cwnd < ssthresh
        bed = new TcpTestbed(TcpTestbed.base().build());
        TcpConnection c = bed.establishedServer(app);
        bed.write(c, bytes(60_000, 1));
        bed.recv();
        bed.send(in().seq(R).ack(L + 2920).win(WINDOW));
        assertEquals(14600 + 2920, c.congestionWindow());
        assertEquals(4, bed.recv().size(), "2 segments acknowledged, window grew by 2: 4 new segments");
    }

    @Test
    void windowDoesNotGrowWhenTheApplicationDoesNotUseIt() {
        // RFC 7661 4.3 / RFC 5681 3.1: a window that is not the limit is not increased
        bed = new TcpTestbed(TcpTestbed.base().build());
        TcpConnection c = bed.establishedServer(app);
        bed.write(c, bytes(100, 1));
        bed.recv();
        bed.send(in().seq(R).ack(L + 100).win(WINDOW));
        assertEquals(14600, c.congestionWindow());
    }

    @Test
    void renoAddsOneSegmentPerWindowInCongestionAvoidance() {
        // RFC 5681 3.1 / RFC 3465 2.1: cwnd += SMSS once per cwnd of acknowledged bytes
        Reno reno = new Reno();
        reno.reset(MSS, 10);
        reno.onLoss(0, 20 * MSS);
        assertEquals(10 * MSS, reno.cwnd());
        assertEquals(10 * MSS, reno.ssthresh());
        reno.onAck(5 * MSS, 0, SECOND, true);
        assertEquals(10 * MSS, reno.cwnd());
        reno.onAck(5 * MSS, 0, SECOND, true);
        assertEquals(11 * MSS, reno.cwnd());
    }

    @Test
    void renoHalvesOnLossAndFallsToOneSegmentOnTimeout() {
        // RFC 5681 3.1 equation (4) and the loss window
        Reno reno = new Reno();
        reno.reset(MSS, 10);
        reno.onLoss(0, 9 * MSS);
        assertEquals(9 * MSS / 2, reno.ssthresh());
        reno.onTimeout(0, 3 * MSS);
        assertEquals(2 * MSS, reno.ssthresh(), "never below 2 SMSS");
        assertEquals(MSS, reno.cwnd());
    }

    @Test
    void cubicReducesByBeta() {
        // RFC 9438 4.6: ssthresh = flight_size * 0.7, cwnd = ssthresh
        Cubic cubic = new Cubic();
        cubic.reset(MSS, 10);
        cubic.cwnd(100 * MSS);
        cubic.onLoss(0, 100 * MSS);
        assertEquals(70 * MSS, cubic.ssthresh());
        assertEquals(70 * MSS, cubic.cwnd());
        assertEquals(100.0, cubic.wMax(), 1e-9);
    }

    @Test
    void cubicReachesWmaxAfterK() {
        // RFC 9438 4.2: W_cubic(t) = C (t - K)^3 + W_max, K = cbrt((W_max - cwnd_epoch) / C); at t = K the
        // window is back at W_max. One window of ACKs per 100 ms RTT.
        Cubic cubic = new Cubic();
        cubic.reset(MSS, 10);
        cubic.cwnd(100 * MSS);
        cubic.onLoss(0, 100 * MSS);
        long rtt = SECOND / 10;
        long now = 0;
        cubic.onAck(MSS, now, rtt, true);
        double k = cubic.k();
        assertEquals(Math.cbrt(30 / Cubic.C), k, 1e-9, "K from W_max = 100 and cwnd_epoch = 70 segments");
        while (now < (long) (k * SECOND)) {
            now += rtt;
            long w = cubic.cwnd();
            for (long acked = 0; acked < w; acked += MSS) {
                cubic.onAck(MSS, now, rtt, true);
            }
        }
        double w = (double) cubic.cwnd() / MSS;
        assertTrue(w > 95 && w < 106, "cwnd " + w + " segments near W_max = 100 after K = " + k + " s");
    }

    @Test
    void cubicGrowthIsConcaveBeforeWmaxAndConvexAfter() {
        // RFC 9438 4.4 / 4.5: slow growth near W_max, faster away from it
        Cubic cubic = new Cubic();
        cubic.reset(MSS, 10);
        cubic.cwnd(100 * MSS);
        cubic.onLoss(0, 100 * MSS);
        long rtt = SECOND / 10;
        long[] perRtt = new long[80];
        long now = 0;
        for (int r = 0; r < perRtt.length; r++) {
            long before = cubic.cwnd();
            for (long acked = 0; acked < before; acked += MSS) {
                cubic.onAck(MSS, now, rtt, true);
            }
            perRtt[r] = cubic.cwnd() - before;
            now += rtt;
        }
        int kRtt = (int) Math.round(cubic.k() * 10);
        assertTrue(perRtt[2] > perRtt[kRtt - 2], "concave: growth slows towards W_max");
        assertTrue(perRtt[perRtt.length - 1] > perRtt[kRtt + 2], "convex: growth speeds up past W_max");
    }

    @Test
    void cubicFastConvergenceLowersWmax() {
        // RFC 9438 4.7: a loss below the previous W_max sets W_max = cwnd * (1 + beta) / 2
        Cubic cubic = new Cubic();
        cubic.reset(MSS, 10);
        cubic.cwnd(100 * MSS);
        cubic.onLoss(0, 100 * MSS);
        cubic.cwnd(80 * MSS);
        cubic.onLoss(0, 80 * MSS);
        assertEquals(80 * (1 + Cubic.BETA) / 2, cubic.wMax(), 1e-9);
    }

    @Test
    void cubicIsNeverSlowerThanRenoWithTheSameAverage() {
        // RFC 9438 4.3: in the Reno-friendly region cwnd follows W_est += alpha * acked / cwnd per RTT;
        // with a long RTT and a small window CUBIC's curve lags the estimate, so W_est sets the window
        Cubic cubic = new Cubic();
        cubic.reset(MSS, 10);
        cubic.cwnd(10 * MSS);
        cubic.onLoss(0, 10 * MSS);
        long rtt = 10 * SECOND;
        long now = 0;
        for (int r = 0; r < 3; r++) {
            long w = cubic.cwnd();
            for (long acked = 0; acked < w; acked += MSS) {
                cubic.onAck(MSS, now, rtt, true);
            }
            now += rtt / 1000; // time barely moves: the cubic curve stays flat
        }
        double expected = 7 + 3 * Cubic.ALPHA;
        assertEquals(expected, (double) cubic.cwnd() / MSS, 0.2);
    }

    @Test
    void cubicAfterTimeoutRestartsFromOneSegment() {
        // RFC 9438 4.8: cwnd to the loss window; the next stage starts with K = 0
        Cubic cubic = new Cubic();
        cubic.reset(MSS, 10);
        cubic.cwnd(100 * MSS);
        cubic.onTimeout(0, 100 * MSS);
        assertEquals(MSS, cubic.cwnd());
        assertEquals(70 * MSS, cubic.ssthresh());
    }

    @Test
    void cubicIsTheDefault() {
        bed = new TcpTestbed(TcpTestbed.base().build());
        TcpConnection c = bed.establishedServer(app);
        assertTrue(c.cc instanceof Cubic, "RFC 9438 is the default congestion control");
    }
}
