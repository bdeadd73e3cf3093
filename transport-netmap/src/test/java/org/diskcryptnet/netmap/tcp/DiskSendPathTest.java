package org.diskcryptnet.netmap.tcp;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import org.diskcryptnet.disk.DiskFile;
import org.diskcryptnet.netmap.datapath.DiskSendConfig;
import org.diskcryptnet.netmap.datapath.DiskSendCounters;
import org.diskcryptnet.netmap.datapath.ExtentSource;
import org.diskcryptnet.tls.record.ContentType;
import org.diskcryptnet.tls.record.RecordLayout;
import org.diskcryptnet.tls.record.RecordProtection;

import static org.diskcryptnet.netmap.tcp.TcpTestbed.WINDOW;
import static org.diskcryptnet.netmap.tcp.TcpTestbed.in;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 8's send path with every unit read on its own ({@link DiskSendConfig#READ_AHEAD_OFF}), deterministic
 * ({@link DiskSendFixture}); the read windows are {@link DiskSendWindowTest}'s.
 */
class DiskSendPathTest extends DiskSendFixture {

    // ------------------------------------------------------------------------------------------ plain

    @Test
    void readsAreIssuedOnlyWhenTheWindowOpens() throws IOException {
        TcpTestbed bed = bed();
        disk(perUnit(true), 512);
        byte[] content = TcpTestbed.bytes(400_000, 3);
        Owner owner = new Owner();
        ExtentSource src = path.plain(file("a.bin", content), 1000, 300_000, owner);
        Recorder app = new Recorder();
        TcpConnection c = bed.establishedServer(app);
        assertTrue(c.write(src, src.length()));
        bed.settle();
        bed.expectNothing();
        assertEquals(10, path.waitingUnits(), "the initial window asked for ten segments, nothing read yet");
        assertEquals(0, path.counters().diskReads);

        iterate(3);
        List<Seg> sent = bed.recv();
        assertEquals(10, sent.size(), "the initial window, not 300,000 bytes");
        assertEquals(10, path.counters().diskReads, "one read per segment TCP may send, none ahead");
        for (int i = 0; i < 10; i++) {
            assertEquals(L + i * MSS, sent.get(i).seq);
            assertArrayEquals(Arrays.copyOfRange(content, 1000 + i * MSS, 1000 + (i + 1) * MSS), sent.get(i).payload);
        }
        iterate(3);
        assertEquals(10, path.counters().diskReads, "no ACK, no window, no read");

        bed.send(in().seq(R).ack(L + 2 * MSS).win(WINDOW));
        iterate();
        assertEquals(4, bed.recv().size(), "two acknowledged: slid by two, grew by two");
        assertEquals(14, path.counters().diskReads);
        assertEquals(0, path.counters().budgetInUse, "everything read was handed to the ring");
        assertEquals(0, path.counters().diskReReads);

        c.abort();
        bed.settle();
        assertEquals(0, owner.refCnt(), "the region is released once TCP is done with it");
    }

    @Test
    void framesThatCannotTakeTheReadGetItThroughTheStagingArea() throws IOException {
        TcpTestbed bed = bed();
        disk(perUnit(false), 512);
        byte[] content = TcpTestbed.bytes(100_000, 9);
        ExtentSource src = path.plain(file("a.bin", content), 333, 50_000, new Owner());
        TcpConnection c = bed.establishedServer(new Recorder());
        c.write(src, src.length());
        iterate(2);
        List<Seg> sent = bed.recv();
        assertTenSegmentsOf(sent, content, 333);
        DiskSendCounters k = path.counters();
        assertEquals(10L * MSS, k.fileBytesSent);
        assertEquals(k.fileBytesSent, k.cpuCopiedBytes, "staged: every byte copied once");
        assertEquals(1.0, k.copiedPerByteSent());
    }

