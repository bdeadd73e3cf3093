package org.diskcryptnet.netmap.tcp;

import java.util.List;

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
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Closing: RFC 9293 sections 3.6, 3.10.4 (CLOSE), 3.10.5 (ABORT), 3.10.7.4 (eighth step). */
class TcpCloseTest {

    private static final int R = REMOTE_ISN + 1;
    private static final int L = LOCAL_ISN + 1;

    private final TcpTestbed bed = new TcpTestbed();
    private final Recorder app = new Recorder();

    @AfterEach
    void close() {
        bed.close();
    }

    @Test
    void activeCloseGoesThroughFinWaitToTimeWait() {
        // RFC 9293 figure 12 and 3.10.7.4: FIN-WAIT-1, FIN-WAIT-2 (our FIN acked), TIME-WAIT (their FIN)
        TcpConnection c = bed.establishedServer(app);
        c.shutdownOutput();
        bed.settle();
        bed.expect(out().fin().seq(L).ack(R).win(WINDOW));
        assertEquals(TcpState.FIN_WAIT_1, c.state());
        bed.send(in().seq(R).ack(L + 1).win(WINDOW));
        assertEquals(TcpState.FIN_WAIT_2, c.state());
        bed.expectNothing();
        bed.send(in().fin().seq(R).ack(L + 1).win(WINDOW));
        bed.expect(out().seq(L + 1).ack(R + 1).win(WINDOW - 1));
        assertEquals(TcpState.TIME_WAIT, c.state());
        assertEquals(List.of("readable", "inputShutdown", "closed:NORMAL"), app.events);
    }

    @Test
    void timeWaitLastsTwoMsl() {
        // RFC 9293 3.10.7.4 / 3.4.2: TIME-WAIT holds the connection for 2 MSL (here 2 x 30 s)
        TcpConnection c = bed.establishedServer(app);
        c.shutdownOutput();
        bed.settle();
        bed.send(in().fin().seq(R).ack(L + 1).win(WINDOW));
        bed.recv();
        assertEquals(TcpState.TIME_WAIT, c.state());
        bed.advance(59_999);
        assertEquals(TcpState.TIME_WAIT, c.state());
        bed.advance(1);
        assertEquals(TcpState.CLOSED, c.state());
        assertEquals(0, bed.layer.counters().connections(TcpState.TIME_WAIT));
    }

    @Test
    void retransmittedFinInTimeWaitIsAcknowledgedAndRestartsTheTimer() {
        // RFC 9293 3.10.7.4, TIME-WAIT: acknowledge a retransmitted FIN and restart the 2 MSL timeout
        TcpConnection c = bed.establishedServer(app);
        c.shutdownOutput();
        bed.settle();
        bed.send(in().fin().seq(R).ack(L + 1).win(WINDOW));
        bed.recv();
        bed.advance(50_000);
        bed.send(in().fin().seq(R).ack(L + 1).win(WINDOW));
        bed.expect(out().seq(L + 1).ack(R + 1).win(WINDOW - 1));
        bed.advance(50_000);
        assertEquals(TcpState.TIME_WAIT, c.state());
        bed.advance(10_000);
        assertEquals(TcpState.CLOSED, c.state());
    }

    @Test
    void passiveCloseGoesThroughCloseWaitAndLastAck() {
        // RFC 9293 figure 12: CLOSE-WAIT on their FIN, LAST-ACK on our CLOSE, CLOSED when our FIN is acked
        TcpConnection c = bed.establishedServer(app);
        bed.send(in().fin().seq(R).ack(L).win(WINDOW));
        bed.expect(out().seq(L).ack(R + 1).win(WINDOW - 1));
        assertEquals(TcpState.CLOSE_WAIT, c.state());
        c.shutdownOutput();
        bed.settle();
        bed.expect(out().fin().seq(L).ack(R + 1).win(WINDOW - 1));
        assertEquals(TcpState.LAST_ACK, c.state());
        bed.send(in().seq(R + 1).ack(L + 1).win(WINDOW));
        assertEquals(TcpState.CLOSED, c.state());
        assertEquals(List.of("readable", "inputShutdown", "closed:NORMAL"), app.events);
    }

    @Test
    void simultaneousCloseGoesThroughClosing() {
        // RFC 9293 figure 13: FIN-WAIT-1 receives FIN: CLOSING; the ACK of our FIN: TIME-WAIT
        TcpConnection c = bed.establishedServer(app);
        c.shutdownOutput();
        bed.settle();
        bed.expect(out().fin().seq(L).ack(R).win(WINDOW));
        bed.send(in().fin().seq(R).ack(L).win(WINDOW));
        bed.expect(out().seq(L + 1).ack(R + 1).win(WINDOW - 1));
        assertEquals(TcpState.CLOSING, c.state());
        bed.send(in().seq(R + 1).ack(L + 1).win(WINDOW));
        assertEquals(TcpState.TIME_WAIT, c.state());
    }

