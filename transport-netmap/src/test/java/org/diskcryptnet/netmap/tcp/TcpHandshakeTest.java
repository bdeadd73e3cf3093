package org.diskcryptnet.netmap.tcp;

import org.diskcryptnet.netmap.wire.DropReason;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.diskcryptnet.netmap.tcp.TcpTestbed.LOCAL_ISN;
import static org.diskcryptnet.netmap.tcp.TcpTestbed.LOCAL_PORT;
import static org.diskcryptnet.netmap.tcp.TcpTestbed.REMOTE_IP;
import static org.diskcryptnet.netmap.tcp.TcpTestbed.REMOTE_ISN;
import static org.diskcryptnet.netmap.tcp.TcpTestbed.REMOTE_PORT;
import static org.diskcryptnet.netmap.tcp.TcpTestbed.WINDOW;
import static org.diskcryptnet.netmap.tcp.TcpTestbed.in;
import static org.diskcryptnet.netmap.tcp.TcpTestbed.out;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Opening connections: RFC 9293 sections 3.5 and 3.10.7.1 to 3.10.7.3. */
class TcpHandshakeTest {

    private final TcpTestbed bed = new TcpTestbed();
    private final Recorder app = new Recorder();

    @AfterEach
    void close() {
        bed.close();
    }

    private static final Seg SYN = in().syn().seq(REMOTE_ISN).win(WINDOW).mss(1460);
    private static final Seg SYN_ACK = out().syn().seq(LOCAL_ISN).ack(REMOTE_ISN + 1).win(WINDOW).mss(1460);

    @Test
    void listenAnswersSynWithSynAck() {
        // RFC 9293 3.10.7.2, LISTEN, third: <SEQ=ISS><ACK=RCV.NXT><CTL=SYN,ACK>
        bed.listen(app);
        bed.send(SYN);
        bed.expect(SYN_ACK);
        assertEquals(1, bed.layer.counters().connections(TcpState.SYN_RECEIVED));
    }

    @Test
    void listenIgnoresRst() {
        // RFC 9293 3.10.7.2, first: an incoming RST should be ignored
        bed.listen(app);
        bed.send(in().rst().seq(REMOTE_ISN));
        bed.expectNothing();
    }

    @Test
    void listenAnswersAckWithReset() {
        // RFC 9293 3.10.7.2, second: any ACK in LISTEN is bad: <SEQ=SEG.ACK><CTL=RST>
        bed.layer.listen(LOCAL_PORT, 16, app);
        bed.send(in().seq(REMOTE_ISN).ack(777).win(WINDOW));
        bed.expect(out().rst().seq(777));
    }

    @Test
    void listenDropsSegmentWithoutSynOrAck() {
        // RFC 9293 3.10.7.2, fourth: other text or control: drop the segment
        bed.listen(app);
        bed.send(in().seq(REMOTE_ISN).data("x"));
        bed.expectNothing();
        assertEquals(1, bed.dropped(DropReason.TCP_STATE));
    }

    @Test
    void handshakeCompletesOnAckAndQueuesForAccept() {
        // RFC 9293 3.10.7.4, fifth, SYN-RECEIVED: SND.UNA < SEG.ACK =< SND.NXT enters ESTABLISHED
        TcpListener l = bed.listen(app);
        bed.send(SYN);
        bed.expect(SYN_ACK);
        bed.send(in().seq(REMOTE_ISN + 1).ack(LOCAL_ISN + 1).win(WINDOW));
        bed.expectNothing();
        assertEquals(1, l.queued());
        assertTrue(app.events.contains("acceptable"));
        TcpConnection c = l.accept();
        assertEquals(TcpState.ESTABLISHED, c.state());
        assertEquals(REMOTE_IP, c.remoteAddress());
        assertEquals(REMOTE_PORT, c.remotePort());
        assertNull(l.accept());
    }

    @Test
    void synReceivedAnswersUnacceptableAckWithReset() {
        // RFC 9293 3.10.7.4, fifth, SYN-RECEIVED: otherwise <SEQ=SEG.ACK><CTL=RST>
        bed.listen(app);
        bed.send(SYN);
        bed.expect(SYN_ACK);
        bed.send(in().seq(REMOTE_ISN + 1).ack(LOCAL_ISN + 5).win(WINDOW));
        bed.expect(out().rst().seq(LOCAL_ISN + 5));
        assertEquals(1, bed.layer.counters().connections(TcpState.SYN_RECEIVED));
    }

