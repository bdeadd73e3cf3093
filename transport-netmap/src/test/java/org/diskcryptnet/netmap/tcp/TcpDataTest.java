package org.diskcryptnet.netmap.tcp;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.List;

import org.diskcryptnet.netmap.wire.DropReason;
import org.diskcryptnet.netmap.wire.TcpHeader;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.diskcryptnet.netmap.tcp.TcpTestbed.LOCAL_ISN;
import static org.diskcryptnet.netmap.tcp.TcpTestbed.REMOTE_ISN;
import static org.diskcryptnet.netmap.tcp.TcpTestbed.WINDOW;
import static org.diskcryptnet.netmap.tcp.TcpTestbed.bytes;
import static org.diskcryptnet.netmap.tcp.TcpTestbed.in;
import static org.diskcryptnet.netmap.tcp.TcpTestbed.out;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Data transfer on an established connection: RFC 9293 sections 3.7, 3.8.6 and 3.10.7.4 (seventh step). */
class TcpDataTest {

    private static final int R = REMOTE_ISN + 1;   // next sequence number from the peer
    private static final int L = LOCAL_ISN + 1;    // our next sequence number

    private final TcpTestbed bed = new TcpTestbed();
    private final Recorder app = new Recorder();

    @AfterEach
    void close() {
        bed.close();
    }

    private static Seg data(int seq, byte[] payload) {
        return in().seq(seq).ack(L).win(WINDOW).data(payload);
    }

    private static Seg ackOut(int ack) {
        return out().seq(L).ack(ack).win(WINDOW);
    }

    /** Sends full segments until quick-ACK mode is over; returns the next sequence number. */
    private int leaveQuickAckMode() {
        int seq = R;
        for (int i = 0; i < TcpInput.QUICK_ACKS; i++) {
            bed.send(data(seq, bytes(1460, i)));
            assertEquals(1, bed.recv().size(), "quick ACK " + i);
            seq += 1460;
        }
        app.received.reset();
        return seq;
    }

    /**
     * A dispatch past its deadline delivers one connection's events and leaves the others, in order, for the next:
     * the loop gets back to its rx ring between handlers, and nothing is lost or delivered twice.
     */
    @Test
    void aDispatchPastItsDeadlineLeavesTheRestInOrder() {
        List<Integer> told = new java.util.ArrayList<>();
        List<TcpConnection> cs = new java.util.ArrayList<>();
        for (int i = 0; i < 4; i++) {
            int id = i;
            cs.add(bed.layer.connect(TcpTestbed.LOCAL_PORT + i, TcpTestbed.REMOTE_IP, TcpTestbed.REMOTE_PORT,
                    new TcpHandler() {
                        @Override
                        public void readable(TcpConnection c) {
                            told.add(id);
                        }
                    }, bed.now));
        }
        bed.layer.dispatchEvents();
        for (TcpConnection c : cs) {
            bed.layer.event(c, TcpConnection.EV_READABLE);
        }
        bed.layer.event(cs.get(1), TcpConnection.EV_READABLE); // OR-ed into its pending events, not queued twice
        long past = System.nanoTime() - 1;
        for (int round = 1; round <= 4; round++) {
            assertTrue(bed.layer.hasPendingEvents());
            assertEquals(1, bed.layer.dispatchEvents(past), "one handler per dispatch past its deadline");
            assertEquals(round, told.size());
        }
        assertTrue(!bed.layer.hasPendingEvents());
        assertEquals(List.of(0, 1, 2, 3), told);
        assertEquals(0, bed.layer.dispatchEvents(past));
    }

