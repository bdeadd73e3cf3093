package org.diskcryptnet.netmap.tcp;

import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.diskcryptnet.netmap.tcp.TcpTestbed.LOCAL_ISN;
import static org.diskcryptnet.netmap.tcp.TcpTestbed.LOCAL_PORT;
import static org.diskcryptnet.netmap.tcp.TcpTestbed.REMOTE_IP;
import static org.diskcryptnet.netmap.tcp.TcpTestbed.REMOTE_ISN;
import static org.diskcryptnet.netmap.tcp.TcpTestbed.REMOTE_PORT;
import static org.diskcryptnet.netmap.tcp.TcpTestbed.WINDOW;
import static org.diskcryptnet.netmap.tcp.TcpTestbed.bytes;
import static org.diskcryptnet.netmap.tcp.TcpTestbed.in;
import static org.diskcryptnet.netmap.tcp.TcpTestbed.out;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The retransmission timer of RFC 6298 and what follows a timeout (RFC 5681 3.1, RFC 6675 5.1). The handshake
 * of {@link TcpTestbed#establishedServer} gives an RTT sample of 0, so RTO starts at its 200 ms minimum.
 */
class TcpRetransmissionTimerTest {

    private static final int R = REMOTE_ISN + 1;
    private static final int L = LOCAL_ISN + 1;
    private static final int MSS = 1460;

    private TcpTestbed bed = new TcpTestbed(TcpTestbed.base().congestion(TcpConfig.Congestion.RENO).build());
    private final Recorder app = new Recorder();

    @AfterEach
    void close() {
        bed.close();
    }

    private static Seg dataOut(int seq, byte[] d) {
        return out().psh().seq(seq).ack(R).win(WINDOW).data(d);
    }

    @Test
    void unacknowledgedDataIsRetransmittedWhenTheTimerExpires() {
        // RFC 6298 5.1 (start the timer on sending data) and 5.4 (retransmit the earliest unacked segment)
        TcpConnection c = bed.establishedServer(app);
        bed.write(c, "abc".getBytes());
        bed.expect(dataOut(L, "abc".getBytes()));
        bed.advance(199);
        bed.expectNothing();
        bed.advance(1);
        bed.expect(dataOut(L, "abc".getBytes()));
        assertEquals(1, bed.layer.counters().rtoEvents);
        assertEquals(1, bed.layer.counters().retransmittedSegments);
    }

    @Test
    void timerBacksOffExponentially() {
        // RFC 6298 5.5: RTO = RTO * 2 on each expiry
        TcpConnection c = bed.establishedServer(app);
        bed.write(c, "abc".getBytes());
        bed.recv();
        long[] expiries = {200, 400, 800, 1600, 3200};
        for (long ms : expiries) {
            bed.advance(ms - 1);
            bed.expectNothing();
            bed.advance(1);
            assertEquals(1, bed.recv().size(), "retransmission after " + ms + " ms");
        }
    }

    @Test
    void backoffIsBoundedByMaxRto() {
        // RFC 6298 2.5: a maximum may be placed on RTO (at least 60 s; 1 s here for a short test)
        bed.close();
        bed = new TcpTestbed(TcpTestbed.base().maxRto(1, TimeUnit.SECONDS).build());
        TcpConnection c = bed.establishedServer(app);
        bed.write(c, "abc".getBytes());
        bed.recv();
        for (long ms : new long[] {200, 400, 800, 1000, 1000}) {
            bed.advance(ms);
            assertEquals(1, bed.recv().size());
        }
    }

    @Test
    void timerRestartsWhenNewDataIsAcknowledged() {
        // RFC 6298 5.3: an ACK of new data restarts the timer for the rest
        TcpConnection c = bed.establishedServer(app);
        c.noDelay(true);
        bed.write(c, "a".getBytes());
        bed.advance(150);
        bed.write(c, "b".getBytes());
        bed.recv();
        bed.send(in().seq(R).ack(L + 1).win(WINDOW));
        bed.advance(199);
        bed.expectNothing();
        bed.advance(1);
        bed.expect(dataOut(L + 1, "b".getBytes()));
    }

    @Test
    void timerStopsWhenEverythingIsAcknowledged() {
        // RFC 6298 5.2
        TcpConnection c = bed.establishedServer(app);
        bed.write(c, "abc".getBytes());
        bed.recv();
        bed.send(in().seq(R).ack(L + 3).win(WINDOW));
        bed.advance(10_000);
        bed.expectNothing();
        assertEquals(0, bed.layer.counters().rtoEvents);
    }

    @Test
    void rttSamplesFollowRfc6298WithoutTimestamps() {
        // RFC 6298 2.2 / 2.3 with one timed segment per RTT (no timestamps)
        TcpConnection c = bed.establishedServer(app);
        bed.write(c, "a".getBytes());
        bed.recv();
        bed.advance(100);
        bed.send(in().seq(R).ack(L + 1).win(WINDOW));
        // first data sample after a handshake sample of 0: RTTVAR = 3/4 0 + 1/4 100 = 25, SRTT = 1/8 100
        assertEquals(12_500_000L, c.smoothedRtt());
        assertEquals(200_000_000L, c.retransmissionTimeout(), "12.5 + 4 x 25 = 112.5 ms, below the minimum");
    }

    @Test
    void karnIgnoresTheAckOfARetransmittedSegment() {
        // RFC 6298 3 (Karn): no RTT sample from a retransmitted segment; the backed-off RTO is kept
        TcpConnection c = bed.establishedServer(app);
        bed.write(c, "a".getBytes());
        bed.recv();
        bed.advance(200);
        bed.recv();
        bed.advance(300);
        bed.send(in().seq(R).ack(L + 1).win(WINDOW));
        assertEquals(0, c.smoothedRtt());
        assertEquals(400_000_000L, c.retransmissionTimeout());
    }

    @Test
    void timeoutGoesBackToSndUnaWithOneSegmentWindow() {
        // RFC 5681 3.1: after a timeout cwnd = 1 SMSS (loss window), ssthresh = max(FlightSize/2, 2 SMSS);
        // everything from SND.UNA is sent again as the window grows (go-back-N)
        TcpConnection c = bed.establishedServer(app);
        byte[] d = bytes(4 * MSS, 9);
        bed.write(c, d);
        assertEquals(4, bed.recv().size());
        bed.advance(200);
        bed.expect(out().seq(L).ack(R).win(WINDOW).data(Arrays.copyOfRange(d, 0, MSS)));
        assertEquals(MSS, c.congestionWindow());
        assertEquals(2 * MSS, c.slowStartThreshold());
        bed.send(in().seq(R).ack(L + MSS).win(WINDOW));
        List<Seg> sent = bed.recv();
        assertEquals(List.of(L + MSS, L + 2 * MSS), sent.stream().map(s -> s.seq).toList());
    }

    @Test
    void repeatedTimeoutsKeepSsthresh() {
        // RFC 5681 3.1: if the same segment times out again, ssthresh is held constant
        TcpConnection c = bed.establishedServer(app);
        bed.write(c, bytes(4 * MSS, 9));
        bed.recv();
        bed.advance(200);
        long ssthresh = c.slowStartThreshold();
        bed.advance(400);
        assertEquals(ssthresh, c.slowStartThreshold());
        assertEquals(MSS, c.congestionWindow());
    }

    @Test
    void connectionIsDroppedAfterTooManyRetransmissions() {
        // RFC 9293 3.8.3: at threshold R2 the connection is closed
        bed.close();
        bed = new TcpTestbed(TcpTestbed.base().maxRetransmissions(3).build());
        TcpConnection c = bed.establishedServer(app);
        bed.write(c, "abc".getBytes());
        bed.recv();
        bed.advance(200);
        bed.advance(400);
        bed.advance(800);
        assertEquals(3, bed.recv().size());
        assertEquals(TcpState.ESTABLISHED, c.state());
        bed.advance(1600);
        bed.expectNothing();
        assertEquals(TcpState.CLOSED, c.state());
        assertEquals(List.of("closed:TIMED_OUT"), app.events);
    }

    @Test
    void rtoStartsAtThreeSecondsAfterARetransmittedSyn() {
        // RFC 6298 5.7: the SYN timed out and no sample was taken: data starts with RTO = 3 s
        TcpConnection c = bed.layer.connect(LOCAL_PORT, REMOTE_IP, REMOTE_PORT, app, bed.now);
        bed.settle();
        bed.advance(1000);
        bed.recv();
        bed.send(in().syn().seq(REMOTE_ISN).ack(L).win(WINDOW).mss(MSS));
        bed.recv();
        assertEquals(3_000_000_000L, c.retransmissionTimeout());
        assertEquals(MSS, c.congestionWindow(), "RFC 5681 3.1: IW is one segment after a lost SYN");
    }

    @Test
    void goBackNAfterTimeoutResendsTheFin() {
        TcpConnection c = bed.establishedServer(app);
        bed.write(c, "abc".getBytes());
        c.shutdownOutput();
        bed.settle();
        assertEquals(2, bed.recv().size(), "data, then the FIN (Nagle lets a FIN go)");
        bed.advance(200);
        List<Seg> again = bed.recv();
        assertEquals(1, again.size());
        assertEquals(out().psh().fin().seq(L).ack(R).win(WINDOW).data("abc"), again.get(0));
    }
}
