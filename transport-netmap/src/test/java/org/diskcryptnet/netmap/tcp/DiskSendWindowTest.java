package org.diskcryptnet.netmap.tcp;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import org.diskcryptnet.netmap.datapath.DiskSendConfig;
import org.diskcryptnet.netmap.datapath.DiskSendCounters;
import org.diskcryptnet.netmap.datapath.ExtentSource;
import org.diskcryptnet.netmap.wire.TcpHeader;
import org.diskcryptnet.tls.record.RecordLayout;
import org.diskcryptnet.tls.record.RecordProtection;

import static org.diskcryptnet.netmap.tcp.TcpTestbed.WINDOW;
import static org.diskcryptnet.netmap.tcp.TcpTestbed.in;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The send path's read windows ({@code ReadAheadWindows}): a connection's segments are copied out of one read of
 * the blocks that hold the run TCP asked for (plus any read-ahead), not read one by one. Deterministic, on the
 * {@link DiskSendFixture}; 512-byte blocks.
 */
class DiskSendWindowTest extends DiskSendFixture {

    private static long alignUp(long x) {
        return (x + 511) & -512;
    }

    private static long alignDown(long x) {
        return x & -512;
    }

    @Test
    void aWindowReadsTheBlocksOfTheRunTcpAskedForOnceAndItsLastBlockServesTheNextSegment() throws IOException {
        TcpTestbed bed = bed();
        disk(DiskSendConfig.defaults(true).withReadAhead(0), 512);
        byte[] content = TcpTestbed.bytes(400_000, 3);
        Owner owner = new Owner();
        ExtentSource src = path.plain(file("a.bin", content), 1000, 300_000, owner);
        TcpConnection c = bed.establishedServer(new Recorder());
        c.write(src, src.length());
        iterate(2);
        List<Seg> sent = bed.recv();
        assertTenSegmentsOf(sent, content, 1000);
        DiskSendCounters k = path.counters();
        assertEquals(1, k.windowReads, "ten segments, one read");
        assertEquals(alignUp(1000 + 10 * MSS) - alignDown(1000), k.windowBytesRead, "their blocks, nothing ahead");
        iterate(3);
        assertEquals(1, k.windowReads, "no ACK, no window, no read");

        bed.send(in().seq(R).ack(L + 2 * MSS).win(WINDOW));
        iterate(2);
        List<Seg> next = bed.recv();
        assertEquals(4, next.size());
        for (int i = 0; i < 4; i++) {
            int at = 1000 + (10 + i) * MSS;
            assertArrayEquals(Arrays.copyOfRange(content, at, at + MSS), next.get(i).payload);
        }
        assertEquals(2, k.windowReads);
        assertEquals(alignUp(1000 + 14 * MSS) - alignDown(1000), k.windowBytesRead,
                "the second read starts where the first ended: the block they share is read once");
        assertEquals(14L * MSS, k.windowBytesServed);
        assertEquals(k.fileBytesSent, k.cpuCopiedBytes, "copied out of the window, once");

        c.abort();
        bed.settle();
        assertEquals(0, owner.refCnt());
        assertEquals(0, k.budgetInUse, "the window went with its source");
    }