    /**
     * A flush that runs out of transmit frames leaves the connection it stopped at and all after it, in order, to go
     * first at the next flush, ahead of connections with output since; each segment goes out once.
     */
    @Test
    @org.junit.jupiter.api.Timeout(10) // a list spliced into a cycle would flush forever
    void aFullTransmitRingDefersTheRestInOrderAndTheyGoFirstNextTime() {
        bed.framesAvailable = 0;
        for (int i = 0; i < 4; i++) {
            bed.layer.connect(TcpTestbed.LOCAL_PORT + i, TcpTestbed.REMOTE_IP, TcpTestbed.REMOTE_PORT, app, bed.now);
        }
        bed.settle();
        assertEquals(List.of(), bed.recv());
        long deferred = bed.layer.counters().outputDeferred;
        assertTrue(deferred >= 1);

        bed.framesAvailable = 2;
        bed.settle();
        assertEquals(List.of(TcpTestbed.LOCAL_PORT, TcpTestbed.LOCAL_PORT + 1), synSources(bed.recv()));
        bed.layer.connect(TcpTestbed.LOCAL_PORT + 4, TcpTestbed.REMOTE_IP, TcpTestbed.REMOTE_PORT, app, bed.now);
        bed.settle();
        assertEquals(List.of(), bed.recv(), "no frame, no segment");
        assertTrue(bed.layer.counters().outputDeferred > deferred);

        bed.framesAvailable = Integer.MAX_VALUE;
        bed.settle();
        assertEquals(List.of(TcpTestbed.LOCAL_PORT + 2, TcpTestbed.LOCAL_PORT + 3, TcpTestbed.LOCAL_PORT + 4),
                synSources(bed.recv()), "the deferred ones first, then the newer one, each once");
        assertTrue(!bed.layer.hasPendingOutput());
    }

    private static List<Integer> synSources(List<Seg> segments) {
        List<Integer> ports = new java.util.ArrayList<>();
        for (Seg s : segments) {
            assertEquals(TcpHeader.SYN, s.flags & (TcpHeader.SYN | TcpHeader.ACK), "a SYN: " + s);
            ports.add(s.srcPort);
        }
        return ports;
    }

    @Test
    void firstSegmentsAreAcknowledgedAtOnce() {
        // quick-ACK mode (as Linux): while the sender starts its window every segment is acknowledged at once
        bed.establishedServer(app);
        bed.send(data(R, bytes(1460, 1)));
        bed.expect(ackOut(R + 1460));
    }

    @Test
    void fullSegmentIsAcknowledgedAfterTheDelayedAckTimeout() {
        // RFC 9293 3.8.6.3: an ACK may be delayed, by less than 0.5 s (40 ms here)
        bed.establishedServer(app);
        int seq = leaveQuickAckMode();
        bed.send(data(seq, bytes(1460, 1)));
        bed.expectNothing();
        bed.advance(39);
        bed.expectNothing();
        bed.advance(1);
        bed.expect(ackOut(seq + 1460));
        assertEquals(1, bed.layer.counters().delayedAcksSent);
        assertArrayEquals(bytes(1460, 1), app.received.toByteArray());
    }

    @Test
    void everySecondFullSegmentIsAcknowledgedAtOnce() {
        // RFC 9293 3.8.6.3 / RFC 5681 4.2: an ACK for at least every second full-sized segment
        bed.establishedServer(app);
        int seq = leaveQuickAckMode();
        bed.send(data(seq, bytes(1460, 1)));
        bed.expectNothing();
        bed.send(data(seq + 1460, bytes(1460, 2)));
        bed.expect(ackOut(seq + 2920));
    }

    @Test
    void outOfOrderDataStartsQuickAckModeAgain() {
        bed.establishedServer(app);
        int seq = leaveQuickAckMode();
        bed.send(data(seq + 1460, bytes(1460, 2)));
        bed.expect(ackOut(seq));
        bed.send(data(seq, bytes(1460, 1)));
        bed.expect(ackOut(seq + 2920));
        bed.send(data(seq + 2920, bytes(1460, 3)));
        bed.expect(ackOut(seq + 4380));
    }

    @Test
    void shortSegmentIsAcknowledgedAtTheEndOfTheBatch() {
        // a short (pushed) segment is acknowledged when the loop flushes, as Linux's quick ACKs do
        bed.establishedServer(app);
        bed.send(data(R, "hello".getBytes()).psh());
        // the right edge stays where it was: it moves only by a full segment (RFC 9293 3.8.6.2.2)
        bed.expect(ackOut(R + 5).win(WINDOW - 5));
        assertEquals("hello", app.text());
    }

    @Test
    void responsePiggybacksTheAck() {
        // RFC 9293 3.8.6.3: the ACK rides on the data the application writes in answer
        bed.listen(app);
        bed.send(in().syn().seq(REMOTE_ISN).win(WINDOW).mss(1460));
        bed.recv();
        bed.send(in().seq(R).ack(L).win(WINDOW));
        TcpConnection c = bed.layer.listenerFor(TcpTestbed.LOCAL_PORT).accept();
        MemorySegment reply = bed.scratch(2);
        reply.copyFrom(MemorySegment.ofArray("OK".getBytes()));
        c.handler(new TcpHandler() {
            @Override
            public void readable(TcpConnection c) {
                c.read(bed.scratch(100), 0, 100);
                c.write(reply, 0, 2);
            }
        });
        bed.send(data(R, "GET".getBytes()).psh());
        bed.expect(out().psh().seq(L).ack(R + 3).win(WINDOW - 3).data("OK"));
    }

