package org.diskcryptnet.netmap.tcp;

import java.util.Arrays;
import java.util.List;

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
 * When a loss is detected with SACK and few segments out, as under 5 % random loss, where the congestion window
 * is a handful of segments: RFC 6675's rule that a cumulative ACK can be a duplicate ACK, time-based detection
 * after RACK (RFC 8985 section 6), and lost retransmissions of the segment at SND.UNA. Segment i of a test covers
 * [S(i), S(i+1)); the clock only moves when a test says so.
 */
class TcpLossDetectionTest {

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

    /** A SACK connection (Reno, no timestamps) with {@code segments} queued, {@code window} of them sent. */
    private TcpConnection established(int segments, int window) {
        bed = new TcpTestbed(TcpTestbed.base().sack(true).congestion(TcpConfig.Congestion.RENO)
                .initialWindowSegments(window).sendBuffer(256 * 1024).build());
        bed.listen(app);
        bed.send(in().syn().seq(REMOTE_ISN).win(WINDOW).mss(MSS).sackOk());
        bed.recv();
        bed.send(in().seq(R).ack(L).win(WINDOW));
        TcpConnection c = app.acceptOne(bed);
        data = bytes(segments * MSS, 9);
        bed.write(c, data);
        return c;
    }

    private Seg segmentOut(int i) {
        Seg s = out().seq(S(i)).ack(R).win(WINDOW).data(Arrays.copyOfRange(data, i * MSS, (i + 1) * MSS));
        return (i + 1) * MSS == data.length ? s.psh() : s;
    }

    private static Seg ackIn(int ack) {
        return in().seq(R).ack(ack).win(WINDOW);
    }

    private static List<Integer> seqs(List<Seg> segs) {
        return segs.stream().map(s -> s.seq).toList();
    }

    @Test
    void aCumulativeAckWhoseSackShowsALossStartsRecovery() {
        // RFC 6675 section 5: an ACK with new SACK information is a duplicate ACK "regardless of its status as a
        // cumulative acknowledgment"; IsLost(HighACK + 1) holds (three segments SACKed above): step (2) goes to
        // step (4), fast retransmit, on this very ACK
        TcpConnection c = established(10, 10);
        assertEquals(10, bed.recv().size());
        bed.send(ackIn(S(1)).sack(S(2), S(5)));
        assertTrue(c.inRecovery);
        assertEquals(S(1), bed.recv().getFirst().seq, "segment 1 retransmitted at once");
        assertEquals(1, bed.layer.counters().sackRecoveries);
    }

    @Test
    void aCumulativeAckWithSackAllowsLimitedTransmit() {
        // RFC 6675 section 5 step (3) / RFC 3042: such an ACK that shows no loss yet lets one new segment out
        established(12, 10);
        assertEquals(10, bed.recv().size());
        bed.send(ackIn(S(1)).sack(S(2), S(3)));
        List<Integer> sent = seqs(bed.recv());
        assertTrue(sent.contains(S(10)), "new data beyond cwnd: " + sent);
        assertFalse(sent.contains(S(1)), "no retransmission: one segment SACKed above is not a loss yet");
    }

    @Test
    void aHoleBelowDataSackedAReorderingWindowAgoIsLost() {
        // RFC 8985 section 6.2: segment 1 is lost once segment 2, sent after it, was delivered and the
        // reordering window passed (RFC 8985 6.3, the reorder timer), though no three segments follow it
        TcpConnection c = established(3, 3);
        assertEquals(3, bed.recv().size());
        bed.send(ackIn(S(1)).sack(S(2), S(3)));
        bed.expectNothing();
        bed.advanceNanos(RackLossDetection.MIN_REORDER_WINDOW / 2);
        bed.expectNothing();
        assertFalse(c.inRecovery, "within the reordering window it may still come");
        bed.advanceNanos(RackLossDetection.MIN_REORDER_WINDOW);
        bed.expect(segmentOut(1));
        assertTrue(c.inRecovery);
        assertEquals(1, bed.layer.counters().sackRecoveries);
        assertEquals(0, bed.layer.counters().rtoEvents);
        assertEquals(0, bed.layer.counters().tailLossProbes);
    }

