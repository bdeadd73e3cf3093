package org.diskcryptnet.disk;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;

import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.UnpooledUnsafeDirectByteBuf;
import io.netty.util.concurrent.EventExecutor;

/**
 * One loop's read buffers: a single block of off-heap memory, aligned for direct I/O and registered with the
 * loop's queue as a fixed buffer, cut into equal chunks. A chunk is a Netty {@code ByteBuf} that goes back to
 * the pool when its last reference is released (after the transport has written it), so chunks are reused, never
 * allocated per read. Its size bounds the file bytes a loop holds between disk completion and the socket: the
 * per-loop budget the paper asks for (DMA into a cache that is already full leaks to DRAM).
 */
public final class DiskBufferPool {

    private final EventExecutor owner;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment memory;
    private final Chunk[] chunks;
    private final int[] free;
    private int freeCount;
    private final int chunkSize;
    private final ArrayDeque<Runnable> waiters = new ArrayDeque<>();
    private boolean closed;

    public DiskBufferPool(EventExecutor owner, int chunks, int chunkSize) {
        if (chunkSize % 4096 != 0 || chunks <= 0) {
            throw new IllegalArgumentException("chunks must be a positive number of 4 KiB multiples: " + chunks
                    + " x " + chunkSize);
        }
        this.owner = owner;
        this.chunkSize = chunkSize;
        this.memory = arena.allocate((long) chunks * chunkSize, 4096);
        this.chunks = new Chunk[chunks];
        this.free = new int[chunks];
        for (int i = 0; i < chunks; i++) {
            MemorySegment seg = memory.asSlice((long) i * chunkSize, chunkSize);
            this.chunks[i] = new Chunk(this, seg, i);
            free[freeCount++] = chunks - 1 - i;
        }
    }

    /** All chunks as one segment, for registering with the queue as a fixed buffer. */
    public MemorySegment memory() {
        return memory;
    }

    public int chunkSize() {
        return chunkSize;
    }

    public int chunks() {
        return chunks.length;
    }

    public int available() {
        return freeCount;
    }

    /** A free chunk with reference count 1 and empty indexes, or null when all are in use (see {@link #whenAvailable}). */
    public Chunk acquire() {
        if (freeCount == 0) {
            return null;
        }
        Chunk c = chunks[free[--freeCount]];
        c.reuse();
        return c;
    }

    /** Runs {@code waiter} once, on the loop, when a chunk is given back. */
    public void whenAvailable(Runnable waiter) {
        waiters.add(waiter);
    }

    private void giveBack(Chunk c) {
        if (!owner.inEventLoop()) {
            owner.execute(() -> giveBack(c)); // released off-loop (rare): the free list belongs to the loop
            return;
        }
        free[freeCount++] = c.index;
        if (closed && freeCount == chunks.length) {
            arena.close();
            return;
        }
        Runnable w = waiters.poll();
        if (w != null) {
            w.run();
        }
    }

    /** Frees the memory once every chunk is back (immediately when none is out). */
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        waiters.clear();
        if (freeCount == chunks.length) {
            arena.close();
        }
    }

    /**
     * A pooled chunk: a direct {@code ByteBuf} over its slice of the pool, whose {@link #segment()} is what a
     * disk read targets. The bytes a response needs are selected with reader/writer indexes, so a read of
     * covering blocks is sent without copying.
     */
    public static final class Chunk extends UnpooledUnsafeDirectByteBuf {
        private final DiskBufferPool pool;
        private final MemorySegment segment;
        private final int index;

        Chunk(DiskBufferPool pool, MemorySegment segment, int index) {
            super(ByteBufAllocator.DEFAULT, asBuffer(segment), segment.byteSize() > Integer.MAX_VALUE
                    ? Integer.MAX_VALUE : (int) segment.byteSize());
            this.pool = pool;
            this.segment = segment;
            this.index = index;
        }

        private static ByteBuffer asBuffer(MemorySegment segment) {
            return segment.asByteBuffer();
        }

        public MemorySegment segment() {
            return segment;
        }

        void reuse() {
            resetRefCnt();
            clear();
        }

        @Override
        protected void deallocate() {
            pool.giveBack(this); // the memory belongs to the pool: keep the buffer, hand the chunk back
        }
    }
}