    @Test
    void writesAreCutIntoMssSizedSegments() {
        // RFC 9293 3.7.1: segments carry at most the MSS; PSH marks the end of what was written (3.9.1)
        TcpConnection c = bed.establishedServer(app);
        byte[] d = bytes(3000, 7);
        bed.write(c, d);
        bed.expect(ackOut(R).seq(L).data(Arrays.copyOfRange(d, 0, 1460)),
                ackOut(R).seq(L + 1460).data(Arrays.copyOfRange(d, 1460, 2920)),
                ackOut(R).psh().seq(L + 2920).data(Arrays.copyOfRange(d, 2920, 3000)));
    }

    @Test
    void nagleHoldsASecondSmallSegmentUntilTheFirstIsAcknowledged() {
        // RFC 9293 3.7.4 (Nagle), Minshall's variant: one small segment outstanding at a time
        TcpConnection c = bed.establishedServer(app);
        bed.write(c, "a".getBytes());
        bed.expect(ackOut(R).psh().data("a"));
        bed.write(c, "b".getBytes());
        bed.expectNothing();
        bed.send(in().seq(R).ack(L + 1).win(WINDOW));
        bed.expect(ackOut(R).psh().seq(L + 1).data("b"));
    }

    @Test
    void noDelaySendsSmallSegmentsAtOnce() {
        // TCP_NODELAY: RFC 9293 3.7.4 lets the application disable Nagle
        TcpConnection c = bed.establishedServer(app);
        c.noDelay(true);
        bed.write(c, "a".getBytes());
        bed.write(c, "b".getBytes());
        bed.expect(ackOut(R).psh().data("a"), ackOut(R).psh().seq(L + 1).data("b"));
    }

    @Test
    void peerWindowLimitsWhatIsSent() {
        // RFC 9293 3.8.6: never send beyond SND.UNA + SND.WND
        TcpConnection c = bed.establishedServer(app);
        bed.send(in().seq(R).ack(L).win(2920));
        byte[] d = bytes(5000, 3);
        bed.write(c, d);
        List<Seg> sent = bed.recv();
        assertEquals(2, sent.size());
        assertEquals(2920, sent.get(0).len() + sent.get(1).len());
        bed.send(in().seq(R).ack(L + 2920).win(2920));
        sent = bed.recv();
        assertEquals(5000 - 2920, sent.stream().mapToInt(Seg::len).sum());
    }

    @Test
    void senderAvoidsSillyWindows() {
        // RFC 9293 3.8.6.2.1: a partial segment that does not empty the queue waits for half the max window
        TcpConnection c = bed.establishedServer(app);
        bed.send(in().seq(R).ack(L).win(1500));
        bed.write(c, bytes(3000, 1));
        assertEquals(List.of(1460), bed.recv().stream().map(Seg::len).toList());
        bed.send(in().seq(R).ack(L + 1460).win(100)); // 100 < max window / 2: wait
        bed.expectNothing();
        // "(4) ... the override timeout occurs": the persist timer (RTO, 200 ms)
        bed.advance(199);
        bed.expectNothing();
        bed.advance(1);
        assertEquals(List.of(100), bed.recv().stream().map(Seg::len).toList());
    }