    @Test
    void aSegmentReorderedWithinTheWindowIsNotRetransmitted() {
        // RFC 8985 section 6.2 step 4: reo_wnd tolerates reordering; the late segment's ACK cancels the timer
        TcpConnection c = established(3, 3);
        bed.recv();
        bed.send(ackIn(S(1)).sack(S(2), S(3)));
        bed.advanceNanos(RackLossDetection.MIN_REORDER_WINDOW / 2);
        bed.send(ackIn(S(3)));
        bed.advanceNanos(10 * RackLossDetection.MIN_REORDER_WINDOW);
        bed.expectNothing();
        assertFalse(c.inRecovery);
        assertEquals(0, bed.layer.counters().retransmittedSegments);
    }

    /** Fast retransmit of segment 1 after three SACKs; returns the index of the first segment sent after it. */
    private int fastRetransmitOfSegmentOne(TcpConnection c) {
        bed.recv();
        bed.send(ackIn(S(1)).sack(S(2), S(3)));
        bed.send(ackIn(S(1)).sack(S(2), S(4)));
        int after = (c.sndMax - L) / MSS; // two limited transmits went out before it
        bed.recv();
        bed.send(ackIn(S(1)).sack(S(2), S(5)));
        assertEquals(S(1), bed.recv().getFirst().seq, "fast retransmit");
        assertTrue(c.inRecovery);
        return after;
    }

    /** The receiver SACKs every original up to segment {@code last}; what we send meanwhile. */
    private List<Integer> sackOriginalsUpTo(int last) {
        List<Integer> sent = new java.util.ArrayList<>();
        for (int i = 6; i <= last + 1; i++) {
            bed.send(ackIn(S(1)).sack(S(2), S(i)));
            sent.addAll(seqs(bed.recv()));
        }
        return sent;
    }

    @Test
    void aLostRetransmissionOfTheFirstSegmentIsResentWithoutATimeout() {
        // RFC 6675 section 5 step (4.3) retransmits SND.UNA's segment; when that copy is lost as well, the
        // receiver goes on SACKing data sent after it. The retransmission log must hold that copy to notice
        // (here by more than DupThresh - 1 segments SACKed past it); before, only a probe or the RTO resent it.
        TcpConnection c = established(40, 10);
        int after = fastRetransmitOfSegmentOne(c);
        List<Integer> sent = sackOriginalsUpTo(after - 1);
        assertFalse(sent.contains(S(1)), "SACKs of what was sent before the retransmission prove nothing");
        sent = sackOriginalsUpTo(after + 2);
        assertEquals(1, sent.stream().filter(s -> s == S(1)).count(), "segment 1 a third time: " + sent);
        assertEquals(1, bed.layer.counters().lostRetransmissions);
        assertEquals(0, bed.layer.counters().rtoEvents);
        assertEquals(0, bed.layer.counters().tailLossProbes);
    }

    @Test
    void aLostRetransmissionIsAlsoFoundByTime() {
        // RFC 8985 section 6.2 judges retransmissions like originals: data sent after the retransmission was
        // SACKed a reordering window ago, so it is lost, though fewer than DupThresh segments were SACKed past it
        TcpConnection c = established(40, 10);
        int after = fastRetransmitOfSegmentOne(c);
        sackOriginalsUpTo(after - 1);
        bed.send(ackIn(S(1)).sack(S(2), S(after + 1))); // one segment sent after the retransmission arrived
        assertFalse(seqs(bed.recv()).contains(S(1)), "one segment past it is no proof by count");
        bed.advanceNanos(RackLossDetection.MIN_REORDER_WINDOW * 3 / 2); // not yet a probe timeout (2 ms)
        assertTrue(seqs(bed.recv()).contains(S(1)), "but by time it is");
        assertEquals(0, bed.layer.counters().tailLossProbes);
        assertEquals(1, bed.layer.counters().lostRetransmissions);
        assertEquals(0, bed.layer.counters().rtoEvents);
        assertTrue(c.inRecovery);
    }
}
