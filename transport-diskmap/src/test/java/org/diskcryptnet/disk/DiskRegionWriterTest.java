package org.diskcryptnet.disk;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.diskcryptnet.disk.linux.Fcntl;
import org.diskcryptnet.disk.linux.Mman;
import org.diskcryptnet.disk.memory.Fault;
import org.diskcryptnet.disk.memory.FaultPlan;
import org.diskcryptnet.disk.memory.MemoryBackend;
import org.diskcryptnet.disk.uring.IoUringBackend;

/** DiskRegion served through DiskRegionWriter on real epoll loops and loopback TCP, with real and injected faults. */
class DiskRegionWriterTest {

    @TempDir
    Path root;

    byte[] good;
    byte[] big;

    @BeforeEach
    void files() throws IOException {
        good = random(3 * 1024 * 1024 + 777, 21);
        Files.write(root.resolve("good.bin"), good);
        Files.write(root.resolve("bad.bin"), good);
    }

    static byte[] random(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    static void needIoUring() {
        assumeTrue(IoUringBackend.isAvailable(), () -> "io_uring unavailable: " + IoUringBackend.unavailabilityCause());
    }

    private static DiskStorage.Config smallChunks() {
        return new DiskStorage.Config(32, 64 * 1024, 16, 2);
    }

    @Test
    void servesWholeFilesAndUnalignedRangesExactlyOverIoUring() throws Exception {
        needIoUring();
        int fd = Fcntl.open(root.resolve("good.bin").toString(), Fcntl.O_RDONLY | Fcntl.O_CLOEXEC);
        try (RegionServer s = new RegionServer(new DiskStorage(new IoUringBackend(), root, smallChunks()), 1, true, true)) {
            Fcntl.dropFromPageCache(fd);
            assertEquals(0, Mman.residentPages(fd, good.length), "could not start from a cold page cache");
            long[][] ranges = {{0, good.length}, {1, 1}, {4095, 8193}, {511, 65 * 1024 + 3}, {good.length - 5, 5},
                    {123_456, 1_000_000}, {0, 0}};
            for (long[] r : ranges) {
                byte[] got = s.fetch("good.bin", r[0], r[1]);
                assertArrayEquals(Arrays.copyOfRange(good, (int) r[0], (int) (r[0] + r[1])), got,
                        "range " + r[0] + "+" + r[1]);
            }
            DiskStats stats = s.storage.stats().getFirst();
            assertEquals("io_uring", stats.backend());
            assertTrue(stats.reads() > 0 && stats.bytes() >= good.length, "reads were counted");
            assertEquals(0, stats.errors());
            // The file's pages never entered the page cache.
            assertEquals(0, Mman.residentPages(fd, good.length), "direct reads left pages in the page cache");
        } finally {
            Fcntl.close(fd);
        }
    }

    @Test
    void manyConcurrentConnectionsOnTwoLoopsEachGetTheirOwnBytes() throws Exception {
        needIoUring();
        try (RegionServer s = new RegionServer(new DiskStorage(new IoUringBackend(), root, smallChunks()), 2, true, true)) {
            ExecutorService clients = Executors.newFixedThreadPool(16);
            try {
                List<Future<Boolean>> results = new ArrayList<>();
                Random rnd = new Random(5);
                for (int i = 0; i < 64; i++) {
                    int off = rnd.nextInt(good.length);
                    int len = rnd.nextInt(good.length - off);
                    results.add(clients.submit(() -> Arrays.equals(Arrays.copyOfRange(good, off, off + len),
                            s.fetch("good.bin", off, len))));
                }
                for (Future<Boolean> f : results) {
                    assertTrue(f.get(60, TimeUnit.SECONDS));
                }
            } finally {
                clients.shutdownNow();
            }
        }
    }

    @Test
    void anInjectedErrorEndsOnlyThatResponse() throws Exception {
        FaultPlan plan = FaultPlan.forFiles("bad.bin", (f, off, len, seq) -> off >= 1024 * 1024 ? Fault.ioError() : Fault.NONE);
        try (RegionServer s = new RegionServer(new DiskStorage(new MemoryBackend(plan), root, smallChunks()), 1, true, true)) {
            ExecutorService clients = Executors.newFixedThreadPool(8);
            try {
                List<Future<byte[]>> goodOnes = new ArrayList<>();
                List<Future<byte[]>> badOnes = new ArrayList<>();
                for (int i = 0; i < 6; i++) {
                    goodOnes.add(clients.submit(() -> s.fetch("good.bin", 0, good.length)));
                    badOnes.add(clients.submit(() -> s.fetch("bad.bin", 0, good.length)));
                }
                for (Future<byte[]> f : goodOnes) {
                    assertArrayEquals(good, f.get(60, TimeUnit.SECONDS));
                }
                for (Future<byte[]> f : badOnes) {
                    byte[] got = f.get(60, TimeUnit.SECONDS);
                    assertTrue(got.length < good.length, "a failed response must end early");
                    assertArrayEquals(Arrays.copyOf(good, got.length), got, "what was sent before the error is correct");
                }
            } finally {
                clients.shutdownNow();
            }
            DiskStats stats = s.storage.stats().getFirst();
            assertTrue(stats.errors(Arrays.asList(DiskStats.ERROR_KINDS).indexOf("eio")) >= 6);
        }
    }

    @Test
    void aShortReadEndsTheResponseAndDelaysOnlySlowIt() throws Exception {
        FaultPlan plan = (f, off, len, seq) -> f.path().getFileName().toString().equals("bad.bin")
                ? (off >= 512 * 1024 ? Fault.shortRead(1000) : Fault.NONE)
                : Fault.delay(2_000_000);
        try (RegionServer s = new RegionServer(new DiskStorage(new MemoryBackend(plan), root, smallChunks()), 1, true, true)) {
            byte[] slow = s.fetch("good.bin", 7, 900_000);
            assertArrayEquals(Arrays.copyOfRange(good, 7, 900_007), slow);
            byte[] cut = s.fetch("bad.bin", 0, good.length);
            assertTrue(cut.length <= 512 * 1024 + 1000 && cut.length < good.length, "cut at " + cut.length);
            assertArrayEquals(Arrays.copyOf(good, cut.length), cut);
            DiskStats stats = s.storage.stats().getFirst();
            assertTrue(stats.errors(Arrays.asList(DiskStats.ERROR_KINDS).indexOf("short_read")) >= 1);
        }
    }

    @Test
    void aFileTruncatedUnderLoadEndsItsResponsesAndNoOthers() throws Exception {
        needIoUring();
        big = random(24 * 1024 * 1024, 22);
        Files.write(root.resolve("victim.bin"), big);
        try (RegionServer s = new RegionServer(new DiskStorage(new IoUringBackend(), root, smallChunks()), 2, true, true)) {
            ExecutorService clients = Executors.newFixedThreadPool(12);
            try {
                List<Future<byte[]>> victims = new ArrayList<>();
                List<Future<byte[]>> others = new ArrayList<>();
                for (int i = 0; i < 6; i++) {
                    victims.add(clients.submit(() -> s.fetch("victim.bin", 0, big.length, 2)));
                    others.add(clients.submit(() -> s.fetch("good.bin", 0, good.length, 1)));
                }
                Thread.sleep(300); // the victims' responses are under way (a slow client takes seconds for 24 MiB)
                try (RandomAccessFile raf = new RandomAccessFile(root.resolve("victim.bin").toFile(), "rw")) {
                    raf.setLength(1024 * 1024);
                }
                for (Future<byte[]> f : others) {
                    assertArrayEquals(good, f.get(60, TimeUnit.SECONDS), "a response of another file was affected");
                }
                for (Future<byte[]> f : victims) {
                    byte[] got = f.get(60, TimeUnit.SECONDS);
                    assertTrue(got.length < big.length, "a truncated file's response must end early");
                    assertArrayEquals(Arrays.copyOf(big, got.length), got, "bytes sent before the truncation are right");
                }
            } finally {
                clients.shutdownNow();
            }
            long shortReads = 0;
            for (DiskStats st : s.storage.stats()) {
                shortReads += st.errors(Arrays.asList(DiskStats.ERROR_KINDS).indexOf("short_read"));
            }
            assertTrue(shortReads >= 1, "the truncation was counted as short reads");
        }
    }

    @Test
    void transferToServesWithoutTheWriterOnNioAndEpoll() throws Exception {
        needIoUring();
        for (boolean epoll : new boolean[] {false, true}) {
            try (RegionServer s = new RegionServer(new DiskStorage(new IoUringBackend(), root, smallChunks()), 1, epoll, false)) {
                assertArrayEquals(good, s.fetch("good.bin", 0, good.length));
                assertArrayEquals(Arrays.copyOfRange(good, 3, 70_003), s.fetch("good.bin", 3, 70_000));
            }
        }
    }

    @Test
    void nioLoopsPollCompletionsFromATimer() throws Exception {
        needIoUring();
        try (RegionServer s = new RegionServer(new DiskStorage(new IoUringBackend(), root, smallChunks()), 1, false, true)) {
            assertArrayEquals(Arrays.copyOfRange(good, 100, 300_100), s.fetch("good.bin", 100, 300_000));
        }
    }
}
