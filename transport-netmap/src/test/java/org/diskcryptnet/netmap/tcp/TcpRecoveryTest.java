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
 * Loss recovery: fast retransmit and NewReno (RFC 5681 3.2, RFC 6582) without SACK, SACK-based recovery
 * (RFC 6675) with it, and limited transmit (RFC 3042). Segment i of a test covers [S(i), S(i+1)).
 */
class TcpRecoveryTest {

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
        bed.send(in().seq(R).ack(L).win(WINDOW));
        TcpConnection c = app.acceptOne(bed);
        data = bytes(segments * MSS, 5);
        bed.write(c, data);
        return c;
    }

    private Seg segmentOut(int i) {
        return out().seq(S(i)).ack(R).win(WINDOW).data(Arrays.copyOfRange(data, i * MSS, (i + 1) * MSS));
    }

    private static Seg ackIn(int ack) {
        return in().seq(R).ack(ack).win(WINDOW);
    }

    private static List<Integer> seqs(List<Seg> segs) {
        return segs.stream().map(s -> s.seq).toList();
    }

    @Test
    void thirdDuplicateAckTriggersFastRetransmit() {
        // RFC 5681 3.2 / RFC 6582 3.2 step 2: on the third duplicate ACK retransmit the first unacked segment
        TcpConnection c = established(false, 10);
        assertEquals(10, bed.recv().size(), "the initial window");
        bed.send(ackIn(S(1)));
        bed.send(ackIn(S(1)));
        bed.send(ackIn(S(1)));
        bed.expectNothing();
        bed.send(ackIn(S(1)));
        bed.expect(segmentOut(1));
        assertEquals(1, bed.layer.counters().newRenoRecoveries);
        // ssthresh = FlightSize / 2 = 9 segments / 2; cwnd = ssthresh + 3 SMSS
        assertEquals(9 * MSS / 2, c.slowStartThreshold());
        assertEquals(9 * MSS / 2 + 3 * MSS, c.congestionWindow());
    }

    @Test
    void limitedTransmitSendsNewSegmentsOnTheFirstTwoDuplicateAcks() {
        // RFC 3042 2: each of the first two duplicate ACKs releases one previously unsent segment
        established(false, 12);
        assertEquals(10, bed.recv().size());
        bed.send(ackIn(L));
        bed.expect(segmentOut(10));
        bed.send(ackIn(L));
        bed.expect(segmentOut(11).psh());
        bed.send(ackIn(L));
        bed.expect(segmentOut(0));
    }

    @Test
    void partialAckRetransmitsTheNextHoleAndFullAckEndsRecovery() {
        // RFC 6582 3.2 step 5: a partial ACK retransmits the first unacknowledged segment; step 3 (full ACK)
        // ends recovery with cwnd = min(ssthresh, max(FlightSize, SMSS) + SMSS)
        TcpConnection c = established(false, 10);
        bed.recv();
        bed.send(ackIn(S(1)));
        for (int i = 0; i < 3; i++) {
            bed.send(ackIn(S(1)));
        }
        bed.expect(segmentOut(1));
        bed.send(ackIn(S(3)));          // segment 3 was lost too
        bed.expect(segmentOut(3));
        bed.send(ackIn(S(10)));         // everything: full ACK
        assertEquals(2 * MSS, c.congestionWindow());
        assertEquals(9 * MSS / 2, c.slowStartThreshold());
    }

    @Test
    void duplicateAcksInflateTheWindowDuringRecovery() {
        // RFC 6582 3.2 step 4: each further duplicate ACK adds one SMSS to cwnd
        TcpConnection c = established(false, 10);
        bed.recv();
        bed.send(ackIn(S(1)));
        for (int i = 0; i < 3; i++) {
            bed.send(ackIn(S(1)));
        }
        long cwnd = c.congestionWindow();
        bed.send(ackIn(S(1)));
        assertEquals(cwnd + MSS, c.congestionWindow());
    }

    @Test
    void noSecondFastRetransmitForTheSameWindowAfterATimeout() {
        // RFC 6582 3.2 step 2 / 4.1: duplicate ACKs that do not cover more than "recover" start no recovery
        established(false, 10);
        bed.recv();
        bed.advance(200); // RTO: go back to segment 0, recover = highest sent
        bed.expect(segmentOut(0));
        for (int i = 0; i < 4; i++) {
            bed.send(ackIn(L));
        }
        bed.expectNothing();
        assertEquals(0, bed.layer.counters().newRenoRecoveries);
    }

    @Test
    void sackRecoveryStartsWhenEnoughIsSackedAndRetransmitsTheLostSegment() {
        // RFC 6675 5: three duplicate ACKs with new SACK information (DupThresh); (4.3) retransmit HighACK+1
        TcpConnection c = established(true, 10);
        bed.recv();
        bed.send(ackIn(S(1)));
        bed.send(ackIn(S(1)).sack(S(2), S(3)));
        bed.send(ackIn(S(1)).sack(S(2), S(4)));
        bed.expectNothing();
        bed.send(ackIn(S(1)).sack(S(2), S(5)));
        bed.expect(segmentOut(1));
        assertEquals(1, bed.layer.counters().sackRecoveries);
        assertEquals(9 * MSS / 2, c.congestionWindow(), "cwnd = ssthresh (RFC 6675 5 step 4.2)");
    }

    @Test
    void sackRecoveryRetransmitsASecondHoleOnceItCountsAsLost() {
        // RFC 6675 4 IsLost and NextSeg rule (1): a hole with DupThresh segments SACKed above it is lost;
        // it goes out when cwnd - pipe >= 1 SMSS
        established(true, 10);
        bed.recv();
        bed.send(ackIn(S(1)));
        bed.send(ackIn(S(1)).sack(S(2), S(3)));
        bed.send(ackIn(S(1)).sack(S(2), S(4)));
        bed.send(ackIn(S(1)).sack(S(5), S(6), S(2), S(4)));
        bed.expect(segmentOut(1));
        bed.send(ackIn(S(1)).sack(S(5), S(7), S(2), S(4)));
        bed.expectNothing();
        bed.send(ackIn(S(1)).sack(S(5), S(8), S(2), S(4)));
        bed.expect(segmentOut(4));
    }

    @Test
    void sackedSegmentsAreNotRetransmitted() {
        // RFC 6675 / RFC 2018: SACKed data is not sent again during recovery
        established(true, 10);
        bed.recv();
        bed.send(ackIn(S(1)));
        bed.send(ackIn(S(1)).sack(S(2), S(3)));
        bed.send(ackIn(S(1)).sack(S(2), S(4)));
        bed.send(ackIn(S(1)).sack(S(2), S(5)));
        List<Integer> sent = seqs(bed.recv());
        for (int i = 6; i < 10; i++) {
            bed.send(ackIn(S(1)).sack(S(2), S(i)));
            sent = new java.util.ArrayList<>(sent);
            sent.addAll(seqs(bed.recv()));
        }
        for (int i = 2; i < 9; i++) {
            assertFalse(sent.contains(S(i)), "segment " + i + " was SACKed");
        }
    }

    @Test
    void newDataGoesOutDuringSackRecoveryWhenThePipeAllows() {
        // RFC 6675 NextSeg rule (2): previously unsent data when nothing is deemed lost above HighRxt.
        // (Before recovery, the first ACK grew cwnd by slow start and two limited transmits went out:
        // segments 10 to 13 are in flight too.)
        established(true, 20);
        assertEquals(10, bed.recv().size());
        bed.send(ackIn(S(1)));
        bed.send(ackIn(S(1)).sack(S(2), S(3)));
        bed.send(ackIn(S(1)).sack(S(2), S(4)));
        assertEquals(List.of(S(10), S(11), S(12), S(13)), seqs(bed.recv()));
        bed.send(ackIn(S(1)).sack(S(2), S(5)));
        bed.expect(segmentOut(1));
        List<Integer> sent = new java.util.ArrayList<>();
        for (int i = 6; i <= 10; i++) {
            bed.send(ackIn(S(1)).sack(S(2), S(i)));
            sent.addAll(seqs(bed.recv()));
        }
        assertTrue(sent.contains(S(14)), "new data once the pipe drained: " + sent);
    }

    @Test
    void sackRecoveryEndsAtTheRecoveryPoint() {
        // RFC 6675 5 (A): an ACK at or above RecoveryPoint ends loss recovery
        TcpConnection c = established(true, 10);
        bed.recv();
        bed.send(ackIn(S(1)));
        bed.send(ackIn(S(1)).sack(S(2), S(3)));
        bed.send(ackIn(S(1)).sack(S(2), S(4)));
        bed.send(ackIn(S(1)).sack(S(2), S(5)));
        bed.recv();
        bed.send(ackIn(S(10)));
        assertFalse(c.inRecovery);
        // nothing in flight after the full ACK: cwnd stays ssthresh (step 4.2), not NewReno's
        // min(ssthresh, FlightSize + SMSS), which would leave 2 SMSS
        assertEquals(9 * MSS / 2, c.congestionWindow());
    }

    @Test
    void rescueRetransmissionOfTheHighestUnsackedSegment() {
        // RFC 6675 NextSeg rule (4): one rescue retransmission per recovery when nothing else may be sent
        established(true, 10);
        bed.recv();
        bed.send(ackIn(S(1)));
        bed.send(ackIn(S(1)).sack(S(2), S(3)));
        bed.send(ackIn(S(1)).sack(S(2), S(4)));
        bed.send(ackIn(S(1)).sack(S(2), S(5)));
        bed.recv();
        List<Integer> sent = new java.util.ArrayList<>();
        for (int i = 6; i <= 9; i++) {
            bed.send(ackIn(S(1)).sack(S(2), S(i)));
            sent.addAll(seqs(bed.recv()));
        }
        assertEquals(List.of(S(9)), sent, "segment 9, the highest un-SACKed, once");
    }

    @Test
    void dsackBelowSndUnaIsIgnored() {
        // RFC 2883: a block below the cumulative ACK reports a duplicate; it must not count as a loss signal
        TcpConnection c = established(true, 10);
        bed.recv();
        bed.send(ackIn(S(2)));
        for (int i = 0; i < 4; i++) {
            bed.send(ackIn(S(2)).sack(S(0), S(1)));
        }
        bed.expectNothing();
        assertFalse(c.inRecovery);
    }
}