    @Test
    void synReceivedRetransmitsSynAckAfterInitialRto() {
        // RFC 6298 2.1: initial RTO of 1 s, and 5.5: doubled on each expiry
        bed.listen(app);
        bed.send(SYN);
        bed.expect(SYN_ACK);
        bed.advance(999);
        bed.expectNothing();
        bed.advance(1);
        bed.expect(SYN_ACK);
        bed.advance(1999);
        bed.expectNothing();
        bed.advance(1);
        bed.expect(SYN_ACK);
    }

    @Test
    void synReceivedAnswersRepeatedSynWithSynAck() {
        // the peer's SYN came again: our SYN-ACK was lost (RFC 9293 3.10.7.4 sequence check sends an ACK,
        // which in SYN-RECEIVED is the SYN-ACK)
        bed.listen(app);
        bed.send(SYN);
        bed.expect(SYN_ACK);
        bed.send(SYN);
        bed.expect(SYN_ACK);
    }

    @Test
    void synReceivedResetReturnsToListen() {
        // RFC 9293 3.10.7.4, second, SYN-RECEIVED: a passive connection goes back to LISTEN on RST
        TcpListener l = bed.listen(app);
        bed.send(SYN);
        bed.expect(SYN_ACK);
        bed.send(in().rst().seq(REMOTE_ISN + 1));
        bed.expectNothing();
        assertEquals(0, bed.layer.counters().connections(TcpState.SYN_RECEIVED));
        assertEquals(0, l.queued());
        bed.send(SYN);
        bed.expect(SYN_ACK);
    }

    @Test
    void synReceivedGivesUpAfterSynRetries() {
        // RFC 9293 3.8.3: R2 for a SYN; the half-open connection is dropped silently
        TcpTestbed b = new TcpTestbed(TcpTestbed.base().synRetries(2).build());
        try (b) {
            b.listen(app);
            b.send(SYN);
            b.expect(SYN_ACK);
            b.advance(1000);
            b.expect(SYN_ACK);
            b.advance(2000);
            b.expect(SYN_ACK);
            b.advance(4000);
            b.expectNothing();
            assertEquals(0, b.layer.counters().connections(TcpState.SYN_RECEIVED));
        }
    }

    @Test
    void activeOpenSendsSyn() {
        // RFC 9293 3.10.1 OPEN, active: <SEQ=ISS><CTL=SYN>, with our MSS (3.7.1)
        bed.layer.connect(LOCAL_PORT, REMOTE_IP, REMOTE_PORT, app, bed.now);
        bed.settle();
        bed.expect(out().syn().seq(LOCAL_ISN).win(WINDOW).mss(1460));
        assertEquals(1, bed.layer.counters().connections(TcpState.SYN_SENT));
    }

    @Test
    void synAckEstablishesAndIsAcknowledged() {
        // RFC 9293 3.10.7.3, SYN-SENT, fourth: SND.UNA > ISS: ESTABLISHED, <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>
        TcpConnection c = bed.layer.connect(LOCAL_PORT, REMOTE_IP, REMOTE_PORT, app, bed.now);
        bed.settle();
        bed.recv();
        bed.send(in().syn().seq(REMOTE_ISN).ack(LOCAL_ISN + 1).win(WINDOW).mss(1460));
        bed.expect(out().seq(LOCAL_ISN + 1).ack(REMOTE_ISN + 1).win(WINDOW));
        assertEquals(TcpState.ESTABLISHED, c.state());
        assertEquals(java.util.List.of("connected"), app.events);
    }

    @Test
    void synSentAnswersBadAckWithReset() {
        // RFC 9293 3.10.7.3, first: SEG.ACK =< ISS or > SND.NXT: <SEQ=SEG.ACK><CTL=RST>
        TcpConnection c = bed.layer.connect(LOCAL_PORT, REMOTE_IP, REMOTE_PORT, app, bed.now);
        bed.settle();
        bed.recv();
        bed.send(in().syn().seq(REMOTE_ISN).ack(LOCAL_ISN).win(WINDOW));
        bed.expect(out().rst().seq(LOCAL_ISN));
        assertEquals(TcpState.SYN_SENT, c.state());
    }

