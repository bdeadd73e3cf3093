package org.diskcryptnet.netmap.tcp;

import java.util.List;

import org.diskcryptnet.netmap.wire.DropReason;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.diskcryptnet.netmap.tcp.TcpTestbed.LOCAL_ISN;
import static org.diskcryptnet.netmap.tcp.TcpTestbed.REMOTE_ISN;
import static org.diskcryptnet.netmap.tcp.TcpTestbed.WINDOW;
import static org.diskcryptnet.netmap.tcp.TcpTestbed.in;
import static org.diskcryptnet.netmap.tcp.TcpTestbed.out;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** RFC 5961: blind reset, SYN and data injection protections, and challenge-ACK throttling. */
class TcpRfc5961Test {

    private static final int R = REMOTE_ISN + 1;
    private static final int L = LOCAL_ISN + 1;
    private static final Seg CHALLENGE = out().seq(L).ack(R).win(WINDOW);

    private final TcpTestbed bed = new TcpTestbed();
    private final Recorder app = new Recorder();

    @AfterEach
    void close() {
        bed.close();
    }

    @Test
    void resetExactlyAtRcvNxtResetsTheConnection() {
        // RFC 5961 3.2 (1): SEG.SEQ == RCV.NXT: reset
        TcpConnection c = bed.establishedServer(app);
        bed.send(in().rst().seq(R));
        bed.expectNothing();
        assertEquals(TcpState.CLOSED, c.state());
        assertEquals(List.of("closed:RESET"), app.events);
        assertEquals(1, bed.layer.counters().resetsReceived);
    }

    @Test
    void resetInTheWindowButNotAtRcvNxtGetsAChallengeAck() {
        // RFC 5961 3.2 (3): in window but not exact: send a challenge ACK, drop the RST
        TcpConnection c = bed.establishedServer(app);
        bed.send(in().rst().seq(R + 100));
        bed.expect(CHALLENGE);
        assertEquals(TcpState.ESTABLISHED, c.state());
        assertEquals(1, bed.dropped(DropReason.TCP_RST_CHALLENGED));
        assertEquals(1, bed.layer.counters().challengeAcksSent);
    }

    @Test
    void resetOutsideTheWindowIsDroppedSilently() {
        // RFC 5961 3.2 (2): outside the window: discard, no answer
        TcpConnection c = bed.establishedServer(app);
        bed.send(in().rst().seq(R + 100_000));
        bed.expectNothing();
        assertEquals(TcpState.ESTABLISHED, c.state());
    }

    @Test
    void synOnAnEstablishedConnectionGetsAChallengeAck() {
        // RFC 5961 4.2: a SYN in a synchronized state, whatever its sequence number: challenge ACK
        TcpConnection c = bed.establishedServer(app);
        bed.send(in().syn().seq(R + 5).win(WINDOW));
        bed.expect(CHALLENGE);
        assertEquals(TcpState.ESTABLISHED, c.state());
        assertEquals(1, bed.dropped(DropReason.TCP_SYN_CHALLENGED));
    }

    @Test
    void ackForDataNeverSentGetsAChallengeAck() {
        // RFC 5961 5.2: SEG.ACK > SND.NXT: send an ACK, drop the segment (and its data)
        TcpConnection c = bed.establishedServer(app);
        bed.send(in().seq(R).ack(L + 1000).win(WINDOW).data("inject"));
        bed.expect(CHALLENGE);
        assertEquals(0, c.readableBytes());
        assertEquals(1, bed.dropped(DropReason.TCP_BAD_ACK));
    }

    @Test
    void ackTooFarBehindGetsAChallengeAck() {
        // RFC 5961 5.2: acceptable only if SND.UNA - MAX.SND.WND <= SEG.ACK
        bed.establishedServer(app);
        bed.send(in().seq(R).ack(L - 70_000).win(WINDOW).data("inject"));
        bed.expect(CHALLENGE);
        assertEquals(0, app.received.size());
    }

    @Test
    void ackSlightlyBehindIsAcceptedAsAnOldAck() {
        // RFC 5961 5.2: SND.UNA - MAX.SND.WND <= SEG.ACK <= SND.UNA is a (duplicate) ACK: data is processed
        bed.establishedServer(app);
        bed.send(in().seq(R).ack(L - 1000).win(WINDOW).data("ok"));
        assertEquals("ok", app.text());
    }

    @Test
    void challengeAcksAreThrottled() {
        // RFC 5961 7: at most challengeAckLimit challenge ACKs per second
        TcpTestbed b = new TcpTestbed(TcpTestbed.base().challengeAckLimit(2).build());
        try (b) {
            b.establishedServer(app);
            b.send(in().rst().seq(R + 1));
            b.send(in().rst().seq(R + 2));
            b.send(in().rst().seq(R + 3));
            assertEquals(2, b.recv().size());
            assertEquals(1, b.layer.counters().challengeAcksThrottled);
            b.advance(1000);
            b.send(in().rst().seq(R + 4));
            assertEquals(1, b.recv().size());
        }
    }

    @Test
    void resetInSynReceivedMustMatchRcvNxt() {
        // RFC 5961 3.2 applies to SYN-RECEIVED too: a RST elsewhere in the window is challenged
        bed.listen(app);
        bed.send(in().syn().seq(REMOTE_ISN).win(WINDOW).mss(1460));
        bed.recv();
        bed.send(in().rst().seq(R + 10));
        assertEquals(1, bed.layer.counters().connections(TcpState.SYN_RECEIVED));
        assertEquals(1, bed.recv().size());
    }

    @Test
    void resetInTimeWaitCloses() {
        // RFC 9293 3.10.7.4, second, TIME-WAIT: "If the RST bit is set, then enter the CLOSED state"
        TcpConnection c = bed.establishedServer(app);
        c.shutdownOutput();
        bed.settle();
        bed.send(in().fin().seq(R).ack(L + 1).win(WINDOW));
        bed.recv();
        bed.send(in().rst().seq(R + 1));
        assertEquals(TcpState.CLOSED, c.state());
    }
}