    @Test
    void aDeviceWithoutMemoryAlignmentReadsTheWholeBlocksStraightIntoTheFrames() throws IOException {
        TcpTestbed bed = bed();
        disk(perUnit(true), 1);
        byte[] content = TcpTestbed.bytes(100_000, 9);
        ExtentSource src = path.plain(file("a.bin", content), 0, 50_000, new Owner());
        TcpConnection c = bed.establishedServer(new Recorder());
        c.write(src, src.length());
        iterate(2);
        List<Seg> sent = bed.recv();
        assertTenSegmentsOf(sent, content, 0);
        DiskSendCounters k = path.counters();
        // only the partial end blocks of each 1460-byte read are bounced: at most 2 x 511 bytes per segment
        assertTrue(k.cpuCopiedBytes <= 10L * 2 * 511, "copied " + k.cpuCopiedBytes);
        assertTrue(k.copiedPerByteSent() < 0.7, "ratio " + k.copiedPerByteSent());
    }

    // ------------------------------------------------------------------------------------------ TLS

    @Test
    void aLostSegmentIsReadAgainAndResealedIdentically() throws Exception {
        TcpTestbed bed = bed();
        disk(perUnit(true), 512);
        byte[] content = TcpTestbed.bytes(100_000, 21);
        RecordProtection key = writeKey();
        int payload = MSS - key.overhead(); // one record a segment
        RecordLayout layout = new RecordLayout(payload, key.overhead(), 20L * payload - 700);
        ExtentSource src = path.sealed(file("a.bin", content), 4096 + 7, key, layout, 0, new Owner());
        TcpConnection c = bed.establishedServer(new Recorder());
        bed.write(c, "HTTP/1.1 200 OK\r\n\r\n".getBytes());
        int header = "HTTP/1.1 200 OK\r\n\r\n".length();
        bed.recv();
        bed.send(in().seq(R).ack(L + header).win(WINDOW));
        c.write(src, src.length());
        iterate(2);
        List<Seg> first = bed.recv();
        assertEquals(10, first.size());
        for (int i = 0; i < 10; i++) {
            assertEquals(MSS, first.get(i).payload.length, "one whole record per segment");
            assertEquals(ContentType.APPLICATION_DATA, first.get(i).payload[0]);
        }
        assertEquals(10L * payload, path.counters().sealedInPlaceBytes, "sealed in the frames");
        assertEquals(0, path.counters().sealedInStagingBytes);

        // the first record's segment is lost: the timeout sends it again, read and sealed again
        advance(200);
        iterate();
        List<Seg> again = bed.recv();
        assertEquals(1, again.size());
        assertEquals(first.getFirst(), again.getFirst(), "byte-identical ciphertext");
        DiskSendCounters k = path.counters();
        assertEquals(1, k.diskReReads);
        assertEquals(MSS, k.reReadBytes);
        assertEquals(1, k.recordsResealed);

        // the rest, in slow start with every segment acknowledged
        List<Seg> all = new ArrayList<>(first);
        int acked = L + header;
        for (int round = 0; round < 20 && acked - L - header < src.length(); round++) {
            int highest = acked;
            for (Seg s : all) {
                highest = Math.max(highest, s.seq + s.payload.length);
            }
            acked = highest;
            bed.send(in().seq(R).ack(acked).win(WINDOW));
            iterate(2);
            all.addAll(bed.recv());
        }
        byte[] wire = stream(all, L + header, (int) src.length());
        assertArrayEquals(Arrays.copyOfRange(content, 4096 + 7, 4096 + 7 + (int) layout.length()), open(wire));
    }