    @Test
    void finThatAlsoAcknowledgesOurFinGoesStraightToTimeWait() {
        // RFC 9293 3.10.7.4, eighth, FIN-WAIT-1: "If our FIN has been ACKed ... enter TIME-WAIT"
        TcpConnection c = bed.establishedServer(app);
        c.shutdownOutput();
        bed.settle();
        bed.recv();
        bed.send(in().fin().seq(R).ack(L + 1).win(WINDOW));
        bed.expect(out().seq(L + 1).ack(R + 1).win(WINDOW - 1));
        assertEquals(TcpState.TIME_WAIT, c.state());
    }

    @Test
    void finFollowsQueuedData() {
        // RFC 9293 3.10.4 CLOSE: "Queue this until all preceding SENDs have been segmentized"
        TcpConnection c = bed.establishedServer(app);
        bed.write(c, bytes(100, 1));
        bed.recv();
        c.shutdownOutput();
        bed.settle();
        bed.expect(out().fin().seq(L + 100).ack(R).win(WINDOW));
    }

    @Test
    void finRidesOnTheLastDataSegment() {
        TcpConnection c = bed.establishedServer(app);
        c.noDelay(true);
        MemorySegmentWrite.write(bed, c, "last");
        c.shutdownOutput();
        bed.settle();
        List<Seg> sent = bed.recv();
        assertEquals(1, sent.size(), "data and FIN in one segment");
        assertEquals(out().psh().fin().seq(L).ack(R).win(WINDOW).data("last"), sent.get(0));
    }

    @Test
    void outOfOrderFinWaitsForTheHole() {
        // RFC 9293 3.10.7.4, eighth: a FIN is processed only once everything before it has arrived
        TcpConnection c = bed.establishedServer(app);
        bed.send(in().fin().seq(R + 3).ack(L).win(WINDOW).data("def"));
        bed.expect(out().seq(L).ack(R).win(WINDOW));
        assertEquals(TcpState.ESTABLISHED, c.state());
        bed.send(in().seq(R).ack(L).win(WINDOW).data("abc"));
        bed.expect(out().seq(L).ack(R + 7).win(WINDOW - 7));
        assertEquals(TcpState.CLOSE_WAIT, c.state());
        assertEquals("abcdef", app.text());
    }

    @Test
    void bareFinBeyondAHoleIsAnsweredWithADuplicateAck() {
        // RFC 5681 4.2: an out-of-order segment gets an immediate duplicate ACK, a FIN without data too
        TcpConnection c = bed.establishedServer(app);
        bed.send(in().fin().seq(R + 3).ack(L).win(WINDOW));
        bed.expect(out().seq(L).ack(R).win(WINDOW));
        assertEquals(TcpState.ESTABLISHED, c.state());
        bed.send(in().seq(R).ack(L).win(WINDOW).data("abc"));
        bed.expect(out().seq(L).ack(R + 4).win(WINDOW - 4));
        assertEquals(TcpState.CLOSE_WAIT, c.state());
    }

    @Test
    void ourFinIsRetransmittedByTheTimer() {
        // RFC 6298 5.4: the FIN occupies sequence space and is retransmitted like data
        TcpConnection c = bed.establishedServer(app);
        c.shutdownOutput();
        bed.settle();
        Seg fin = out().fin().seq(L).ack(R).win(WINDOW);
        bed.expect(fin);
        bed.advance(199);
        bed.expectNothing();
        bed.advance(1);
        bed.expect(fin);
    }

    @Test
    void closeWithUnreadDataResets() {
        // RFC 1122 4.2.2.13: CLOSE with received data pending sends a RST to show that data was lost
        TcpConnection c = bed.establishedServer(app);
        app.autoRead = false;
        bed.send(in().seq(R).ack(L).win(WINDOW).data("unread"));
        bed.recv();
        c.close();
        bed.settle();
        bed.expect(out().rst().seq(L).ack(R + 6).win(WINDOW - 6));
        assertEquals(TcpState.CLOSED, c.state());
        assertEquals(List.of("readable"), app.events, "no events after the application's own close");
    }

    @Test
    void aResetFlushesDataTheApplicationHasNotRead() {
        // RFC 9293 3.10.7.4: on RST in ESTABLISHED "all segment queues should be flushed"; the application, told of
        // the bytes before the reset arrived, must find none left rather than read the blocks given back
        TcpConnection c = bed.establishedServer(app);
        app.autoRead = false;
        bed.send(in().seq(R).ack(L).win(WINDOW).data("close_notify, then RST"));
        assertEquals(22, c.readableBytes());
        bed.send(in().rst().seq(R + 22).ack(L).win(WINDOW));
        assertEquals(TcpState.CLOSED, c.state());
        assertEquals(0, c.readableBytes(), "flushed");
        assertEquals(0, c.readSpan());
        assertEquals(-1, c.read(bed.scratch(64), 0, 64), "the end of input: nothing more will come");
        assertEquals(bed.layer.bufferPool().capacity(), bed.layer.bufferPool().available(), "no block held");
    }

