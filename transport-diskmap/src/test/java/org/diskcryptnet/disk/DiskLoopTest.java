package org.diskcryptnet.disk;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.netty.channel.DefaultEventLoop;
import io.netty.channel.EventLoop;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.diskcryptnet.disk.memory.FaultPlan;
import org.diskcryptnet.disk.linux.Statx;
import org.diskcryptnet.disk.memory.MemoryBackend;

/** {@link DiskLoop}'s submission: reads the kernel does not take at once are not left behind. */
class DiskLoopTest {

    @TempDir
    Path dir;

    /**
     * io_uring_enter may take fewer reads than queued (EAGAIN when the kernel is short of memory, EBUSY, EINTR).
     * The rest used to wait for "the next batch"; with the queue full of them there is none, nothing completes, and
     * the loop's disk I/O stops for good. Here the queue refuses the first submissions outright.
     */
    @Test
    void readsTheKernelDidNotTakeAreSubmittedAgain() throws Exception {
        byte[] content = new byte[8192];
        new Random(43).nextBytes(content);
        Path file = Files.write(dir.resolve("a.bin"), content);
        Refusing backend = new Refusing(3);
        EventLoop loop = new DefaultEventLoop();
        try (Arena arena = Arena.ofShared();
             DiskStorage storage = new DiskStorage(backend, dir, new DiskStorage.Config(4, 64 * 1024, 4, 2))) {
            MemorySegment buffer = arena.allocate(2 * 4096, 4096);
            CountDownLatch done = new CountDownLatch(2);
            AtomicInteger bad = new AtomicInteger();
            DiskReader.Callback callback = (cookie, result) -> {
                if (result != 4096) {
                    bad.incrementAndGet();
                }
                done.countDown();
            };
            loop.submit(() -> {
                DiskReader reader = storage.loop(loop).reader();
                DiskFile f = storage.open(file);
                assertTrue(reader.readCovering(f, 0, 4096, buffer, 0, 4096, callback, 0));
                assertTrue(reader.readCovering(f, 4096, 4096, buffer, 4096, 4096, callback, 1));
                f.close(); // deferred until both reads are done
                return null;
            }).get(5, TimeUnit.SECONDS);
            assertTrue(done.await(5, TimeUnit.SECONDS), "reads refused by the first " + backend.refusals
                    + " submissions were never submitted again");
            assertEquals(0, bad.get());
            assertEquals(0, backend.refusalsLeft, "every refusal was met by a later submission");
            assertArrayEquals(content, buffer.toArray(ValueLayout.JAVA_BYTE));
        } finally {
            loop.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    /** The in-memory backend whose queues take nothing on their first {@code refusals} submissions. */
    private static final class Refusing implements DiskBackend {
        final MemoryBackend inner = new MemoryBackend(FaultPlan.NONE);
        final int refusals;
        volatile int refusalsLeft;

        Refusing(int refusals) {
            this.refusals = refusals;
            this.refusalsLeft = refusals;
        }

        @Override
        public String name() {
            return inner.name();
        }

        @Override
        public DiskFile openFile(Path path) throws IOException {
            return inner.openFile(path);
        }

        @Override
        public DiskFile openBeneath(int rootFd, Path root, String relative) throws IOException {
            return inner.openBeneath(rootFd, root, relative);
        }

        @Override
        public DiskFile adopt(int fd, Path path, Statx.Result version) throws IOException {
            return inner.adopt(fd, path, version);
        }

        @Override
        public DiskFile openDevice(Path path) throws IOException {
            return inner.openDevice(path);
        }

        @Override
        public DiskQueue newQueue(int depth) throws IOException {
            DiskQueue q = inner.newQueue(depth);
            return new DiskQueue() {
                @Override
                public String backend() {
                    return q.backend();
                }

                @Override
                public int depth() {
                    return q.depth();
                }

                @Override
                public int inFlight() {
                    return q.inFlight();
                }

                @Override
                public int queued() {
                    return q.queued();
                }

                @Override
                public boolean read(DiskFile file, long offset, int length, MemorySegment dst, long dstOffset,
                                    long userData) {
                    return q.read(file, offset, length, dst, dstOffset, userData);
                }

                @Override
                public boolean fileChanged(DiskFile file) {
                    return q.fileChanged(file);
                }

                @Override
                public int submit() throws IOException {
                    if (refusalsLeft > 0 && q.queued() > 0) {
                        refusalsLeft--;
                        return 0; // as io_uring_enter failing with EAGAIN: nothing taken
                    }
                    return q.submit();
                }

                @Override
                public int poll(DiskCompletionHandler handler) throws IOException {
                    return q.poll(handler);
                }

                @Override
                public int await(DiskCompletionHandler handler) throws IOException {
                    return q.await(handler);
                }

                @Override
                public int completionFd() {
                    return q.completionFd();
                }

                @Override
                public boolean registerBuffers(MemorySegment... buffers) {
                    return q.registerBuffers(buffers);
                }

                @Override
                public void unregisterBuffers(MemorySegment... buffers) {
                    q.unregisterBuffers(buffers);
                }

                @Override
                public boolean registerFile(DiskFile file) {
                    return q.registerFile(file);
                }

                @Override
                public void unregisterFile(DiskFile file) {
                    q.unregisterFile(file);
                }

                @Override
                public void close() {
                    q.close();
                }
            };
        }
    }
}