    @Test
    void aSlowReadersWindowIsFilledInLargeFrames() {
        // RFC 9293 3.8.6.2.1 with segmentation offload, where the full-sized segment is a frame: a window the peer
        // opens a few KiB at a time (its application reading slowly) waits until half its largest window can go;
        // a window that stays small does not wait
        try (TcpTestbed wide = new TcpTestbed(TcpTestbed.base().sendBuffer(1 << 20).build())) {
            wide.segmentationLimit = 65_535;
            TcpConnection c = wide.establishedServer(app);
            wide.send(in().seq(R).ack(L).win(40_000));
            wide.write(c, bytes(300_000, 4));
            int acked = 0;
            for (int round = 0, sent = 0; sent < 40_000; round++) { // slow start, until the peer's window limits
                assertTrue(round < 10, "cwnd grows past 40,000 B");
                sent = wide.recv().stream().mapToInt(Seg::len).sum();
                acked += sent;
                // all received; the last round's not read yet
                wide.send(in().seq(R).ack(L + acked).win(sent < 40_000 ? 40_000 : 0));
            }
            for (int window = 8_000; window < WINDOW / 2; window += 8_000) {
                wide.send(in().seq(R).ack(L + acked).win(window));
                wide.expectNothing();
            }
            wide.largestSegmentedPayload = 0;
            wide.send(in().seq(R).ack(L + acked).win(40_000));
            List<Seg> frame = wide.recv();
            assertEquals(40_000, frame.stream().mapToInt(Seg::len).sum());
            assertEquals(L + acked, frame.get(0).seq);
            assertEquals(40_000, wide.largestSegmentedPayload, "as one frame");
            acked += 40_000;
            for (int i = 0; i < 2; i++) { // a window that stays small goes as it is
                wide.send(in().seq(R).ack(L + acked).win(16_000));
                assertEquals(16_000, wide.recv().stream().mapToInt(Seg::len).sum());
                acked += 16_000;
            }
        }
    }

    @Test
    void outOfOrderSegmentGetsAnImmediateDuplicateAck() {
        // RFC 5681 4.2 / RFC 9293 3.8.6.3: an out-of-order segment is acknowledged at once
        bed.establishedServer(app);
        bed.send(data(R + 1460, bytes(1460, 2)));
        bed.expect(ackOut(R));
        assertEquals(0, app.received.size());
        assertEquals(1, bed.layer.counters().outOfOrderSegments);
    }

    @Test
    void segmentFillingAHoleIsAcknowledgedAtOnceAndReleasesTheRest() {
        // RFC 5681 4.2: an ACK at once for a segment that fills a gap
        bed.establishedServer(app);
        bed.send(data(R + 1460, bytes(1460, 2)));
        bed.send(data(R + 2920, bytes(1460, 3)));
        bed.recv();
        bed.send(data(R, bytes(1460, 1)));
        bed.expect(ackOut(R + 4380));
        byte[] all = new byte[4380];
        System.arraycopy(bytes(1460, 1), 0, all, 0, 1460);
        System.arraycopy(bytes(1460, 2), 0, all, 1460, 1460);
        System.arraycopy(bytes(1460, 3), 0, all, 2920, 1460);
        assertArrayEquals(all, app.received.toByteArray());
    }

    @Test
    void oldDuplicateIsAcknowledgedAndDropped() {
        // RFC 9293 3.10.7.4, first: not acceptable: send <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>, drop
        bed.establishedServer(app);
        bed.send(data(R, "abc".getBytes()));
        bed.recv();
        bed.send(data(R, "abc".getBytes()));
        bed.expect(ackOut(R + 3).win(WINDOW - 3));
        assertEquals("abc", app.text());
        assertEquals(1, bed.dropped(DropReason.TCP_OUT_OF_WINDOW));
    }

    @Test
    void segmentStraddlingRcvNxtKeepsOnlyTheNewPart() {
        // RFC 9293 3.10.7.4: "only the new parts should be processed"
        bed.establishedServer(app);
        bed.send(data(R, "abc".getBytes()));
        bed.recv();
        bed.send(data(R + 1, "bcdef".getBytes()));
        bed.expect(ackOut(R + 6).win(WINDOW - 6));
        assertEquals("abcdef", app.text());
    }

    @Test
    void dataBeyondTheWindowIsTrimmed() {
        // RFC 9293 3.10.7.4: segments are trimmed to the window; the rest is the sender's to resend
        TcpTestbed b = new TcpTestbed(TcpTestbed.base().receiveBuffer(16384).build());
        try (b) {
            Recorder r = new Recorder();
            r.autoRead = false;
            b.listen(r);
            b.send(in().syn().seq(REMOTE_ISN).win(WINDOW).mss(1460));
            b.expect(out().syn().seq(LOCAL_ISN).ack(R).win(16384).mss(1460));
            b.send(in().seq(R).ack(L).win(WINDOW));
            r.acceptOne(b);
            int seq = R;
            for (int i = 0; i < 11; i++) { // 16060 bytes: 324 left in the window
                b.send(in().seq(seq).ack(L).win(WINDOW).data(bytes(1460, i)));
                seq += 1460;
            }
            b.recv();
            b.send(in().seq(seq).ack(L).win(WINDOW).data(bytes(1460, 99)));
            b.expect(out().seq(L).ack(seq + 324).win(0));
        }
    }

