package org.diskcryptnet.netmap.tcp;

import java.util.List;

import org.diskcryptnet.netmap.wire.DropReason;
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
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** RFC 7323 sections 3 to 5: the timestamps option, RTTM, PAWS. */
class TcpTimestampsTest {

    private static final int R = REMOTE_ISN + 1;
    private static final int L = LOCAL_ISN + 1;
    /** Our TSval at the start: the millisecond clock (the fixed ISN source adds no offset). */
    private static final int TS0 = (int) (TcpTestbed.START / 1_000_000);

    private final TcpTestbed bed = new TcpTestbed(TcpTestbed.base().timestamps(true).build());
    private final Recorder app = new Recorder();

    @AfterEach
    void close() {
        bed.close();
    }

    private TcpConnection established() {
        bed.listen(app);
        bed.send(in().syn().seq(REMOTE_ISN).win(WINDOW).mss(1460).ts(100, 0));
        bed.expect(out().syn().seq(LOCAL_ISN).ack(R).win(WINDOW).mss(1460).ts(TS0, 100));
        bed.send(in().seq(R).ack(L).win(WINDOW).ts(101, TS0));
        return app.acceptOne(bed);
    }

    @Test
    void synAckEchoesTheTimestampOfTheSyn() {
        // RFC 7323 3.2: TSopt in <SYN,ACK> only if the <SYN> had one; TSecr echoes its TSval
        TcpConnection c = established();
        assertTrue(c.timestampsEnabled());
    }

    @Test
    void noTimestampsUnlessThePeerOffersThem() {
        // RFC 7323 3.2: a <SYN,ACK> carries TSopt only if the received <SYN> did
        bed.listen(app);
        bed.send(in().syn().seq(REMOTE_ISN).win(WINDOW).mss(1460));
        bed.expect(out().syn().seq(LOCAL_ISN).ack(R).win(WINDOW).mss(1460));
    }

    @Test
    void activeOpenOffersTimestampsAndDropsThemIfTheSynAckHasNone() {
        TcpConnection c = bed.layer.connect(LOCAL_PORT, REMOTE_IP, REMOTE_PORT, app, bed.now);
        bed.settle();
        bed.expect(out().syn().seq(LOCAL_ISN).win(WINDOW).mss(1460).ts(TS0, 0));
        bed.send(in().syn().seq(REMOTE_ISN).ack(L).win(WINDOW).mss(1460));
        bed.expect(out().seq(L).ack(R).win(WINDOW));
        assertFalse(c.timestampsEnabled());
    }

    @Test
    void everySegmentCarriesTsValAndEchoesTsRecent() {
        // RFC 7323 3.2: once negotiated, TSopt in every non-<RST> segment
        TcpConnection c = established();
        bed.advance(5);
        bed.send(in().seq(R).ack(L).win(WINDOW).ts(200, TS0).data("x"));
        bed.expect(out().seq(L).ack(R + 1).win(WINDOW - 1).ts(TS0 + 5, 200));
        MemorySegmentWrite.write(bed, c, "y");
        bed.settle();
        bed.expect(out().psh().seq(L).ack(R + 1).win(WINDOW - 1).ts(TS0 + 5, 200).data("y"));
    }

    @Test
    void mssShrinksByTheTimestampOption() {
        // RFC 6691 / RFC 9293 3.7.1: options in a segment reduce its data; 1460 - 12 = 1448
        TcpConnection c = established();
        assertEquals(1448, c.sendMss());
        bed.write(c, bytes(3000, 1));
        assertEquals(List.of(1448, 1448, 104), bed.recv().stream().map(Seg::len).toList());
    }

    @Test
    void pawsDropsASegmentWithAnOlderTimestamp() {
        // RFC 7323 5.3 R1: SEG.TSval < TS.Recent: send an ACK and drop the segment
        established();
        bed.send(in().seq(R).ack(L).win(WINDOW).ts(300, TS0).data("a"));
        bed.recv();
        bed.send(in().seq(R + 1).ack(L).win(WINDOW).ts(299, TS0).data("b"));
        bed.expect(out().seq(L).ack(R + 1).win(WINDOW - 1).ts(TS0, 300));
        assertEquals("a", app.text());
        assertEquals(1, bed.dropped(DropReason.TCP_PAWS));
    }