    @Test
    void dataAfterCloseIsAnsweredWithReset() {
        // RFC 1122 4.2.2.13: "or if new data is received after CLOSE is called, its TCP SHOULD send a RST"
        TcpConnection c = bed.establishedServer(app);
        c.close();
        bed.settle();
        bed.expect(out().fin().seq(L).ack(R).win(WINDOW));
        bed.send(in().seq(R).ack(L + 1).win(WINDOW).data("late"));
        bed.expect(out().rst().seq(L + 1).ack(R).win(WINDOW));
        assertEquals(TcpState.CLOSED, c.state());
    }

    @Test
    void abortResetsAtOnce() {
        // RFC 9293 3.10.5 ABORT (SO_LINGER 0): <SEQ=SND.NXT><CTL=RST>, queued data discarded
        TcpConnection c = bed.establishedServer(app);
        bed.send(in().seq(R).ack(L).win(0)); // zero window: our data stays queued
        bed.write(c, bytes(5000, 1));
        bed.recv();
        c.abort();
        bed.settle();
        bed.expect(out().rst().seq(L).ack(R).win(WINDOW));
        assertEquals(TcpState.CLOSED, c.state());
        assertEquals(1, bed.layer.counters().resetsSent);
    }

    @Test
    void halfClosedConnectionStillReceives() {
        // RFC 9293 3.10.4: after CLOSE in ESTABLISHED the user may continue to RECEIVE (FIN-WAIT states)
        TcpConnection c = bed.establishedServer(app);
        c.shutdownOutput();
        bed.settle();
        bed.recv();
        bed.send(in().seq(R).ack(L + 1).win(WINDOW).data("still here"));
        assertEquals("still here", app.text());
        assertEquals(TcpState.FIN_WAIT_2, c.state());
        assertTrue(c.outputShutdown());
        assertThrows(IllegalStateException.class, () -> MemorySegmentWrite.write(bed, c, "x"));
    }

    @Test
    void orphanedFinWait2TimesOut() {
        // Linux's tcp_fin_timeout: a closed connection waits for the peer's FIN only so long
        TcpConnection c = bed.establishedServer(app);
        c.close();
        bed.settle();
        bed.recv();
        bed.send(in().seq(R).ack(L + 1).win(WINDOW));
        assertEquals(TcpState.FIN_WAIT_2, c.state());
        bed.advance(60_000);
        assertEquals(TcpState.CLOSED, c.state());
        assertEquals(0, bed.layer.counters().connections(TcpState.FIN_WAIT_2));
    }

    @Test
    void closeWhileConnectingDeletesSilently() {
        // RFC 9293 3.10.4 CLOSE in SYN-SENT: delete the TCB
        TcpConnection c = bed.layer.connect(LOCAL_PORT, REMOTE_IP, REMOTE_PORT, app, bed.now);
        bed.settle();
        bed.recv();
        c.close();
        bed.settle();
        bed.expectNothing();
        assertEquals(TcpState.CLOSED, c.state());
    }

    @Test
    void newSynReopensAConnectionInTimeWait() {
        // RFC 9293 3.6.1 / RFC 6191: a SYN with a higher sequence number may start a new incarnation
        TcpConnection c = bed.establishedServer(app);
        c.shutdownOutput();
        bed.settle();
        bed.send(in().fin().seq(R).ack(L + 1).win(WINDOW));
        bed.recv();
        assertEquals(TcpState.TIME_WAIT, c.state());
        bed.send(in().syn().seq(R + 100_000).win(WINDOW).mss(1460));
        bed.expect(out().syn().seq(LOCAL_ISN).ack(R + 100_001).win(WINDOW).mss(1460));
        assertEquals(1, bed.layer.counters().connections(TcpState.SYN_RECEIVED));
    }

    @Test
    void oldSynInTimeWaitGetsAChallengeAck() {
        // RFC 5961 4.2 for the synchronized TIME-WAIT state: a SYN not newer than RCV.NXT is challenged
        TcpConnection c = bed.establishedServer(app);
        c.shutdownOutput();
        bed.settle();
        bed.send(in().fin().seq(R).ack(L + 1).win(WINDOW));
        bed.recv();
        bed.send(in().syn().seq(R).win(WINDOW).mss(1460));
        bed.expect(out().seq(L + 1).ack(R + 1).win(WINDOW - 1));
        assertEquals(TcpState.TIME_WAIT, c.state());
    }

    @Test
    void closeAfterTimeWaitFreesTheObject() {
        TcpConnection c = bed.establishedServer(app);
        long id = c.id();
        c.shutdownOutput();
        bed.settle();
        bed.send(in().fin().seq(R).ack(L + 1).win(WINDOW));
        bed.advance(60_000);
        c.close();
        // the object is reused by the next connection, with a new id
        TcpConnection next = bed.layer.connect(LOCAL_PORT + 1, REMOTE_IP, REMOTE_PORT, new Recorder(), bed.now);
        assertTrue(next.id() != id);
    }
}