    @Test
    void aPureAckAtTheRightEdgeOfASmallWindowIsAccepted() {
        // RFC 9293 3.10.7.4: the peer sent data beyond our window (lost, or refused); its pure ACKs carry
        // SEG.SEQ = RCV.NXT + RCV.WND, the right edge (Linux's tcp_acceptable_seq). They occupy no sequence space
        // and acknowledge our data: accepted (as Linux's tcp_sequence() does), not dropped as out of window
        TcpTestbed b = new TcpTestbed(TcpTestbed.base().receiveBuffer(16384).build());
        try (b) {
            Recorder r = new Recorder();
            r.autoRead = false;
            b.listen(r);
            b.send(in().syn().seq(REMOTE_ISN).win(WINDOW).mss(1460));
            b.recv();
            b.send(in().seq(R).ack(L).win(WINDOW));
            TcpConnection c = r.acceptOne(b);
            int seq = R;
            for (int i = 0; i < 10; i++) { // 14600 bytes unread: 1784 left in the window
                b.send(in().seq(seq).ack(L).win(WINDOW).data(bytes(1460, i)));
                seq += 1460;
            }
            b.recv();
            b.write(c, bytes(1000, 3));
            assertEquals(1, b.recv().size(), "our data went out");
            int edge = seq + 1784;
            b.send(in().seq(edge).ack(L + 1000).win(WINDOW));
            assertEquals(0, b.dropped(DropReason.TCP_OUT_OF_WINDOW));
            assertEquals(0, c.sndMax - c.sndUna, "our data is acknowledged");
            b.send(in().seq(edge + 1).ack(L + 1000).win(WINDOW));
            assertEquals(1, b.dropped(DropReason.TCP_OUT_OF_WINDOW), "beyond the edge it is still refused");
        }
    }

    @Test
    void fullBufferAdvertisesZeroWindowAndReadingReopensIt() {
        // RFC 9293 3.8.6.2.2: the window reflects free buffer; a read that frees enough sends a window update
        TcpTestbed b = new TcpTestbed(TcpTestbed.base().receiveBuffer(16384).build());
        try (b) {
            Recorder r = new Recorder();
            r.autoRead = false;
            b.listen(r);
            b.send(in().syn().seq(REMOTE_ISN).win(WINDOW).mss(1460));
            b.recv();
            b.send(in().seq(R).ack(L).win(WINDOW));
            TcpConnection c = r.acceptOne(b);
            int seq = R;
            for (int i = 0; i < 12; i++) {
                int n = Math.min(1460, 16384 - (seq - R));
                b.send(in().seq(seq).ack(L).win(WINDOW).data(bytes(n, i)));
                seq += n;
            }
            assertEquals(16384, seq - R);
            List<Seg> acks = b.recv();
            assertEquals(0, acks.get(acks.size() - 1).window);
            // a small read does not open the window (receiver SWS avoidance)
            c.read(b.scratch(100), 0, 100);
            b.settle();
            b.expectNothing();
            // a read of half the buffer does, with a window update
            c.read(b.scratch(8192), 0, 8192);
            b.settle();
            b.expect(out().seq(L).ack(seq).win(8292));
        }
    }

    @Test
    void readReportsEndOfInputAfterTheData() {
        // RFC 9293 3.10.7.4, eighth: FIN signals "connection closing" after the data before it
        TcpConnection c = bed.establishedServer(app);
        app.autoRead = false;
        bed.send(data(R, "bye".getBytes()).fin());
        bed.expect(ackOut(R + 4).win(WINDOW - 4));
        assertTrue(app.events.contains("inputShutdown"));
        MemorySegment buf = bed.scratch(16);
        assertEquals(3, c.read(buf, 0, 16));
        assertEquals(-1, c.read(buf, 0, 16));
        assertEquals(TcpState.CLOSE_WAIT, c.state());
    }

