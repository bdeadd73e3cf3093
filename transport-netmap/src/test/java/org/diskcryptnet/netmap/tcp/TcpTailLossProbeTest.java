package org.diskcryptnet.netmap.tcp;

import java.util.Arrays;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.diskcryptnet.netmap.tcp.TcpTestbed.LOCAL_ISN;
import static org.diskcryptnet.netmap.tcp.TcpTestbed.REMOTE_ISN;
import static org.diskcryptnet.netmap.tcp.TcpTestbed.WINDOW;
import static org.diskcryptnet.netmap.tcp.TcpTestbed.bytes;
import static org.diskcryptnet.netmap.tcp.TcpTestbed.in;
import static org.diskcryptnet.netmap.tcp.TcpTestbed.out;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Tail loss probes (RFC 8985 section 7): with SACK, the retransmission timer is first a probe timeout
 * PTO = 2 SRTT (+ a worst-case delayed ACK when one segment is out); when it fires, one segment goes out to
 * draw a SACK that starts fast recovery instead of waiting for the RTO. The handshake here takes 10 ms, so
 * SRTT = 10 ms, PTO = 22 ms and RTO = 200 ms (the minimum).
 */
class TcpTailLossProbeTest {

    private static final int R = REMOTE_ISN + 1;
    private static final int L = LOCAL_ISN + 1;
    private static final int MSS = 1460;

    private final Recorder app = new Recorder();
    private TcpTestbed bed;
    private byte[] data;

    @AfterEach
    void close() {
        bed.close();
    }

    private static int S(int i) {
        return L + i * MSS;
    }

    private TcpConnection established(boolean sack, int segments) {
        bed = new TcpTestbed(TcpTestbed.base().sack(sack).congestion(TcpConfig.Congestion.RENO)
                .sendBuffer(256 * 1024).build());
        bed.listen(app);
        Seg syn = in().syn().seq(REMOTE_ISN).win(WINDOW).mss(MSS);
        bed.send(sack ? syn.sackOk() : syn);
        bed.recv();
        bed.advance(10);
        bed.send(in().seq(R).ack(L).win(WINDOW));
        TcpConnection c = app.acceptOne(bed);
        data = bytes(segments * MSS, 7);
        bed.write(c, data);
        return c;
    }

    private Seg segmentOut(int i) {
        return out().seq(S(i)).ack(R).win(WINDOW).data(Arrays.copyOfRange(data, i * MSS, (i + 1) * MSS));
    }

    private static Seg ackIn(int ack) {
        return in().seq(R).ack(ack).win(WINDOW);
    }

    @Test
    void probeRetransmitsTheLastSegmentAfterTwoSrttWhenNothingNewIsQueued() {
        // RFC 8985 7.2 (PTO = 2 SRTT) and 7.3: with no new data, retransmit the highest-sequence segment
        established(true, 10);
        assertEquals(10, bed.recv().size());
        bed.advance(21);
        bed.expectNothing();
        bed.advance(1);
        bed.expect(segmentOut(9)); // a retransmission: no PSH
        assertEquals(1, bed.layer.counters().tailLossProbes);
        assertEquals(0, bed.layer.counters().rtoEvents);
    }

    @Test
    void probeSendsNewDataWhenThePeerWindowAllowsEvenBeyondCwnd() {
        // RFC 8985 7.3: "If previously unsent data is available and the receive window allows, send one
        // new segment" (cwnd, full with the initial window of 10, does not count)
        established(true, 12);
        assertEquals(10, bed.recv().size());
        bed.advance(22);
        bed.expect(segmentOut(10).psh());
        assertEquals(1, bed.layer.counters().tailLossProbes);
    }

    @Test
    void oneSegmentOutWaitsForADelayedAckBeforeProbing() {
        // RFC 8985 7.2: with one segment in flight, PTO += WCDelAckT (200 ms), capped by the RTO: no probe,
        // the retransmission timer proper fires
        TcpConnection c = established(true, 1);
        bed.expect(segmentOut(0).psh());
        bed.advance(199);
        bed.expectNothing();
        bed.advance(1);
        bed.expect(segmentOut(0).psh());
        assertEquals(0, bed.layer.counters().tailLossProbes);
        assertEquals(1, bed.layer.counters().rtoEvents);
        assertTrue(c.congestionWindow() <= MSS);
    }

    @Test
    void noProbeWithoutSack() {
        // RFC 8985 7.2: TLP is for SACK connections (the probe's ACK must be able to tell what is missing)
        established(false, 10);
        bed.recv();
        bed.advance(199);
        bed.expectNothing();
        bed.advance(1);
        bed.expect(segmentOut(0));
        assertEquals(0, bed.layer.counters().tailLossProbes);
    }

    @Test
    void aSackOfTheProbeAboveHolesStartsRecoveryAtOnce() {
        // RFC 8985 7.4 / 6.2: the probe was sent a PTO after everything below it, so un-SACKed data below a
        // SACKed probe is lost, not reordered: recovery starts without three duplicate ACKs
        TcpConnection c = established(true, 10);
        bed.recv();
        bed.advance(22);
        bed.expect(segmentOut(9)); // a retransmission: no PSH
        bed.send(ackIn(L).sack(S(9), S(10)));
        assertTrue(c.inRecovery);
        assertEquals(1, bed.layer.counters().sackRecoveries);
        var sent = bed.recv();
        assertFalse(sent.isEmpty());
        assertEquals(segmentOut(0), sent.get(0), "the first hole goes out first");
        assertEquals(0, bed.layer.counters().rtoEvents);
    }

    @Test
    void afterTheProbeTheRetransmissionTimerRuns() {
        // RFC 8985 7.3: after sending the probe, arm the RTO timer (one probe per tail)
        established(true, 10);
        bed.recv();
        bed.advance(22);
        bed.expect(segmentOut(9)); // a retransmission: no PSH
        bed.advance(199);
        bed.expectNothing();
        bed.advance(1);
        bed.expect(segmentOut(0));
        assertEquals(1, bed.layer.counters().tailLossProbes);
        assertEquals(1, bed.layer.counters().rtoEvents);
    }

    @Test
    void anAckOfNewDataReArmsTheProbe() {
        // RFC 8985 7.2: on an ACK that advances SND.UNA, re-arm the PTO (not the RTO) while data is out
        established(true, 10);
        bed.recv();
        bed.advance(5);
        bed.send(ackIn(S(2)));
        bed.recv(); // slow start releases more
        // the 5 ms sample makes SRTT 9.375 ms: PTO 20.75 ms from the ACK, the RTO would be 200 ms
        bed.advance(20);
        bed.expectNothing();
        bed.advance(1);
        assertEquals(1, bed.recv().size());
        assertEquals(1, bed.layer.counters().tailLossProbes);
    }
}