    @Test
    void recordsReadIntoSlotsAreSealedFromThereIntoTheFramesAndResealedIdentically() throws Exception {
        TcpTestbed bed = bed();
        disk(perUnit(false), 512); // frames that cannot take the read
        byte[] content = TcpTestbed.bytes(100_000, 22);
        RecordProtection key = writeKey();
        int payload = MSS - key.overhead();
        RecordLayout layout = new RecordLayout(payload, key.overhead(), 10L * payload);
        ExtentSource src = path.sealed(file("a.bin", content), 777, key, layout, 0, new Owner());
        TcpConnection c = bed.establishedServer(new Recorder());
        c.write(src, src.length());
        iterate(2);
        List<Seg> first = bed.recv();
        assertEquals(10, first.size());
        DiskSendCounters k = path.counters();
        assertEquals(10L * payload, k.sealedInPlaceBytes, "sealed into the frames");
        assertEquals(0, k.cpuCopiedBytes, "from the slots: the encryption moved the bytes");
        advance(200);
        iterate();
        List<Seg> again = bed.recv();
        assertEquals(first.getFirst(), again.getFirst(), "read into a slot again, sealed again: byte-identical");
        assertEquals(1, k.recordsResealed);
        assertArrayEquals(Arrays.copyOfRange(content, 777, 777 + 10 * payload), open(stream(first, (int) src.length())));
    }

    @Test
    void recordsLargerThanASegmentAreSealedInStagingAndStillOpen() throws Exception {
        TcpTestbed bed = bed();
        disk(perUnit(true), 512);
        byte[] content = TcpTestbed.bytes(100_000, 5);
        RecordProtection key = writeKey();
        RecordLayout layout = new RecordLayout(4000, key.overhead(), 12_345);
        ExtentSource src = path.sealed(file("a.bin", content), 100, key, layout, 0, new Owner());
        TcpConnection c = bed.establishedServer(new Recorder());
        c.write(src, src.length());
        iterate(2);
        List<Seg> sent = new ArrayList<>(bed.recv());
        for (int round = 0; round < 5; round++) {
            bed.send(in().seq(R).ack(highest(sent, L)).win(WINDOW));
            iterate(2);
            sent.addAll(bed.recv());
        }
        assertEquals(L + (int) src.length(), highest(sent, L), "all of it sent");
        // segments end where a record ends, when one ends inside them
        assertEquals(MSS, sent.get(0).payload.length);
        assertEquals(MSS, sent.get(1).payload.length);
        assertEquals(4022 - 2 * MSS, sent.get(2).payload.length);
        assertArrayEquals(Arrays.copyOfRange(content, 100, 100 + 12_345), open(stream(sent, (int) src.length())));
        DiskSendCounters k = path.counters();
        assertTrue(k.sealedInStagingBytes > 0);
        assertTrue(k.copiedPerByteSent() > 0.9, "parts of records are copied out of the slot: " + k.copiedPerByteSent());
        // each record is read and sealed once: the segments with its other parts copy from the cached slot
        assertEquals(12_345, k.sealedInStagingBytes + k.sealedInPlaceBytes, "every plaintext byte sealed once");
        assertTrue(k.cacheHits > 0);
        assertEquals(0, k.budgetInUse, "cached records give their budget back when their last part is sent");
    }

    @Test
    void fullSizeRecordsAreSealedInPlaceInLargeFrames() throws Exception {
        // a port with segmentation offload: a 16 KiB record fits one frame, read into it and sealed there
        TcpTestbed bed = bed();
        byte[] content = TcpTestbed.bytes(200_000, 8);
        ExtentSource src = writeRecordsInLargeFrames(bed, content, 12_345, 150_000).source();
        List<Seg> sent = new ArrayList<>(bed.recv());
        List<Seg> fresh = new ArrayList<>(sent);
        for (int round = 0; round < 20 && highest(sent, L) < L + src.length(); round++) {
            // a receiver that acknowledges every second segment: slow start doubles the window each round
            for (int i = 1; i < fresh.size(); i += 2) {
                bed.send(in().seq(R).ack(fresh.get(i).seq + fresh.get(i).payload.length).win(WINDOW));
            }
            bed.send(in().seq(R).ack(highest(sent, L)).win(WINDOW));
            iterate(2);
            fresh = bed.recv();
            sent.addAll(fresh);
        }
        assertArrayEquals(Arrays.copyOfRange(content, 12_345, 12_345 + 150_000), open(stream(sent, (int) src.length())));
        DiskSendCounters k = path.counters();
        // the initial window (10 segments) is smaller than a record: the first record goes in parts, through a slot;
        // once the window holds whole records, TCP cuts its large frames at record ends and they are sealed in place
        assertTrue(k.sealedInPlaceBytes >= 6L * RecordProtection.MAX_PLAINTEXT, "in place: " + k.sealedInPlaceBytes);
        assertTrue(k.sealedInStagingBytes > 0);
        System.out.printf("16 KiB records in large frames: %d units read, %d B sealed in place, %d B in slots, "
                + "%.3f B copied per B sent%n", k.diskReads, k.sealedInPlaceBytes, k.sealedInStagingBytes,
                k.copiedPerByteSent());
        assertTrue(k.copiedPerByteSent() < 0.25, "copied per byte sent: " + k.copiedPerByteSent());
    }