    @Test
    void zeroCopyReadSpansAreTheReceivedBytes() {
        TcpConnection c = bed.establishedServer(app);
        app.autoRead = false;
        bed.send(data(R, "zero-copy".getBytes()));
        int span = c.readSpan();
        assertEquals(9, span);
        byte[] got = c.readMemory().asSlice(c.readMemoryOffset(), span).toArray(ValueLayout.JAVA_BYTE);
        assertEquals("zero-copy", new String(got));
        c.consume(span);
        assertEquals(0, c.readableBytes());
    }

    @Test
    void writeTakesWhatFitsAndSignalsWritableOnceAcknowledged() {
        TcpConnection c = bed.establishedServer(app);
        int taken = bed.tryWrite(c, bytes(70_000, 1));
        assertEquals(65536, taken);
        assertEquals(0, c.writableBytes());
        List<Seg> sent = bed.recv();
        int total = sent.stream().mapToInt(Seg::len).sum();
        assertEquals(14600, total, "the initial window (RFC 6928)");
        bed.send(in().seq(R).ack(L + total).win(WINDOW));
        assertTrue(app.events.contains("writable"));
        assertEquals(total, c.writableBytes(), "acknowledged bytes are send space again");
    }

    @Test
    void segmentWithoutAckBitIsDropped() {
        // RFC 9293 3.10.7.4, fifth: if the ACK bit is off, drop the segment
        bed.establishedServer(app);
        bed.send(in().seq(R).win(WINDOW).data("x"));
        bed.expectNothing();
        assertEquals(0, app.received.size());
        assertEquals(1, bed.dropped(DropReason.TCP_STATE));
    }

    @Test
    void acknowledgedBytesLeaveTheSendQueue() {
        TcpConnection c = bed.establishedServer(app);
        bed.write(c, bytes(1000, 1));
        bed.recv();
        assertEquals(1000, c.unacknowledgedBytes());
        bed.send(in().seq(R).ack(L + 600).win(WINDOW));
        assertEquals(400, c.unacknowledgedBytes());
        bed.send(in().seq(R).ack(L + 1000).win(WINDOW));
        assertEquals(0, c.unacknowledgedBytes());
    }

    @Test
    void windowUpdateFromNewerSegmentOnly() {
        // RFC 9293 3.10.7.4: SND.WND is updated only if SND.WL1 < SEG.SEQ or (= and SND.WL2 =< SEG.ACK)
        TcpConnection c = bed.establishedServer(app);
        bed.send(in().seq(R).ack(L).win(5000).data("x"));
        assertEquals(5000, c.peerWindow());
        bed.send(in().seq(R).ack(L).win(9000)); // older SEG.SEQ than WL1 now (R + 1 > R): ignored
        assertEquals(5000, c.peerWindow());
        bed.send(in().seq(R + 1).ack(L).win(9000));
        assertEquals(9000, c.peerWindow());
    }

    @Test
    void receiveBufferSizeLimitsTheWindow() {
        // SO_RCVBUF below the layer's buffer: the window offered follows it once the edge may move
        TcpConnection c = bed.establishedServer(app);
        app.autoRead = false;
        c.receiveBufferSize(4096);
        bed.send(data(R, bytes(1460, 1)));
        bed.send(data(R + 1460, bytes(1460, 2)));
        java.util.List<Seg> acks = bed.recv();
        assertEquals(WINDOW - 2920, acks.get(acks.size() - 1).window, "the advertised edge is not withdrawn");
        c.read(bed.scratch(4096), 0, 4096);
        bed.settle();
        bed.send(data(R + 2920, bytes(1460, 3)));
        bed.send(data(R + 4380, bytes(1460, 4)));
        assertEquals(4096, c.receiveBufferSize());
        assertTrue(c.readableBytes() <= 4096 + 2920);
    }

    @Test
    void sendBufferSizeLimitsWhatAWriteTakes() {
        TcpConnection c = bed.establishedServer(app);
        c.sendBufferSize(5000);
        assertEquals(5000, bed.tryWrite(c, bytes(20_000, 1)));
        assertEquals(0, c.writableBytes());
    }

    @Test
    void nextTimerDeadlineTellsAnIdleLoopHowLongItMaySleep() {
        TcpConnection c = bed.establishedServer(app);
        assertEquals(Long.MAX_VALUE, bed.layer.nextTimerDeadline(), "nothing pending");
        bed.write(c, bytes(100, 1));
        assertEquals(bed.now + c.retransmissionTimeout(), bed.layer.nextTimerDeadline());
    }
}
