package org.diskcryptnet.disk;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import org.diskcryptnet.disk.linux.Errno;
import org.diskcryptnet.disk.memory.Fault;
import org.diskcryptnet.disk.memory.FaultPlan;
import org.diskcryptnet.disk.memory.MemoryBackend;
import org.diskcryptnet.disk.uring.IoUringBackend;

class DiskReaderTest {

    @TempDir
    Path dir;

    static Stream<String> backends() {
        return Stream.of("io_uring", "memory");
    }

    static DiskBackend backend(String name) {
        if (name.equals("io_uring")) {
            assumeTrue(IoUringBackend.isAvailable(), () -> "io_uring unavailable: " + IoUringBackend.unavailabilityCause());
            return new IoUringBackend();
        }
        return new MemoryBackend(FaultPlan.NONE);
    }

    private static byte[] random(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    /** Runs reads to completion on this thread; returns the result. */
    private static int complete(DiskReader reader, int[] result) throws IOException {
        reader.flush();
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (result[0] == Integer.MIN_VALUE && System.nanoTime() < deadline) {
            reader.await();
        }
        return result[0];
    }

    @ParameterizedTest
    @MethodSource("backends")
    void exactReadsReturnPreciselyTheRequestedBytesForEveryAlignment(String name) throws IOException {
        byte[] content = random(3 * 4096 + 1234, 11); // the last block is partial
        Path file = Files.write(dir.resolve("x.bin"), content);
        DiskBackend backend = backend(name);
        long[][] cases = {
                {0, 4096}, {0, content.length}, {1, 10}, {100, 4000}, {511, 2}, {4095, 2}, {4096, 4096 * 2},
                {700, 3 * 4096}, {content.length - 1, 1}, {content.length - 1234, 1234}, {513, content.length - 513},
                {0, 1}, {4096 * 3, 1234}, {8191, 4097}};
        try (DiskFile f = backend.openFile(file); DiskQueue q = backend.newQueue(16); Arena arena = Arena.ofConfined()) {
            DiskReader reader = new DiskReader(q, new DiskStats(q.backend()));
            for (long[] c : cases) {
                long pos = c[0];
                int len = (int) c[1];
                // The destination's first whole block must land aligned: offset it like a TLS record's payload.
                long lead = f.alignUp(pos) - pos;
                MemorySegment buf = arena.allocate(len + 8192, 4096);
                long dstOffset = (4096 - lead % 4096) % 4096;
                int[] result = {Integer.MIN_VALUE};
                assertTrue(reader.readExact(f, pos, len, buf, dstOffset, (ck, r) -> result[0] = r, 1));
                assertEquals(len, complete(reader, result), "read of " + len + " at " + pos);
                byte[] got = buf.asSlice(dstOffset, len).toArray(ValueLayout.JAVA_BYTE);
                assertArrayEquals(Arrays.copyOfRange(content, (int) pos, (int) pos + len), got, "bytes at " + pos);
            }
            assertEquals(cases.length, reader.stats().reads());
            assertEquals(0, reader.stats().errors());
            reader.close();
        }
    }

    @ParameterizedTest
    @MethodSource("backends")
    void coveringReadReturnsBytesFromTheAlignedStart(String name) throws IOException {
        byte[] content = random(10_000, 12);
        Path file = Files.write(dir.resolve("y.bin"), content);
        DiskBackend backend = backend(name);
        try (DiskFile f = backend.openFile(file); DiskQueue q = backend.newQueue(4); Arena arena = Arena.ofConfined()) {
            DiskReader reader = new DiskReader(q, new DiskStats(q.backend()));
            MemorySegment buf = arena.allocate(16384, 4096);
            int[] result = {Integer.MIN_VALUE};
            assertTrue(reader.readCovering(f, 8192, 8192, buf, 0, 10_000 - 8192, (ck, r) -> result[0] = r, 1));
            assertEquals(10_000 - 8192, complete(reader, result));
            assertArrayEquals(Arrays.copyOfRange(content, 8192, 10_000),
                    buf.asSlice(0, 10_000 - 8192).toArray(ValueLayout.JAVA_BYTE));
            reader.close();
        }
    }

    /**
     * A read of a closed file is refused before it takes anything: it used to take a reader slot and a queue entry
     * and only then fail, leaving the entry in the submission ring unsubmitted with no flush scheduled (the HTTPS
     * wedge: abandoned regions' backlogs stranded every slot of the loop's queue).
     */
    @ParameterizedTest
    @MethodSource("backends")
    void readsOfAClosedFileAreRefusedBeforeTakingASlot(String name) throws IOException {
        Path file = Files.write(dir.resolve("closed.bin"), random(16384, 14));
        DiskBackend backend = backend(name);
        try (DiskQueue q = backend.newQueue(4); Arena arena = Arena.ofConfined()) {
            DiskReader reader = new DiskReader(q, new DiskStats(q.backend()));
            int[] flushes = {0};
            reader.flushScheduler(() -> flushes[0]++);
            DiskFile f = backend.openFile(file);
            f.close();
            MemorySegment buf = arena.allocate(16384, 4096);
            IllegalStateException covering = assertThrows(IllegalStateException.class,
                    () -> reader.readCovering(f, 0, 4096, buf, 0, 4096, (ck, r) -> { }, 1));
            assertTrue(covering.getMessage().contains("closed"), covering.getMessage());
            long lead = f.alignUp(100) - 100; // the first whole block lands aligned, as readExact requires
            IllegalStateException exact = assertThrows(IllegalStateException.class,
                    () -> reader.readExact(f, 100, 5000, buf, (4096 - lead % 4096) % 4096, (ck, r) -> { }, 2));
            assertTrue(exact.getMessage().contains("closed"), exact.getMessage());
            assertEquals(0, q.inFlight(), "no queue entry taken");
            assertEquals(0, q.queued(), "nothing left unsubmitted in the ring");
            assertEquals(0, reader.inFlight(), "no reader slot taken");
            assertEquals(0, flushes[0]);
            reader.close();
        }
    }

    @ParameterizedTest
    @MethodSource("backends")
    void misalignedDestinationIsRefusedWithTheRule(String name) throws IOException {
        Path file = Files.write(dir.resolve("z.bin"), random(16384, 13));
        DiskBackend backend = backend(name);
        try (DiskFile f = backend.openFile(file); DiskQueue q = backend.newQueue(4); Arena arena = Arena.ofConfined()) {
            DiskReader reader = new DiskReader(q, new DiskStats(q.backend()));
            MemorySegment buf = arena.allocate(16384 + 4096, 4096);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> reader.readExact(f, 0, 8192, buf, 5, (ck, r) -> {}, 1));
            assertTrue(e.getMessage().contains("multiple of " + f.memoryAlignment()), e.getMessage());
            assertThrows(IllegalArgumentException.class,
                    () -> reader.readExact(f, 0, 100, MemorySegment.ofArray(new byte[100]), 0, (ck, r) -> {}, 1));
            assertEquals(0, q.inFlight());
            reader.close();
        }
    }

