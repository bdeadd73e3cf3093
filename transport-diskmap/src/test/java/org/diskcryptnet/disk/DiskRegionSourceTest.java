package org.diskcryptnet.disk;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
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
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.netty.channel.DefaultEventLoop;
import io.netty.channel.EventLoop;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import org.diskcryptnet.disk.memory.FaultPlan;
import org.diskcryptnet.disk.memory.MemoryBackend;
import org.diskcryptnet.disk.uring.IoUringBackend;
import org.diskcryptnet.tls.netty.RegionSource;

/**
 * {@link DiskRegionSource} under a full disk queue: fills that wait for room, and regions abandoned (the connection
 * gone) while their fills wait. On a plain {@link DefaultEventLoop}, whose disk loop polls from a timer.
 */
class DiskRegionSourceTest {

    private static final int DEPTH = 4;
    private static final int READ = 4096;

    @TempDir
    Path dir;

    private static DiskBackend backend(String name) {
        if (name.equals("io_uring")) {
            assumeTrue(IoUringBackend.isAvailable(), () -> "io_uring unavailable: " + IoUringBackend.unavailabilityCause());
            return new IoUringBackend();
        }
        return new MemoryBackend(FaultPlan.NONE);
    }

    /** Counts one source's completions; latches on the first {@code expected} successes. */
    private static final class Fills implements RegionSource.Completion {
        final AtomicInteger filled = new AtomicInteger();
        final AtomicInteger failed = new AtomicInteger();
        final CountDownLatch done;

        Fills(int expected) {
            done = new CountDownLatch(expected);
        }

        @Override
        public void filled() {
            filled.incrementAndGet();
            done.countDown();
        }

        @Override
        public void failed(Throwable cause) {
            failed.incrementAndGet();
        }
    }

    /**
     * The HTTPS wedge after a burst of aborted connections: the queue is full, regions wait for room, and their
     * connections end. Their backlog must not be started once the region (and its file) is closed: each such read
     * used to take a queue slot and then fail, stranded in the submission ring without a flush, until every slot of
     * the loop was stranded and no body on that loop was read again. A region that comes afterwards must be served.
     */
    @ParameterizedTest
    @ValueSource(strings = {"memory", "io_uring"})
    void regionsAbandonedWhileWaitingForRoomDoNotStrandTheQueue(String backendName) throws Exception {
        byte[] content = new byte[DEPTH * READ];
        new Random(41).nextBytes(content);
        List<Path> files = new ArrayList<>();
        for (int i = 0; i < DEPTH + 2; i++) {
            files.add(Files.write(dir.resolve("f" + i + ".bin"), content));
        }
        EventLoop loop = new DefaultEventLoop();
        DiskStorage.Config config = new DiskStorage.Config(DEPTH, 64 * 1024, 4, 2);
        // The storage closes first: it waits for reads in flight before the buffer they target is freed.
        try (Arena arena = Arena.ofShared();
             DiskStorage storage = new DiskStorage(backend(backendName), dir, config)) {
            MemorySegment buffer = arena.allocate((long) (2 * DEPTH + 1) * READ, 4096);
            Fills filler = new Fills(DEPTH);
            Fills abandoned = new Fills(1);
            Fills later = new Fills(1);
            DiskRegionSource[] sources = new DiskRegionSource[DEPTH + 2];
            loop.submit(() -> {
                for (int i = 0; i < sources.length; i++) {
                    sources[i] = new DiskRegionSource(storage.region(files.get(i), 0, content.length), loop);
                }
                // One region takes every slot of the queue ...
                for (int k = 0; k < DEPTH; k++) {
                    sources[0].fill(buffer, (long) k * READ, (long) k * READ, READ, filler);
                }
                // ... DEPTH more wait for room, and their connections end before any read completes ...
                for (int i = 1; i <= DEPTH; i++) {
                    sources[i].fill(buffer, (long) (DEPTH + i - 1) * READ, 0, READ, abandoned);
                    sources[i].close();
                }
                // ... and a new connection's body waits behind them.
                sources[DEPTH + 1].fill(buffer, 2L * DEPTH * READ, READ, READ, later);
                return null;
            }).get(5, TimeUnit.SECONDS);

            assertTrue(filler.done.await(5, TimeUnit.SECONDS), "the reads that had room completed");
            assertTrue(later.done.await(5, TimeUnit.SECONDS),
                    "the region after the abandoned ones was never read: " + state(loop, storage));
            assertArrayEquals(Arrays.copyOfRange(content, READ, 2 * READ),
                    buffer.asSlice(2L * DEPTH * READ, READ).toArray(ValueLayout.JAVA_BYTE));
            for (int k = 0; k < DEPTH; k++) {
                assertArrayEquals(Arrays.copyOfRange(content, k * READ, (k + 1) * READ),
                        buffer.asSlice((long) k * READ, READ).toArray(ValueLayout.JAVA_BYTE));
            }
            assertEquals(0, abandoned.filled.get() + abandoned.failed.get(),
                    "an abandoned region's waiting fills are dropped, never reported");
            assertEquals(0, later.failed.get());

            loop.submit(() -> {
                sources[0].close();
                sources[DEPTH + 1].close();
            }).get(5, TimeUnit.SECONDS);
            long deadline = System.nanoTime() + 5_000_000_000L;
            String idle;
            while (!(idle = state(loop, storage)).equals("0 0 0") && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            assertEquals("0 0 0", idle, "reads in flight, queued but unsubmitted, and slots taken once all is done");
        } finally {
            loop.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    /** "reads in flight in the queue, queued but unsubmitted, reader slots taken" of the loop's disk queue. */
    private static String state(EventLoop loop, DiskStorage storage) throws Exception {
        return loop.submit(() -> {
            DiskLoop d = storage.loop(loop);
            return d.queue().inFlight() + " " + d.queue().queued() + " " + d.reader().inFlight();
        }).get(5, TimeUnit.SECONDS);
    }
}
