package org.diskcryptnet.netmap.tcp;

import static org.diskcryptnet.netmap.tcp.TcpTestbed.WINDOW;
import static org.diskcryptnet.netmap.tcp.TcpTestbed.in;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.diskcryptnet.disk.DiskFile;
import org.diskcryptnet.disk.memory.MemoryBackend;
import org.diskcryptnet.netmap.datapath.DiskSendCounters;
import org.diskcryptnet.netmap.datapath.ExtentSource;
import org.diskcryptnet.netmap.wire.TcpHeader;
import org.diskcryptnet.tls.record.RecordLayout;
import org.diskcryptnet.tls.record.RecordProtection;

/**
 * A file that changes under the send path (issue 8): a range already sent is never read again from a changed file,
 * never sealed again with its nonce. Deterministic, on the {@link DiskSendFixture}: real TCP layers on the test clock,
 * the in-memory disk backend on the same clock, which lets a test write or truncate a file between two loop
 * iterations ({@link MemoryBackend#write}, {@link MemoryBackend#truncate}) as another process would.
 */
class DiskSendFileChangeTest extends DiskSendFixture {

    @BeforeEach
    void onePathPerTest() {
        disk(perUnit(true), 512);
    }

    /** One record per segment, as the channel lays them out. */
    private ExtentSource records(DiskFile f, long records, Owner owner) {
        RecordProtection k = writeKey();
        int payload = MSS - k.overhead();
        return path.sealed(f, 4096 + 7, k, new RecordLayout(payload, k.overhead(), records * payload), 0, owner);
    }

    private static boolean reset(Seg s) {
        return (s.flags & TcpHeader.RST) != 0;
    }

    @Test
    void aRecordOfAFileChangedBeforeItsRetransmissionIsNeitherReadNorSealedAgain() throws IOException {
        TcpTestbed a = bed();
        TcpTestbed b = bed();
        byte[] content = TcpTestbed.bytes(100_000, 31);
        Recorder appA = new Recorder();
        TcpConnection ca = a.establishedServer(appA);
        TcpConnection cb = b.establishedServer(new Recorder());
        Owner ownerA = new Owner();
        DiskFile fa = file("a.bin", content);
        ExtentSource sa = records(fa, 20, ownerA);
        ExtentSource sb = records(file("b.bin", content), 20, new Owner());
        ca.write(sa, sa.length());
        cb.write(sb, sb.length());
        iterate(2);
        assertEquals(10, a.recv().size());
        List<Seg> firstB = b.recv();
        assertEquals(10, firstB.size());
        DiskSendCounters k = path.counters();
        long sealed = k.sealedInPlaceBytes;
        long reads = k.diskReads;

        MemoryBackend.write(fa, 4096 + 100, TcpTestbed.bytes(200, 99)); // inside A's first record
        advance(200); // both lose their first segment: the timeout sends it again
        iterate(2);
        List<Seg> fromA = a.recv();
        assertEquals(1, fromA.size());
        assertTrue(reset(fromA.getFirst()), "A is reset instead of getting a record sealed again over new bytes");
        assertEquals(TcpState.CLOSED, ca.state());
        assertTrue(appA.events.contains("closed:SOURCE_FAILED"), appA.events.toString());
        assertEquals(0, ownerA.refCnt(), "A's region released");

        List<Seg> fromB = b.recv();
        assertEquals(1, fromB.size());
        assertEquals(firstB.getFirst(), fromB.getFirst(), "B, same loop, untouched file: read and sealed again identically");
        assertEquals(TcpState.ESTABLISHED, cb.state());
        assertEquals(1, k.fileChangedAborts);
        assertEquals(reads + 1, k.diskReads, "B's record read again, nothing of A's");
        assertEquals(1, k.recordsResealed, "B's only");
        assertEquals(sealed + (MSS - writeKey().overhead()), k.sealedInPlaceBytes, "B's record only");
        assertEquals(0, k.readFailures, "a change is not a read failure");
        assertEquals(0, k.budgetInUse);
    }