    @Test
    void pawsLetsADisorderedDuplicateAckThrough() {
        // RFC 7323 5.3 R1 guards data; a pure duplicate ACK overtaken on the way by a later one carries none, only
        // the duplicate-ACK signal: accepted while its timestamp is behind by less than an RTO (Linux's
        // tcp_disordered_ack), dropped by PAWS when older than that
        TcpConnection c = established();
        bed.write(c, bytes(3000, 1));
        bed.recv();
        bed.send(in().seq(R).ack(L).win(WINDOW - 100).ts(300, TS0));
        int dupAcks = c.dupAcks;
        bed.send(in().seq(R).ack(L).win(WINDOW - 100).ts(299, TS0));
        assertEquals(0, bed.dropped(DropReason.TCP_PAWS));
        assertEquals(dupAcks + 1, c.dupAcks, "counted as a duplicate ACK");
        bed.send(in().seq(R).ack(L).win(WINDOW - 100).ts(300 - 5_000, TS0));
        assertEquals(1, bed.dropped(DropReason.TCP_PAWS), "5 s behind: older than the RTO");
        bed.send(in().seq(R).ack(L).win(WINDOW).ts(298, TS0));
        assertEquals(2, bed.dropped(DropReason.TCP_PAWS), "a window update is no duplicate ACK: PAWS drops it");
    }

    @Test
    void pawsLetsAResetThrough() {
        // RFC 7323 5.3 R1 applies to non-RST segments only
        TcpConnection c = established();
        bed.send(in().seq(R).ack(L).win(WINDOW).ts(300, TS0).data("a"));
        bed.send(in().rst().seq(R + 1).ts(1, 0));
        assertEquals(TcpState.CLOSED, c.state());
    }

    @Test
    void tsRecentOnlyFollowsSegmentsAtOrBelowLastAckSent() {
        // RFC 7323 4.3 (R3): TS.Recent = SEG.TSval only if SEG.SEQ <= Last.ACK.sent
        established();
        bed.send(in().seq(R + 10).ack(L).win(WINDOW).ts(500, TS0).data("later")); // out of order
        bed.expect(out().seq(L).ack(R).win(WINDOW).ts(TS0, 101));
        bed.send(in().seq(R).ack(L).win(WINDOW).ts(400, TS0).data(bytes(10, 1)));
        List<Seg> sent = bed.recv();
        assertEquals(400, sent.get(0).tsEcr, "the in-order segment's timestamp, not the later one's");
    }

    @Test
    void segmentWithoutTimestampIsDroppedOnceNegotiated() {
        // RFC 7323 3.2: "a TCP SHOULD silently drop" a non-RST segment without TSopt
        established();
        bed.send(in().seq(R).ack(L).win(WINDOW).data("no ts"));
        bed.expectNothing();
        assertEquals(0, app.received.size());
    }

    @Test
    void rttIsMeasuredFromTheEchoedTimestamp() {
        // RFC 7323 4.1 / RFC 6298 2.2: RTT = now - TSecr on an ACK of new data; SRTT = R, RTTVAR = R/2
        bed.listen(app);
        bed.send(in().syn().seq(REMOTE_ISN).win(WINDOW).mss(1460).ts(100, 0));
        bed.recv();
        bed.advance(80);
        bed.send(in().seq(R).ack(L).win(WINDOW).ts(101, TS0));
        TcpConnection c = app.acceptOne(bed);
        assertEquals(80_000_000L, c.smoothedRtt());
        assertEquals(240_000_000L, c.retransmissionTimeout(), "RTO = SRTT + 4 RTTVAR = 80 + 4 x 40 ms");
        // RFC 6298 2.3: a second sample of 40 ms: RTTVAR = 3/4 40 + 1/4 |80 - 40| = 40, SRTT = 7/8 80 + 1/8 40 = 75
        bed.write(c, bytes(100, 1));
        bed.recv();
        bed.advance(40);
        bed.send(in().seq(R).ack(L + 100).win(WINDOW).ts(102, TS0 + 80));
        assertEquals(75_000_000L, c.smoothedRtt());
        assertEquals(235_000_000L, c.retransmissionTimeout());
    }

    @Test
    void spuriousTimeoutIsDetectedAndUndone() {
        // RFC 3522 (Eifel detection): the first ACK after the timeout echoes the original's timestamp;
        // RFC 4015: restore the congestion window and do not resend the rest of the flight
        TcpConnection c = established();
        bed.write(c, bytes(4 * 1448, 1));
        assertEquals(4, bed.recv().size());
        long cwnd = c.congestionWindow();
        bed.advance(200); // the ACKs are late, not lost
        assertEquals(1, bed.recv().size(), "the timeout retransmits the first segment");
        bed.send(in().seq(R).ack(L + 4 * 1448).win(WINDOW).ts(102, TS0));
        bed.expectNothing();
        assertEquals(1, bed.layer.counters().spuriousTimeouts);
        assertEquals(cwnd, c.congestionWindow());
    }

    @Test
    void genuineTimeoutIsNotUndone() {
        TcpConnection c = established();
        bed.write(c, bytes(4 * 1448, 1));
        bed.recv();
        bed.advance(200);
        bed.recv();
        // the ACK echoes the retransmission's timestamp: the original was lost
        bed.send(in().seq(R).ack(L + 1448).win(WINDOW).ts(102, TS0 + 200));
        assertEquals(0, bed.layer.counters().spuriousTimeouts);
        assertTrue(c.congestionWindow() < 4 * 1448);
    }
}