    @Test
    void synSentResetWithAcceptableAckRefuses() {
        // RFC 9293 3.10.7.3, second, and RFC 5961 3.2: a RST is acceptable if it acknowledges the SYN
        TcpConnection c = bed.layer.connect(LOCAL_PORT, REMOTE_IP, REMOTE_PORT, app, bed.now);
        bed.settle();
        bed.recv();
        bed.send(in().rst().seq(0).ack(LOCAL_ISN + 1));
        bed.expectNothing();
        assertEquals(TcpState.CLOSED, c.state());
        assertEquals(java.util.List.of("closed:REFUSED"), app.events);
    }

    @Test
    void synSentIgnoresResetWithoutAck() {
        // RFC 9293 3.10.7.3, second: if the ACK bit is off, drop the RST
        TcpConnection c = bed.layer.connect(LOCAL_PORT, REMOTE_IP, REMOTE_PORT, app, bed.now);
        bed.settle();
        bed.recv();
        bed.send(in().rst().seq(REMOTE_ISN));
        bed.expectNothing();
        assertEquals(TcpState.SYN_SENT, c.state());
    }

    @Test
    void synSentRetransmitsSynWithBackoff() {
        // RFC 6298 5.5: 1 s, then 2 s, then 4 s
        bed.layer.connect(LOCAL_PORT, REMOTE_IP, REMOTE_PORT, app, bed.now);
        bed.settle();
        Seg syn = out().syn().seq(LOCAL_ISN).win(WINDOW).mss(1460);
        bed.expect(syn);
        bed.advance(1000);
        bed.expect(syn);
        bed.advance(1999);
        bed.expectNothing();
        bed.advance(1);
        bed.expect(syn);
        bed.advance(4000);
        bed.expect(syn);
        assertEquals(3, bed.layer.counters().rtoEvents);
    }

    @Test
    void connectTimesOutAfterSynRetries() {
        // RFC 9293 3.8.3: R2 for a SYN reached: the connection fails with a timeout
        TcpTestbed b = new TcpTestbed(TcpTestbed.base().synRetries(1).build());
        try (b) {
            TcpConnection c = b.layer.connect(LOCAL_PORT, REMOTE_IP, REMOTE_PORT, app, b.now);
            b.settle();
            b.recv();
            b.advance(1000);
            b.recv();
            b.advance(2000);
            b.expectNothing();
            assertEquals(TcpState.CLOSED, c.state());
            assertEquals(java.util.List.of("closed:TIMED_OUT"), app.events);
        }
    }

    @Test
    void simultaneousOpen() {
        // RFC 9293 figure 8: SYN-SENT receives a SYN: SYN-RECEIVED, send SYN,ACK; then the SYN,ACK completes it
        TcpConnection c = bed.layer.connect(LOCAL_PORT, REMOTE_IP, REMOTE_PORT, app, bed.now);
        bed.settle();
        bed.expect(out().syn().seq(LOCAL_ISN).win(WINDOW).mss(1460));
        bed.send(in().syn().seq(REMOTE_ISN).win(WINDOW).mss(1460));
        bed.expect(out().syn().seq(LOCAL_ISN).ack(REMOTE_ISN + 1).win(WINDOW).mss(1460));
        assertEquals(TcpState.SYN_RECEIVED, c.state());
        bed.send(in().syn().seq(REMOTE_ISN).ack(LOCAL_ISN + 1).win(WINDOW).mss(1460));
        // its SYN is a retransmission now; its ACK completes our side
        assertEquals(TcpState.ESTABLISHED, c.state());
        assertTrue(app.events.contains("connected"));
    }