    @Test
    void aPlainRangeOfAChangedFileIsNotReadAgain() throws IOException {
        TcpTestbed a = bed();
        TcpTestbed b = bed();
        byte[] content = TcpTestbed.bytes(60_000, 32);
        TcpConnection ca = a.establishedServer(new Recorder());
        TcpConnection cb = b.establishedServer(new Recorder());
        DiskFile fa = file("a.bin", content);
        ca.write(path.plain(fa, 0, 5 * MSS, new Owner()), 5 * MSS);
        cb.write(path.plain(file("b.bin", content), 0, 5 * MSS, new Owner()), 5 * MSS);
        iterate(2);
        a.recv();
        b.recv();
        // the same size, new bytes: only the file's times tell
        MemoryBackend.write(fa, 0, TcpTestbed.bytes(MSS, 7));
        advance(200);
        iterate(2);
        List<Seg> fromA = a.recv();
        assertEquals(1, fromA.size());
        assertTrue(reset(fromA.getFirst()));
        assertEquals(TcpState.CLOSED, ca.state());
        List<Seg> fromB = b.recv();
        assertEquals(1, fromB.size());
        assertArrayEquals(Arrays.copyOf(content, MSS), fromB.getFirst().payload, "B resent its segment, read again");
        assertEquals(TcpState.ESTABLISHED, cb.state());
        assertEquals(1, path.counters().fileChangedAborts);
        assertEquals(1, path.counters().diskReReads, "B's");
    }

    @Test
    void aFileChangedWhileTheReReadIsInFlightIsCaughtBeforeSealing() throws IOException {
        TcpTestbed a = bed();
        readDelay = TimeUnit.MILLISECONDS.toNanos(5);
        byte[] content = TcpTestbed.bytes(100_000, 33);
        TcpConnection ca = a.establishedServer(new Recorder());
        DiskFile fa = file("a.bin", content);
        ExtentSource sa = records(fa, 20, new Owner());
        ca.write(sa, sa.length());
        iterate(1);
        advance(10);
        iterate(1);
        assertEquals(10, a.recv().size());
        long sealed = path.counters().sealedInPlaceBytes;

        advance(200);
        iterate(1); // the timeout asked for the first record again: checked, unchanged, its read submitted
        assertEquals(1, path.unitsInFlight());
        MemoryBackend.write(fa, 4096 + 100, TcpTestbed.bytes(200, 98));
        advance(10);
        iterate(1);
        List<Seg> fromA = a.recv();
        assertEquals(1, fromA.size());
        assertTrue(reset(fromA.getFirst()));
        DiskSendCounters k = path.counters();
        assertEquals(1, k.fileChangedAborts);
        assertEquals(1, k.diskReReads, "read again, but");
        assertEquals(0, k.recordsResealed, "not sealed again");
        assertEquals(sealed, k.sealedInPlaceBytes);
        assertEquals(0, k.budgetInUse);
    }

    @Test
    void aFileTruncatedBelowTheExtentResetsItsConnections() throws IOException {
        // A: truncated, then asked for bytes it never sent: the first read comes back short.
        // B: truncated, then a lost segment: refused by the version check before any read.
        TcpTestbed a = bed();
        TcpTestbed b = bed();
        byte[] content = TcpTestbed.bytes(60_000, 34);
        Recorder appA = new Recorder();
        TcpConnection ca = a.establishedServer(appA);
        TcpConnection cb = b.establishedServer(new Recorder());
        DiskFile fa = file("a.bin", content);
        DiskFile fb = file("b.bin", content);
        ca.write(path.plain(fa, 0, 20 * MSS, new Owner()), 20 * MSS);
        cb.write(path.plain(fb, 0, 20 * MSS, new Owner()), 20 * MSS);
        iterate(2);
        List<Seg> sentA = a.recv();
        assertEquals(10, sentA.size());
        assertEquals(10, b.recv().size());
        MemoryBackend.truncate(fa, 3000);
        MemoryBackend.truncate(fb, 3000);
        a.send(in().seq(R).ack(L + 10 * MSS).win(WINDOW));
        iterate(2);
        List<Seg> fromA = a.recv();
        assertTrue(!fromA.isEmpty() && reset(fromA.getLast()), "A reset: " + fromA.size() + " segments");
        for (Seg s : fromA) {
            assertTrue(reset(s), "no segment of A carries bytes of the shrunk file");
        }
        assertTrue(appA.events.contains("closed:SOURCE_FAILED"), appA.events.toString());
        DiskSendCounters k = path.counters();
        assertTrue(k.readFailures >= 1, "A's first reads came back short");
        assertEquals(0, k.fileChangedAborts, "a first read is not checked");

        advance(200);
        iterate(2);
        List<Seg> fromB = b.recv();
        assertEquals(1, fromB.size());
        assertTrue(reset(fromB.getFirst()));
        assertEquals(TcpState.CLOSED, cb.state());
        assertEquals(1, k.fileChangedAborts, "B's lost segment: the version check");
        assertEquals(0, k.diskReReads);
        assertEquals(0, k.budgetInUse);
        assertEquals(0, path.unitsInFlight());
    }
}