    @Test
    void theWindowGrowsPastTheRecordsItHoldsWholeAndFramesCarrySeveral() throws Exception {
        // A window of 1.8 records sends one record a round trip, its flight 0.8 of a record short of the window. That
        // window is still the limit (the next record does not fit it), so slow start must grow it: sized by the flight
        // alone it stayed at one record a frame and a round trip for good.
        TcpTestbed bed = bed();
        byte[] content = TcpTestbed.bytes(400_000, 11);
        RecordsWritten w = writeRecordsInLargeFrames(bed, content, 0, 300_000);
        ExtentSource src = w.source();
        TcpConnection c = w.connection();
        int record = RecordProtection.MAX_PLAINTEXT + w.key().overhead();
        List<Seg> sent = new ArrayList<>(bed.recv());
        acknowledgeAll(bed, sent, src.length(), WINDOW, 40);
        assertArrayEquals(Arrays.copyOf(content, 300_000), open(stream(sent, (int) src.length())));
        assertTrue(bed.largestSegmentedPayload >= 2 * record,
                "largest frame " + bed.largestSegmentedPayload + " B, a record is " + record);
        assertTrue(c.cc.cwnd() >= 3 * record, "cwnd " + c.cc.cwnd());
    }

    @Test
    void aWindowThePeerLimitsDoesNotGrowTheCongestionWindow() throws Exception {
        // The same records to a receiver that offers 24,000 bytes: its window, not cwnd, stops each output short of
        // the next record, and RFC 7661 grows only a congestion window in use.
        TcpTestbed bed = bed();
        byte[] content = TcpTestbed.bytes(400_000, 12);
        RecordsWritten w = writeRecordsInLargeFrames(bed, content, 0, 200_000);
        List<Seg> sent = new ArrayList<>(bed.recv());
        acknowledgeAll(bed, sent, w.source().length(), 24_000, 1);
        long cwnd = w.connection().cc.cwnd();
        acknowledgeAll(bed, sent, w.source().length(), 24_000, 40);
        assertArrayEquals(Arrays.copyOf(content, 200_000), open(stream(sent, (int) w.source().length())));
        assertEquals(cwnd, w.connection().cc.cwnd(), "the peer's window was the limit throughout");
    }

    /**
     * Up to {@code rounds} round trips until {@code length} bytes have been sent: everything sent so far acknowledged
     * at once (as a receiver with GRO does), offering {@code window}; what goes out is added to {@code sent}.
     */
    private void acknowledgeAll(TcpTestbed bed, List<Seg> sent, long length, int window, int rounds)
            throws IOException {
        for (int round = 0; round < rounds && highest(sent, L) < L + length; round++) {
            bed.send(in().seq(R).ack(highest(sent, L)).win(window));
            iterate(2);
            sent.addAll(bed.recv());
        }
    }

    private record RecordsWritten(ExtentSource source, TcpConnection connection, RecordProtection key) {}

    /**
     * A connection on a port with segmentation offload that writes {@code length} bytes of {@code content} from
     * {@code offset} as 16 KiB records, each read into its own unit; the first window has been sent.
     */
    private RecordsWritten writeRecordsInLargeFrames(TcpTestbed bed, byte[] content, int offset, int length)
            throws Exception {
        bed.segmentationLimit = 65_535;
        disk(perUnit(true), 1);
        RecordProtection key = writeKey();
        RecordLayout layout = new RecordLayout(RecordProtection.MAX_PLAINTEXT, key.overhead(), length);
        ExtentSource src = path.sealed(file("a.bin", content), offset, key, layout, 0, new Owner());
        TcpConnection c = bed.establishedServer(new Recorder());
        c.write(src, src.length());
        iterate(2);
        return new RecordsWritten(src, c, key);
    }