    @Test
    void injectedErrorsShortReadsAndDelaysReachTheCallbackAndTheCounters() throws IOException {
        byte[] content = random(64 * 1024, 14);
        Path file = Files.write(dir.resolve("f.bin"), content);
        long[] now = {0};
        FaultPlan plan = (f, off, len, seq) -> switch ((int) seq) {
            case 0 -> Fault.ioError();
            case 1 -> Fault.shortRead(100);
            case 2 -> Fault.delay(1_000_000);
            default -> Fault.NONE;
        };
        MemoryBackend backend = new MemoryBackend(plan, 512, 512, () -> now[0]);
        try (DiskFile f = backend.openFile(file); DiskQueue q = backend.newQueue(4); Arena arena = Arena.ofConfined()) {
            DiskStats stats = new DiskStats(q.backend());
            DiskReader reader = new DiskReader(q, stats);
            MemorySegment buf = arena.allocate(8192, 4096);
            int[] r = {Integer.MIN_VALUE, Integer.MIN_VALUE, Integer.MIN_VALUE};
            assertTrue(reader.readExact(f, 0, 4096, buf, 0, (ck, res) -> r[(int) ck] = res, 0));
            assertTrue(reader.readExact(f, 4096, 4096, buf, 4096, (ck, res) -> r[(int) ck] = res, 1));
            reader.flush();
            reader.poll();
            assertEquals(-Errno.EIO, r[0]);
            assertEquals(DiskResult.SHORT_READ, r[1]);
            assertTrue(reader.readExact(f, 0, 4096, buf, 0, (ck, res) -> r[(int) ck] = res, 2));
            reader.flush();
            reader.poll();
            assertEquals(Integer.MIN_VALUE, r[2], "a delayed read completed early");
            now[0] += 1_000_000;
            reader.poll();
            assertEquals(4096, r[2]);
            assertEquals(3, stats.reads());
            assertEquals(2, stats.errors());
            assertEquals(1, stats.errors(Arrays.asList(DiskStats.ERROR_KINDS).indexOf("eio")));
            assertEquals(1, stats.errors(Arrays.asList(DiskStats.ERROR_KINDS).indexOf("short_read")));
            reader.close();
        }
    }

    @Test
    void aFullQueueRefusesAndWakesTheWaiterWhenRoomFrees() throws IOException {
        Path file = Files.write(dir.resolve("w.bin"), random(64 * 1024, 15));
        MemoryBackend backend = new MemoryBackend(FaultPlan.NONE);
        try (DiskFile f = backend.openFile(file); DiskQueue q = backend.newQueue(4); Arena arena = Arena.ofConfined()) {
            DiskReader reader = new DiskReader(q, new DiskStats(q.backend()));
            MemorySegment buf = arena.allocate(64 * 1024, 4096);
            int done = 0;
            for (int i = 0; i < 4; i++) {
                assertTrue(reader.readExact(f, i * 4096L, 4096, buf, i * 4096L, (ck, r) -> {}, i));
            }
            assertFalse(reader.readExact(f, 5 * 4096L, 4096, buf, 5 * 4096L, (ck, r) -> {}, 5));
            boolean[] woken = {false};
            reader.whenReady(() -> woken[0] = true);
            reader.flush();
            while (reader.inFlight() > 0 && done++ < 1000) {
                reader.poll();
            }
            assertTrue(woken[0]);
            reader.close();
        }
    }
}
