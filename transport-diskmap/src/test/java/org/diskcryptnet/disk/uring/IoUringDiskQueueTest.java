package org.diskcryptnet.disk.uring;

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
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.diskcryptnet.disk.DiskFile;
import org.diskcryptnet.disk.linux.Fcntl;
import org.diskcryptnet.disk.linux.Statx;

class IoUringDiskQueueTest {

    @TempDir
    Path dir;

    @BeforeAll
    static void needsIoUring() {
        assumeTrue(IoUringBackend.isAvailable(), () -> "io_uring unavailable: " + IoUringBackend.unavailabilityCause());
    }

    private static byte[] random(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    @Test
    void readsAlignedBlocksAroundThePageCacheAndCompletesWithoutBlocking() throws IOException {
        byte[] content = random(1 << 20, 1);
        Path file = Files.write(dir.resolve("a.bin"), content);
        IoUringBackend backend = new IoUringBackend();
        try (DiskFile f = backend.openFile(file); var q = backend.newQueue(16); Arena arena = Arena.ofConfined()) {
            assertEquals(content.length, f.size());
            int block = f.blockSize();
            MemorySegment buf = arena.allocate(64 * 1024, 4096);
            List<long[]> done = new ArrayList<>();
            assertTrue(q.read(f, 8 * block, 64 * 1024, buf, 7));
            assertEquals(1, q.submit());
            while (done.isEmpty()) {
                q.await((ud, res) -> done.add(new long[] {ud, res}));
            }
            assertEquals(7, done.get(0)[0]);
            assertEquals(64 * 1024, done.get(0)[1]);
            byte[] got = buf.toArray(ValueLayout.JAVA_BYTE);
            byte[] want = java.util.Arrays.copyOfRange(content, 8 * block, 8 * block + 64 * 1024);
            assertArrayEquals(want, got);
            assertEquals(0, q.inFlight());
        }
    }

    /**
     * A descriptor a server opened for reading (non-blocking, through the page cache) is taken over for direct
     * reads: O_DIRECT is set and O_NONBLOCK cleared on it (its fdinfo says so), and it reads the same bytes.
     */
    @Test
    void adoptsADescriptorOpenedForReadingAndReadsItDirectly() throws IOException {
        byte[] content = random(256 * 1024, 3);
        Path file = Files.write(dir.resolve("adopted.bin"), content);
        IoUringBackend backend = new IoUringBackend();
        int fd = Fcntl.open(file.toString(), Fcntl.O_RDONLY | Fcntl.O_NONBLOCK | Fcntl.O_CLOEXEC);
        try (DiskFile f = backend.adopt(fd, file, Statx.of(fd)); var q = backend.newQueue(4);
             Arena arena = Arena.ofConfined()) {
            assertEquals(fd, f.fd());
            assertEquals(content.length, f.size());
            int flags = Integer.parseInt(Files.readAllLines(Path.of("/proc/self/fdinfo/" + fd)).stream()
                    .filter(l -> l.startsWith("flags:")).findFirst().orElseThrow().substring(6).trim(), 8);
            assertEquals(Fcntl.O_DIRECT, flags & (Fcntl.O_DIRECT | Fcntl.O_NONBLOCK), "fdinfo flags " + Integer.toOctalString(flags));
            MemorySegment buf = arena.allocate(32 * 1024, 4096);
            List<long[]> done = new ArrayList<>();
            assertTrue(q.read(f, 4 * f.blockSize(), 32 * 1024, buf, 9));
            q.submit();
            while (done.isEmpty()) {
                q.await((ud, res) -> done.add(new long[] {ud, res}));
            }
            assertEquals(32 * 1024, done.get(0)[1]);
            assertArrayEquals(java.util.Arrays.copyOfRange(content, 4 * f.blockSize(), 4 * f.blockSize() + 32 * 1024),
                    buf.toArray(ValueLayout.JAVA_BYTE));
        }
    }

    @Test
    void signalsTheEventFdAndPollReapsAfterIt() throws Exception {
        byte[] content = random(256 * 1024, 2);
        Path file = Files.write(dir.resolve("b.bin"), content);
        IoUringBackend backend = new IoUringBackend();
        try (DiskFile f = backend.openFile(file); var q = (IoUringDiskQueue) backend.newQueue(8);
             Arena arena = Arena.ofConfined()) {
            assertTrue(q.completionFd() >= 0);
            MemorySegment buf = arena.allocate(128 * 1024, 4096);
            MemorySegment other = arena.allocate(64 * 1024, 4096);
            assertTrue(q.registerBuffers(other));
            assertTrue(q.registerBuffers(buf), "memory can be added to the fixed buffers while the queue is idle");
            assertEquals(1, q.fixedBufferIndex(buf.address(), 4096));
            assertTrue(q.registerFile(f));
            assertTrue(q.read(f, 0, 128 * 1024, buf, 1));
            q.submit();
            int[] got = {0};
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (got[0] == 0 && System.nanoTime() < deadline) {
                q.poll((ud, res) -> got[0] = res);
                Thread.onSpinWait();
            }
            assertEquals(128 * 1024, got[0]);
            assertArrayEquals(java.util.Arrays.copyOf(content, 128 * 1024), buf.toArray(ValueLayout.JAVA_BYTE));
        }
    }

    /**
     * A send path registers its buffers when a loop first sends a file, when reads of others may be in flight; and
     * forgets them before they are freed, so that a later mapping at the same address is read into unregistered.
     */
    @Test
    void memoryIsAddedWithReadsInFlightAndForgottenBeforeItIsFreed() throws Exception {
        byte[] content = random(256 * 1024, 3);
        Path file = Files.write(dir.resolve("c.bin"), content);
        IoUringBackend backend = new IoUringBackend();
        try (DiskFile f = backend.openFile(file); var q = (IoUringDiskQueue) backend.newQueue(8);
             Arena arena = Arena.ofConfined()) {
            assumeTrue(q.sparseBufferTable(), "this kernel has no sparse fixed-buffer table (Linux 5.19+)");
            MemorySegment first = arena.allocate(64 * 1024, 4096);
            MemorySegment second = arena.allocate(64 * 1024, 4096);
            assertTrue(q.registerBuffers(first));
            assertTrue(q.read(f, 0, 64 * 1024, first, 1));
            q.submit();
            assertTrue(q.registerBuffers(second), "added while a read is in flight");
            assertEquals(1, q.fixedBufferIndex(second.address(), 4096));
            assertTrue(q.read(f, 64 * 1024, 64 * 1024, second, 2)); // READ_FIXED of buffer 1
            q.submit();
            Map<Long, Integer> done = reapAll(q, 2);
            assertEquals(Map.of(1L, 64 * 1024, 2L, 64 * 1024), done);
            assertArrayEquals(Arrays.copyOfRange(content, 64 * 1024, 128 * 1024), second.toArray(ValueLayout.JAVA_BYTE));

            q.unregisterBuffers(second);
            assertEquals(-1, q.fixedBufferIndex(second.address(), 4096), "forgotten");
            assertEquals(0, q.fixedBufferIndex(first.address(), 4096), "the others stay");
            assertTrue(q.read(f, 128 * 1024, 64 * 1024, second, 3)); // a plain read now
            q.submit();
            assertEquals(Map.of(3L, 64 * 1024), reapAll(q, 1));
            assertArrayEquals(Arrays.copyOfRange(content, 128 * 1024, 192 * 1024), second.toArray(ValueLayout.JAVA_BYTE));

            // a forgotten slot takes other memory; a table that is full refuses, and takes nothing of the refused
            MemorySegment[] more = new MemorySegment[7];
            for (int i = 0; i < more.length; i++) {
                more[i] = arena.allocate(4096, 4096);
            }
            assertTrue(q.registerBuffers(more[0]));
            assertEquals(1, q.fixedBufferIndex(more[0].address(), 4096), "the forgotten slot again");
            assertTrue(q.registerBuffers(Arrays.copyOfRange(more, 1, 6)));
            assertFalse(q.registerBuffers(more[6], second), "8 slots: one left for two segments");
            assertEquals(-1, q.fixedBufferIndex(more[6].address(), 4096), "all or none");
            assertTrue(q.registerBuffers(more[6]));
        }
    }

    /**
     * Before Linux 5.19 the table is registered whole: memory is added by registering old and new together, which
     * may happen only while no read is in flight, and every read into the table must still find its buffer (a
     * READ_FIXED whose address the kernel's table does not hold fails with EFAULT).
     */
    @Test
    void aWholeTableTakesMemoryOnlyWhileNoReadIsInFlight() throws Exception {
        byte[] content = random(256 * 1024, 4);
        Path file = Files.write(dir.resolve("d.bin"), content);
        IoUringBackend backend = new IoUringBackend();
        try (DiskFile f = backend.openFile(file);
             var q = new IoUringDiskQueue(IoUringOptions.DEFAULT, 8, 0, false);
             Arena arena = Arena.ofConfined()) {
            assertFalse(q.sparseBufferTable());
            MemorySegment first = arena.allocate(64 * 1024, 4096);
            MemorySegment second = arena.allocate(64 * 1024, 4096);
            MemorySegment third = arena.allocate(64 * 1024, 4096);
            assertTrue(q.registerBuffers(first));
            assertTrue(q.read(f, 0, 64 * 1024, first, 1));
            q.submit();
            assertFalse(q.registerBuffers(second), "refused while a read uses the table");
            assertEquals(-1, q.fixedBufferIndex(second.address(), 4096));
            assertTrue(q.read(f, 64 * 1024, 64 * 1024, second, 2)); // a plain read
            q.submit();
            assertEquals(Map.of(1L, 64 * 1024, 2L, 64 * 1024), reapAll(q, 2));

            assertTrue(q.registerBuffers(second, third), "taken once the queue is idle");
            assertEquals(0, q.fixedBufferIndex(first.address(), 4096), "the old memory registered again");
            assertEquals(2, q.fixedBufferIndex(third.address(), 4096));
            q.unregisterBuffers(second);
            assertEquals(-1, q.fixedBufferIndex(second.address(), 4096), "forgotten");
            MemorySegment fourth = arena.allocate(64 * 1024, 4096);
            assertTrue(q.registerBuffers(fourth), "a table registered again without the forgotten memory");
            assertEquals(-1, q.fixedBufferIndex(second.address(), 4096));
            MemorySegment[] all = {first, second, third, fourth};
            for (int i = 0; i < all.length; i++) {
                all[i].fill((byte) 0);
                assertTrue(q.read(f, i * 64L * 1024, 64 * 1024, all[i], 10 + i));
            }
            q.submit();
            assertEquals(Map.of(10L, 64 * 1024, 11L, 64 * 1024, 12L, 64 * 1024, 13L, 64 * 1024), reapAll(q, 4),
                    "fixed reads into the memory the table holds now, a plain one into the rest");
            for (int i = 0; i < all.length; i++) {
                assertArrayEquals(Arrays.copyOfRange(content, i * 64 * 1024, (i + 1) * 64 * 1024),
                        all[i].toArray(ValueLayout.JAVA_BYTE), "buffer " + i);
            }
        }
    }

    private static Map<Long, Integer> reapAll(IoUringDiskQueue q, int n) throws IOException {
        Map<Long, Integer> done = new HashMap<>();
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (done.size() < n && System.nanoTime() < deadline) {
            q.await((ud, res) -> done.put(ud, res));
        }
        return done;
    }

    @Test
    void sqPollSubmitsWithoutEnteringTheKernelPerBatch() throws IOException {
        byte[] content = random(512 * 1024, 7);
        Path file = Files.write(dir.resolve("sq.bin"), content);
        IoUringBackend backend = new IoUringBackend(IoUringOptions.DEFAULT.withSqPoll(true));
        try (DiskFile f = backend.openFile(file); var q = (IoUringDiskQueue) backend.newQueue(8);
             Arena arena = Arena.ofConfined()) {
            assertTrue((q.ring().setupFlags() & IoUringAbi.IORING_SETUP_SQPOLL) != 0, "SQPOLL was not set up");
            MemorySegment buf = arena.allocate(512 * 1024, 4096);
            for (int i = 0; i < 8; i++) {
                assertTrue(q.read(f, i * 65536L, 65536, buf, i * 65536L, i));
            }
            assertEquals(8, q.submit());
            int[] done = {0};
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (done[0] < 8 && System.nanoTime() < deadline) {
                q.await((ud, res) -> {
                    assertEquals(65536, res);
                    done[0]++;
                });
            }
            assertEquals(8, done[0]);
            assertArrayEquals(content, buf.toArray(ValueLayout.JAVA_BYTE));
        }
    }

    /**
     * The loop's contract: poll when the eventfd fires, and again while {@code completionsPending()}. With
     * DEFER_TASKRUN the kernel posts a bounded batch per enter and announces the rest only by IORING_SQ_TASKRUN,
     * not by the eventfd: an owner that polled on eventfd wake-ups alone would strand them.
     */
    @Test
    void pollAloneReapsEveryCompletionOfALargeBatch() throws Exception {
        byte[] content = random(1 << 20, 8);
        Path file = Files.write(dir.resolve("many.bin"), content);
        IoUringBackend backend = new IoUringBackend();
        try (DiskFile f = backend.openFile(file); var q = (IoUringDiskQueue) backend.newQueue(128);
             Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(128 * 4096, 4096);
            for (int i = 0; i < 128; i++) {
                assertTrue(q.read(f, i * 4096L, 4096, buf, i * 4096L, i));
            }
            q.submit();
            Thread.sleep(300); // a busy loop comes back late: every completion is waiting in the kernel at once
            int[] done = {0};
            long deadline = System.nanoTime() + 5_000_000_000L;
            // Like the epoll bridge: poll only after the eventfd fired; spin on it (non-blocking) in between.
            int polls = 0;
            while (done[0] < 128 && System.nanoTime() < deadline) {
                if (q.drainCompletionFd() > 0) {
                    do {
                        q.poll((ud, res) -> done[0]++);
                        polls++;
                    } while (q.completionsPending());
                }
            }
            assertEquals(128, done[0], "completions were left behind with no wake-up to fetch them");
            assertFalse(q.completionsPending());
            assertTrue(polls >= 1);
            assertArrayEquals(java.util.Arrays.copyOf(content, 128 * 4096), buf.toArray(ValueLayout.JAVA_BYTE));
        }
    }

    @Test
    void readPastEndOfFileReturnsTheBytesUpToIt() throws IOException {
        byte[] content = random(10_000, 3);
        Path file = Files.write(dir.resolve("c.bin"), content);
        IoUringBackend backend = new IoUringBackend();
        try (DiskFile f = backend.openFile(file); var q = backend.newQueue(4); Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(16384, 4096);
            q.read(f, 0, 16384, buf, 1);
            q.submit();
            int[] got = {-1};
            while (got[0] < 0) {
                q.await((ud, res) -> got[0] = res);
            }
            assertEquals(10_000, got[0]);
        }
    }

    @Test
    void refusesUnalignedReads() throws IOException {
        Path file = Files.write(dir.resolve("d.bin"), random(8192, 4));
        IoUringBackend backend = new IoUringBackend();
        try (DiskFile f = backend.openFile(file); var q = backend.newQueue(4); Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(8192, 4096);
            assertThrows(IllegalArgumentException.class, () -> q.read(f, 1, 4096, buf, 1));
            assertThrows(IllegalArgumentException.class, () -> q.read(f, 0, 100, buf, 1));
            assertThrows(IllegalArgumentException.class, () -> q.read(f, 0, 4096, buf.asSlice(1), 1));
            assertThrows(IllegalArgumentException.class, () -> q.read(f, 0, 4096, MemorySegment.ofArray(new byte[4096]), 1));
            assertEquals(0, q.inFlight());
        }
    }

    @Test
    void fullQueueRefusesMoreReads() throws IOException {
        Path file = Files.write(dir.resolve("e.bin"), random(64 * 1024, 5));
        IoUringBackend backend = new IoUringBackend();
        try (DiskFile f = backend.openFile(file); var q = backend.newQueue(2); Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(3 * 4096, 4096);
            assertTrue(q.read(f, 0, 4096, buf, 1));
            assertTrue(q.read(f, 4096, 4096, buf.asSlice(4096), 2));
            assertFalse(q.read(f, 8192, 4096, buf.asSlice(8192), 3));
            q.submit();
            int[] n = {0};
            while (n[0] < 2) {
                q.await((ud, res) -> n[0]++);
            }
        }
    }

    @Test
    void eventFdIsSignalledWhenAReadCompletes() throws Exception {
        Path file = Files.write(dir.resolve("f.bin"), random(64 * 1024, 6));
        IoUringBackend backend = new IoUringBackend();
        try (DiskFile f = backend.openFile(file); var q = (IoUringDiskQueue) backend.newQueue(2);
             Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(4096, 4096);
            q.read(f, 0, 4096, buf, 1);
            q.submit();
            long deadline = System.nanoTime() + 5_000_000_000L;
            long signalled = 0;
            // The eventfd is non-blocking: read it until the kernel bumps it, as epoll would wake on it.
            while (signalled == 0 && System.nanoTime() < deadline) {
                signalled = q.drainCompletionFd();
            }
            assertTrue(signalled > 0, "the completion eventfd was never signalled");
            if ((q.ring().setupFlags() & IoUringAbi.IORING_SETUP_DEFER_TASKRUN) != 0) {
                // Deferred completion work is announced in the SQ flags, which poll() checks before entering.
                assertTrue(q.ring().cqReady() > 0 || (q.ring().sqFlags() & IoUringAbi.IORING_SQ_TASKRUN) != 0);
            }
            int[] res = {0};
            while (res[0] == 0) {
                q.poll((ud, r) -> res[0] = r);
            }
            assertEquals(4096, res[0]);
        }
    }

    @Test
    void fileChangedSeesAWriteATruncationAndAReplacementByRename() throws IOException {
        Path file = Files.write(dir.resolve("v.bin"), random(64 * 1024, 3));
        IoUringBackend backend = new IoUringBackend();
        try (DiskFile f = backend.openFile(file); var q = backend.newQueue(4)) {
            assertFalse(q.fileChanged(f), "as opened");
            // a same-size rewrite: its modification time is set apart explicitly, as a write a clock tick later moves it
            Files.write(file, random(64 * 1024, 4));
            Files.setLastModifiedTime(file, java.nio.file.attribute.FileTime.fromMillis(f.version().mtimeNanos() / 1_000_000 + 5_000));
            assertTrue(q.fileChanged(f), "rewritten in place");
        }
        try (DiskFile f = backend.openFile(file); var q = backend.newQueue(4)) {
            try (var ch = java.nio.channels.FileChannel.open(file, java.nio.file.StandardOpenOption.WRITE)) {
                ch.truncate(4096);
            }
            assertTrue(q.fileChanged(f), "truncated");
        }
        try (DiskFile f = backend.openFile(file); var q = backend.newQueue(4)) {
            Path next = Files.write(dir.resolve("v.bin.new"), random(64 * 1024, 5));
            Files.move(next, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            // the descriptor still reads the old inode, whose bytes did not move; but unlinking it moved its ctime
            // (its link count dropped): reported as changed, on the safe side
            assertTrue(q.fileChanged(f), "replaced by rename");
            q.close();
            assertFalse(q.fileChanged(f), "a closed queue checks nothing (and reads nothing)");
        }
    }
}