    // ------------------------------------------------------------------------------------------ budget, errors

    @Test
    void theBudgetIsNeverExceededAndBatchesSpanConnections() throws IOException {
        // four segment reads (each covers at most four 512-byte blocks) fit the budget; reads take 1 ms
        disk(new DiskSendConfig(4 * 2048, 64, 16, 32 * 1024, true), 512);
        readDelay = TimeUnit.MICROSECONDS.toNanos(1000);
        List<TcpConnection> connections = new ArrayList<>();
        List<byte[]> contents = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            TcpTestbed b = bed();
            TcpConnection c = b.establishedServer(new Recorder());
            byte[] content = TcpTestbed.bytes(30_000, 40 + i);
            contents.add(content);
            ExtentSource src = path.plain(file("c" + i + ".bin", content), 0, 20 * MSS, new Owner());
            c.write(src, src.length());
            connections.add(c);
        }
        List<List<Seg>> received = runAcknowledgingWithinBudget(400);
        DiskSendCounters k = path.counters();
        assertTrue(k.budgetHighWater <= path.config().budgetBytes());
        assertTrue(k.batchesBoundByBudget > 0, "the budget held reads back");
        assertTrue(iterationsWaitingForReads > 0, "units waited for the budget that reads in flight hold");
        assertFalse(path.waitsForReads(), "nothing waits at the end");
        assertEquals(0, k.oversizeAdmissions);
        for (int i = 0; i < 3; i++) {
            assertArrayEquals(Arrays.copyOf(contents.get(i), 20 * MSS), stream(received.get(i), 20 * MSS),
                    "connection " + i);
        }
    }

    @Test
    void cachedRecordsStayWithinTheBudgetAcrossConnections() throws Exception {
        // 4000-byte records over 1460-byte segments: most segments carry parts of records kept in staging slots;
        // the budget covers two such records, three connections compete (cached records must give way), reads take 1 ms
        disk(new DiskSendConfig(2 * 5120, 64, 16, 32 * 1024, true), 512);
        readDelay = TimeUnit.MICROSECONDS.toNanos(1000);
        List<byte[]> contents = new ArrayList<>();
        List<ExtentSource> sources = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            TcpTestbed b = bed();
            TcpConnection c = b.establishedServer(new Recorder());
            byte[] content = TcpTestbed.bytes(60_000, 60 + i);
            contents.add(content);
            RecordProtection key = writeKey();
            ExtentSource src = path.sealed(file("r" + i + ".bin", content), 100 + i,
                    key, new RecordLayout(4000, key.overhead(), 40_000), 0, new Owner());
            c.write(src, src.length());
            sources.add(src);
        }
        List<List<Seg>> received = runAcknowledgingWithinBudget(600);
        for (int i = 0; i < 3; i++) {
            int wire = (int) sources.get(i).length();
            assertArrayEquals(Arrays.copyOfRange(contents.get(i), 100 + i, 100 + i + 40_000),
                    open(stream(received.get(i), wire)), "connection " + i);
        }
        DiskSendCounters k = path.counters();
        assertTrue(k.cacheHits > 0, "parts served from sealed slots");
        assertTrue(k.cacheEvictions > 0, "cached records gave way to other connections' reads");
        assertTrue(k.budgetHighWater <= path.config().budgetBytes());
        assertEquals(0, k.oversizeAdmissions);
        System.out.printf("cached records, 3 connections: %d reads, %d cache hits, %d evictions, budget high water %d%n",
                k.diskReads, k.cacheHits, k.cacheEvictions, k.budgetHighWater);
    }

    @Test
    void anAbortWhileReadsAreInFlightKeepsTheFileOpenUntilTheyComplete() throws IOException {
        TcpTestbed bed = bed();
        disk(perUnit(true), 512);
        readDelay = TimeUnit.MILLISECONDS.toNanos(5);
        Owner owner = new Owner();
        DiskFile f = file("a.bin", TcpTestbed.bytes(50_000, 2));
        TcpConnection c = bed.establishedServer(new Recorder());
        ExtentSource src = path.plain(f, 0, 40_000, owner);
        c.write(src, src.length());
        iterate();
        assertEquals(10, path.unitsInFlight());
        c.abort();
        bed.settle();
        assertEquals(1, owner.refCnt(), "reads in flight target the file: the region stays");
        advance(10);
        iterate();
        assertEquals(0, path.unitsInFlight());
        assertEquals(0, owner.refCnt(), "released once the last read completed");
        assertEquals(0, path.counters().budgetInUse);
        // the file stays usable for the next extent
        readDelay = 0;
        Owner next = new Owner();
        TcpTestbed other = bed();
        TcpConnection c2 = other.establishedServer(new Recorder());
        assertTrue(c2.write(path.plain(f, 0, 1000, next), 1000));
        iterate(2);
        assertEquals(1, other.recv().size());
    }

    @Test
    void aUnitLargerThanTheBudgetIsReadWhenItIsAlone() throws IOException {
        TcpTestbed bed = bed();
        bed.segmentationLimit = 65_535;
        disk(new DiskSendConfig(4096, 64, 16, 32 * 1024, true), 512);
        byte[] content = TcpTestbed.bytes(50_000, 6);
        TcpConnection c = bed.establishedServer(new Recorder());
        ExtentSource src = path.plain(file("a.bin", content), 0, 14_600, new Owner());
        c.write(src, src.length());
        iterate(2);
        List<Seg> sent = bed.recv();
        assertArrayEquals(Arrays.copyOf(content, 14_600), stream(sent, 14_600), "one large frame of ten segments");
        assertEquals(1, path.counters().oversizeAdmissions, "over the budget, but alone: read, and counted");
    }

    @Test
    void aDiskErrorOnARetransmissionClosesOnlyThatConnection() throws IOException {
        TcpTestbed a = bed();
        TcpTestbed b = bed();
        disk(perUnit(true), 512);
        byte[] content = TcpTestbed.bytes(60_000, 1);
        Recorder appA = new Recorder();
        Recorder appB = new Recorder();
        TcpConnection ca = a.establishedServer(appA);
        TcpConnection cb = b.establishedServer(appB);
        Owner ownerA = new Owner();
        ca.write(path.plain(file("a.bin", content), 0, 5 * MSS, ownerA), 5 * MSS);
        cb.write(path.plain(file("b.bin", content), 0, 5 * MSS, new Owner()), 5 * MSS);
        iterate(2);
        assertEquals(5, a.recv().size());
        assertEquals(5, b.recv().size());

        failing = "a."; // from now on a.bin cannot be read
        advance(200);   // both lost their first segment
        iterate(2);
        List<Seg> fromA = a.recv();
        assertEquals(1, fromA.size());
        assertTrue((fromA.getFirst().flags & org.diskcryptnet.netmap.wire.TcpHeader.RST) != 0, "A is reset");
        assertEquals(TcpState.CLOSED, ca.state());
        assertTrue(appA.events.contains("closed:SOURCE_FAILED"), appA.events.toString());
        assertEquals(0, ownerA.refCnt(), "A's region released");

        List<Seg> fromB = b.recv();
        assertEquals(1, fromB.size());
        assertEquals(L, fromB.getFirst().seq);
        assertArrayEquals(Arrays.copyOf(content, MSS), fromB.getFirst().payload, "B resent its segment, read again");
        b.send(in().seq(R).ack(L + 5 * MSS).win(WINDOW));
        iterate();
        assertEquals(TcpState.ESTABLISHED, cb.state());
        assertEquals(1, path.counters().readFailures);
        assertEquals(2, path.counters().diskReReads);
        assertEquals(0, path.counters().budgetInUse);
    }
}