    @Test
    void readAheadReadsBeyondTheRunWithinTheBudgetsShareOfEachSendingConnection() throws IOException {
        TcpTestbed bed = bed();
        disk(new DiskSendConfig(512 * 1024, 64, 16, 32 * 1024, true, 32 * 1024), 512);
        byte[] content = TcpTestbed.bytes(400_000, 4);
        ExtentSource src = path.plain(file("a.bin", content), 1000, 300_000, new Owner());
        TcpConnection c = bed.establishedServer(new Recorder());
        c.write(src, src.length());
        iterate(2);
        assertEquals(10, bed.recv().size());
        DiskSendCounters k = path.counters();
        assertEquals(1, k.windowReads);
        assertEquals(alignUp(1000 + 10 * MSS + 32 * 1024) - alignDown(1000), k.windowBytesRead, "the run and 32 KiB");
        bed.send(in().seq(R).ack(L + 4 * MSS).win(WINDOW));
        iterate(2);
        List<Seg> next = bed.recv();
        assertEquals(8, next.size());
        assertArrayEquals(Arrays.copyOfRange(content, 1000 + 10 * MSS, 1000 + 18 * MSS), stream(next, L + 10 * MSS,
                8 * MSS));
        assertEquals(1, k.windowReads, "served from what was read ahead");
        c.abort();
        bed.settle();

        // 16 connections sending at once over a 64 KiB budget: a share of 4 KiB each, run and read-ahead together
        path.close();
        disk(new DiskSendConfig(64 * 1024, 64, 16, 32 * 1024, true, 32 * 1024), 512);
        List<TcpTestbed> many = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            TcpTestbed b = bed();
            TcpConnection ci = b.establishedServer(new Recorder());
            ExtentSource si = path.plain(file("m" + i + ".bin", content), 0, 300_000, new Owner());
            ci.write(si, MSS); // one segment each, so that the reads are not bound by the budget
            many.add(b);
        }
        iterate(4);
        for (TcpTestbed b : many) {
            assertEquals(1, b.recv().size());
        }
        assertEquals(16, path.counters().windowReads);
        assertEquals(16 * 4096, path.counters().windowBytesRead, "a 64 KiB budget over 16 sources");
    }

    @Test
    void aRunLargerThanItsShareOfTheBudgetIsReadWithoutReadAhead() throws IOException {
        // 8 connections over a 64 KiB budget: a share of 8 KiB each, below a run of 6 segments (8,688 bytes). A
        // read-ahead would sit in a window that is evicted idle before the next ACK, read for nothing.
        disk(new DiskSendConfig(64 * 1024, 64, 16, 32 * 1024, true, 32 * 1024), 512);
        byte[] content = TcpTestbed.bytes(100_000, 9);
        List<TcpTestbed> many = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            TcpTestbed b = bed();
            TcpConnection ci = b.establishedServer(new Recorder());
            ci.write(path.plain(file("r" + i + ".bin", content), 0, 50_000, new Owner()), 6 * MSS);
            many.add(b);
        }
        iterate(8);
        for (TcpTestbed b : many) {
            List<Seg> segs = b.recv();
            assertEquals(6, segs.size());
            assertArrayEquals(Arrays.copyOfRange(content, 0, 6 * MSS), stream(segs, L, 6 * MSS));
        }
        DiskSendCounters k = path.counters();
        assertEquals(8, k.windowReads);
        assertEquals(8 * alignUp(6 * MSS), k.windowBytesRead, "the runs' blocks only");
        assertTrue(k.budgetHighWater <= path.config().budgetBytes());
    }

    @Test
    void recordsAreSealedFromWindowsIntoTheFramesAndALostOneIsReadAgainFromDisk() throws Exception {
        TcpTestbed bed = bed();
        disk(DiskSendConfig.defaults(true), 512);
        byte[] content = TcpTestbed.bytes(200_000, 21);
        RecordProtection key = writeKey();
        int payload = MSS - key.overhead(); // one record a segment, as the channel lays them out
        RecordLayout layout = new RecordLayout(payload, key.overhead(), 90L * payload - 700);
        ExtentSource src = path.sealed(file("a.bin", content), 4096 + 7, key, layout, 0, new Owner());
        TcpConnection c = bed.establishedServer(new Recorder());
        c.write(src, src.length());
        iterate(2);
        List<Seg> first = bed.recv();
        assertEquals(10, first.size());
        DiskSendCounters k = path.counters();
        assertEquals(1, k.windowReads);
        assertEquals(10L * payload, k.sealedInPlaceBytes, "sealed in the frames");
        assertEquals(0, k.cpuCopiedBytes, "sealed from the window into the frames: the encryption moved the bytes");

        advance(200); // the first segment is lost: the timeout sends it again, read from disk, not from the window
        iterate(2);
        List<Seg> again = bed.recv();
        assertEquals(1, again.size());
        assertEquals(first.getFirst(), again.getFirst(), "byte-identical ciphertext");
        assertEquals(1, k.diskReReads);
        assertEquals(1, k.recordsResealed);
        assertEquals(1, k.windowReads, "the retransmission did not go through the window");

        List<Seg> all = new ArrayList<>(first);
        for (int round = 0; round < 30 && highest(all, L) < L + src.length(); round++) {
            bed.send(in().seq(R).ack(highest(all, L)).win(WINDOW));
            iterate(2);
            all.addAll(bed.recv());
        }
        byte[] wire = stream(all, (int) src.length());
        assertArrayEquals(Arrays.copyOfRange(content, 4096 + 7, 4096 + 7 + (int) layout.length()), open(wire));
        assertEquals(layout.length() + payload, k.sealedInPlaceBytes, "every record sealed once, the lost one twice");
        assertTrue(k.windowReads <= 6, "90 records in " + k.windowReads + " window reads");
        assertTrue(k.cpuCopiedBytes <= (k.windowReads - 1) * payload,
                "only records across two windows are copied, then sealed: " + k.cpuCopiedBytes);
    }

    @Test
    void idleWindowsGiveWayToOtherConnectionsAndTheBudgetHolds() throws IOException {
        // six connections, a 40 KiB budget, 32 KiB of read-ahead wanted each, reads take 1 ms
        disk(new DiskSendConfig(40 * 1024, 64, 16, 32 * 1024, true, 32 * 1024), 512);
        readDelay = TimeUnit.MICROSECONDS.toNanos(1000);
        List<byte[]> contents = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            TcpTestbed b = bed();
            TcpConnection c = b.establishedServer(new Recorder());
            byte[] content = TcpTestbed.bytes(60_000, 50 + i);
            contents.add(content);
            ExtentSource src = path.plain(file("c" + i + ".bin", content), 3 * i, 30 * MSS, new Owner());
            c.write(src, src.length());
        }
        List<List<Seg>> received = runAcknowledgingWithinBudget(800);
        for (int i = 0; i < 6; i++) {
            assertArrayEquals(Arrays.copyOfRange(contents.get(i), 3 * i, 3 * i + 30 * MSS),
                    stream(received.get(i), 30 * MSS), "connection " + i);
        }
        DiskSendCounters k = path.counters();
        assertTrue(k.windowEvictions > 0, "idle windows gave way");
        assertTrue(k.budgetHighWater <= path.config().budgetBytes());
        assertEquals(0, k.oversizeAdmissions);
        System.out.printf("windows, 6 connections, 40 KiB budget: %d window reads, %d B read for %d B sent, "
                + "%d evictions%n", k.windowReads, k.windowBytesRead, k.fileBytesSent, k.windowEvictions);
    }

    @Test
    void aFailedWindowReadResetsOnlyItsConnection() throws IOException {
        TcpTestbed a = bed();
        TcpTestbed b = bed();
        disk(DiskSendConfig.defaults(true), 512);
        failing = "a.";
        byte[] content = TcpTestbed.bytes(60_000, 1);
        Recorder appA = new Recorder();
        TcpConnection ca = a.establishedServer(appA);
        TcpConnection cb = b.establishedServer(new Recorder());
        Owner ownerA = new Owner();
        ca.write(path.plain(file("a.bin", content), 0, 20 * MSS, ownerA), 20 * MSS);
        cb.write(path.plain(file("b.bin", content), 0, 5 * MSS, new Owner()), 5 * MSS);
        iterate(2);
        List<Seg> fromA = a.recv();
        assertTrue(!fromA.isEmpty(), "A is told");
        for (Seg s : fromA) {
            assertTrue((s.flags & TcpHeader.RST) != 0 && s.payload.length == 0, "A is reset, nothing of its file sent");
        }
        assertEquals(TcpState.CLOSED, ca.state());
        assertTrue(appA.events.contains("closed:SOURCE_FAILED"), appA.events.toString());
        assertEquals(0, ownerA.refCnt(), "A's region released");
        List<Seg> fromB = b.recv();
        assertArrayEquals(Arrays.copyOf(content, 5 * MSS), stream(fromB, 5 * MSS));
        assertEquals(TcpState.ESTABLISHED, cb.state());
        assertTrue(path.counters().readFailures > 0);
    }
}