    @Test
    void simultaneousOpenCompletedByPlainAck() {
        TcpConnection c = bed.layer.connect(LOCAL_PORT, REMOTE_IP, REMOTE_PORT, app, bed.now);
        bed.settle();
        bed.recv();
        bed.send(in().syn().seq(REMOTE_ISN).win(WINDOW).mss(1460));
        bed.recv();
        bed.send(in().seq(REMOTE_ISN + 1).ack(LOCAL_ISN + 1).win(WINDOW));
        assertEquals(TcpState.ESTABLISHED, c.state());
        assertEquals(java.util.List.of("connected"), app.events);
    }

    @Test
    void closedPortAnswersSynWithResetAck() {
        // RFC 9293 3.10.7.1: no ACK: <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>
        bed.send(SYN);
        bed.expect(out().rst().seq(0).ack(REMOTE_ISN + 1));
        assertEquals(1, bed.dropped(DropReason.TCP_NO_LISTENER));
    }

    @Test
    void closedPortAnswersAckWithReset() {
        // RFC 9293 3.10.7.1: ACK on: <SEQ=SEG.ACK><CTL=RST>
        bed.send(in().seq(5).ack(1234).win(WINDOW).data("abc"));
        bed.expect(out().rst().seq(1234));
    }

    @Test
    void closedPortIgnoresReset() {
        // RFC 9293 3.10.7.1: an incoming RST is discarded
        bed.send(in().rst().seq(5));
        bed.expectNothing();
    }

    @Test
    void fullAcceptQueueDropsSyn() {
        TcpListener l = bed.layer.listen(LOCAL_PORT, 1, app);
        bed.send(SYN);
        bed.recv();
        bed.send(in().seq(REMOTE_ISN + 1).ack(LOCAL_ISN + 1).win(WINDOW));
        assertEquals(1, l.queued());
        bed.send(SYN.ports(REMOTE_PORT + 1, LOCAL_PORT));
        bed.expectNothing();
        assertEquals(1, bed.dropped(DropReason.TCP_BACKLOG_FULL));
    }

    @Test
    void missingMssOptionMeans536() {
        // RFC 9293 3.7.1: without an MSS option the sender assumes 536 (IPv4)
        bed.listen(app);
        bed.send(in().syn().seq(REMOTE_ISN).win(WINDOW));
        bed.recv();
        bed.send(in().seq(REMOTE_ISN + 1).ack(LOCAL_ISN + 1).win(WINDOW));
        TcpConnection c = app.acceptOne(bed);
        assertEquals(536, c.sendMss());
        bed.write(c, TcpTestbed.bytes(1000, 1));
        assertEquals(536, bed.recv().get(0).len());
    }

    @Test
    void peerMssAboveOursIsClampedToOurs() {
        bed.listen(app);
        bed.send(in().syn().seq(REMOTE_ISN).win(WINDOW).mss(9000));
        bed.recv();
        bed.send(in().seq(REMOTE_ISN + 1).ack(LOCAL_ISN + 1).win(WINDOW));
        assertEquals(1460, app.acceptOne(bed).sendMss());
    }

    @Test
    void dataWrittenWhileConnectingLeavesAfterTheHandshake() {
        // RFC 9293 3.10.2 SEND in SYN-SENT: queue the data for transmission after entering ESTABLISHED
        TcpConnection c = bed.layer.connect(LOCAL_PORT, REMOTE_IP, REMOTE_PORT, app, bed.now);
        bed.settle();
        bed.recv();
        bed.write(c, "early".getBytes());
        bed.expectNothing();
        bed.send(in().syn().seq(REMOTE_ISN).ack(LOCAL_ISN + 1).win(WINDOW).mss(1460));
        bed.expect(out().psh().seq(LOCAL_ISN + 1).ack(REMOTE_ISN + 1).win(WINDOW).data("early"));
    }

    @Test
    void handshakeDataInFirstAckIsDelivered() {
        // the ACK completing the handshake may carry data (RFC 9293 3.10.7.4 continues at the sixth step)
        bed.listen(app);
        bed.send(SYN);
        bed.recv();
        bed.send(in().psh().seq(REMOTE_ISN + 1).ack(LOCAL_ISN + 1).win(WINDOW).data("GET /"));
        TcpConnection c = app.acceptOne(bed);
        assertEquals(5, c.readableBytes());
        bed.expect(out().seq(LOCAL_ISN + 1).ack(REMOTE_ISN + 6).win(WINDOW - 5));
    }
}
