package org.diskcryptnet.netmap.tcp;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.diskcryptnet.netmap.tcp.PatternSource.Request;
import static org.diskcryptnet.netmap.tcp.TcpTestbed.LOCAL_ISN;
import static org.diskcryptnet.netmap.tcp.TcpTestbed.REMOTE_ISN;
import static org.diskcryptnet.netmap.tcp.TcpTestbed.WINDOW;
import static org.diskcryptnet.netmap.tcp.TcpTestbed.in;
import static org.diskcryptnet.netmap.tcp.TcpTestbed.out;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The send-queue contract issue 8 builds on ({@link SendSource}): regenerable bytes are asked for only when
 * they may be sent, a segment at a time, again identically on retransmission, possibly asynchronously, and
 * never kept by TCP.
 */
class SendSourceTest {

    private static final int R = REMOTE_ISN + 1;
    private static final int L = LOCAL_ISN + 1;
    private static final int MSS = 1460;

    private final TcpTestbed bed = new TcpTestbed(TcpTestbed.base().congestion(TcpConfig.Congestion.RENO).build());
    private final Recorder app = new Recorder();

    @AfterEach
    void close() {
        bed.close();
    }

    private static List<Request> segmentRequests(long from, int count) {
        List<Request> r = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            r.add(new Request(from + (long) i * MSS, MSS));
        }
        return r;
    }

    @Test
    void bytesAreProducedOnlyAsTheWindowAllowsInSegmentUnits() {
        TcpConnection c = bed.establishedServer(app);
        PatternSource src = new PatternSource(PatternSource.Mode.SYNC);
        int poolBefore = bed.layer.bufferPool().available();
        assertTrue(c.write(src, 1_000_000));
        bed.settle();
        List<Seg> sent = bed.recv();
        assertEquals(10, sent.size(), "the initial window, not the million bytes");
        assertEquals(segmentRequests(0, 10), src.requests);
        for (int i = 0; i < 10; i++) {
            assertArrayEquals(PatternSource.bytes((long) i * MSS, MSS), sent.get(i).payload);
        }
        assertEquals(poolBefore, bed.layer.bufferPool().available(), "no buffer memory holds source bytes");
        // two segments acknowledged: the window slides and grows by two: four more requests
        bed.send(in().seq(R).ack(L + 2 * MSS).win(WINDOW));
        assertEquals(segmentRequests(0, 14), src.requests);
    }

    @Test
    void retransmissionAsksForTheSameRangeAgain() {
        TcpConnection c = bed.establishedServer(app);
        PatternSource src = new PatternSource(PatternSource.Mode.SYNC);
        c.write(src, 3 * MSS);
        bed.settle();
        List<Seg> first = bed.recv();
        src.requests.clear();
        bed.advance(200); // RTO: segment 0 again
        List<Seg> again = bed.recv();
        assertEquals(List.of(new Request(0, MSS)), src.requests);
        assertEquals(first.get(0), again.get(0), "byte-identical retransmission");
        assertEquals(MSS, bed.layer.counters().sourceBytesRegenerated);
    }

    @Test
    void acknowledgedPositionsAreReportedAndTheSourceReleased() {
        TcpConnection c = bed.establishedServer(app);
        PatternSource src = new PatternSource(PatternSource.Mode.SYNC);
        c.write(src, 3 * MSS);
        bed.settle();
        bed.recv();
        bed.send(in().seq(R).ack(L + 1000).win(WINDOW));
        assertEquals(List.of(1000L), src.acknowledged);
        assertFalse(src.released);
        bed.send(in().seq(R).ack(L + 3 * MSS).win(WINDOW));
        assertTrue(src.released);
    }

    @Test
    void inMemoryBytesAndASourceShareASegment() {
        // e.g. HTTP headers (kept until acknowledged) followed by file bytes (regenerated)
        TcpConnection c = bed.establishedServer(app);
        MemorySegmentWrite.write(bed, c, "HDR:");
        PatternSource src = new PatternSource(PatternSource.Mode.SYNC);
        c.write(src, 2000);
        bed.settle();
        List<Seg> sent = bed.recv();
        assertEquals(2, sent.size());
        byte[] expected = new byte[MSS];
        System.arraycopy("HDR:".getBytes(), 0, expected, 0, 4);
        System.arraycopy(PatternSource.bytes(0, MSS - 4), 0, expected, 4, MSS - 4);
        assertArrayEquals(expected, sent.get(0).payload);
        assertEquals(List.of(new Request(0, MSS - 4), new Request(MSS - 4, 2004 - MSS)), src.requests);
    }

    @Test
    void asynchronousProductionDefersTheSegment() {
        // a disk read: the segment leaves when the bytes are in place, not before
        TcpConnection c = bed.establishedServer(app);
        PatternSource src = new PatternSource(PatternSource.Mode.DEFERRED);
        c.write(src, 2 * MSS);
        bed.settle();
        bed.expectNothing();
        assertEquals(2, src.pendingCount());
        assertEquals(2 * MSS, c.flightSize(), "in flight while being produced");
        src.completeAll(true);
        List<Seg> sent = bed.recv();
        assertEquals(2, sent.size());
        assertArrayEquals(PatternSource.bytes(MSS, MSS), sent.get(1).payload);
        assertEquals(out().psh().seq(L + MSS).ack(R).win(WINDOW).data(PatternSource.bytes(MSS, MSS)), sent.get(1));
    }

    @Test
    void failedProductionResetsOnlyThatConnection() {
        // issue 8: "a disk error on a retransmission closes only that connection"
        TcpConnection c = bed.establishedServer(app);
        PatternSource src = new PatternSource(PatternSource.Mode.FAIL);
        c.write(src, MSS);
        bed.settle();
        bed.expect(out().rst().seq(L).noAck().win(0));
        assertEquals(TcpState.CLOSED, c.state());
        assertEquals(List.of("closed:SOURCE_FAILED"), app.events);
        assertTrue(src.released);
    }

    @Test
    void failedAsynchronousProductionResetsTheConnection() {
        TcpConnection c = bed.establishedServer(app);
        PatternSource src = new PatternSource(PatternSource.Mode.DEFERRED);
        c.write(src, MSS);
        bed.settle();
        src.completeAll(false);
        bed.settle();
        bed.expect(out().rst().seq(L).noAck().win(0));
        assertEquals(TcpState.CLOSED, c.state());
        assertEquals(List.of("closed:SOURCE_FAILED"), app.events);
    }

    @Test
    void failureOnARetransmissionAlsoResets() {
        TcpConnection c = bed.establishedServer(app);
        PatternSource src = new PatternSource(PatternSource.Mode.SYNC);
        c.write(src, MSS);
        bed.settle();
        bed.recv();
        src.mode = PatternSource.Mode.FAIL;
        bed.advance(200);
        bed.expect(out().rst().seq(L).noAck().win(0));
        assertEquals(TcpState.CLOSED, c.state());
    }

    @Test
    void abortReleasesQueuedSources() {
        TcpConnection c = bed.establishedServer(app);
        PatternSource src = new PatternSource(PatternSource.Mode.SYNC);
        c.write(src, 100 * MSS);
        bed.settle();
        c.abort();
        bed.settle();
        assertTrue(src.released);
    }

    @Test
    void entryTableFullRefusesAndLaterSignalsWritable() {
        TcpTestbed b = new TcpTestbed(TcpTestbed.base().sendQueueEntries(2).build());
        try (b) {
            Recorder r = new Recorder();
            TcpConnection c = b.establishedServer(r);
            assertTrue(c.write(new PatternSource(PatternSource.Mode.SYNC), 100));
            assertTrue(c.write(new PatternSource(PatternSource.Mode.SYNC), 100));
            assertFalse(c.write(new PatternSource(PatternSource.Mode.SYNC), 100));
            b.settle();
            b.recv();
            b.send(in().seq(R).ack(L + 200).win(WINDOW));
            assertTrue(r.events.contains("writable"));
            assertTrue(c.write(new PatternSource(PatternSource.Mode.SYNC), 100));
        }
    }
}
