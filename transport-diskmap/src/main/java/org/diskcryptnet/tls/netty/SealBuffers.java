package org.diskcryptnet.tls.netty;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;

import io.netty.util.concurrent.FastThreadLocal;

import org.diskcryptnet.tls.record.RecordProtection;

/**
 * Per-thread (per event loop) pools of the off-heap buffers regions read into and seal in, so that a steady stream of
 * responses allocates nothing. A buffer holds {@link #RECORDS} records, each in a slot roomy enough for any placement
 * an O_DIRECT source needs (see {@link RegionSource}); 4096-aligned.
 */
final class SealBuffers {

    /** Records sealed per batch: 64 KiB of plaintext, a few socket writes' worth. */
    static final int RECORDS = 4;
    static final int ALIGN = 4096;
    /** Slack before a record's payload (header room, O_DIRECT phase) and after it (tag, O_DIRECT tail). */
    static final int SLOT = RecordProtection.MAX_PLAINTEXT + 3 * ALIGN;
    static final int SIZE = RECORDS * SLOT;
    /**
     * Buffers a loop keeps for reuse at least. Beyond it, a loop keeps as many as it has needed: each connection
     * sending a body holds up to two (one written, one being read and sealed), so a fixed cap (64, then 1,024) made
     * a loop with more such connections allocate and zero a fresh buffer per batch: a third of its time at 1,000
     * connections with 64 (JFR, benchmarks/RESULTS.md, issue 8's runs). nginx with {@code output_buffers 1 300k}
     * holds as much per connection.
     */
    static final int MIN_POOLED = 64;
    /**
     * Releases between two trims (several seconds of a busy loop: 1,000 HTTPS connections release about 8,000 a
     * second): buffers that stayed idle since the last trim are let go, half at a time. At 4,096 the pool let go of
     * what a lull of a second or two left idle and zeroed it all again on the next peak.
     */
    static final int DECAY_INTERVAL = 65_536;

    private static final FastThreadLocal<Pool> POOL = new FastThreadLocal<>() {
        @Override
        protected Pool initialValue() {
            return new Pool();
        }
    };

    /**
     * One loop's free buffers. It keeps up to {@code target}, which grows by one for each buffer it had to allocate
     * (every pooled one was in use) and, every {@link #DECAY_INTERVAL} releases, shrinks by half the buffers that
     * stayed in the pool all along (the free list's low-water mark). Nothing counts the buffers out, so a buffer
     * left to the GC (a batch still being read when its connection went away) does not throw the sizing off.
     */
    static final class Pool {
        final ArrayDeque<Buffer> free = new ArrayDeque<>();
        int target = MIN_POOLED;
        int lowWater;
        int releases;
        long allocated;
    }

    /** One buffer and a reusable {@code ByteBuffer} view of it for socket writes. */
    static final class Buffer {
        final MemorySegment segment;
        final ByteBuffer view;

        private Buffer() {
            // Auto arena: a buffer that falls out of a full pool is freed by the GC, never explicitly.
            this.segment = Arena.ofAuto().allocate(SIZE, ALIGN);
            this.view = segment.asByteBuffer();
        }
    }

    private SealBuffers() {}

    static Buffer acquire() {
        Pool pool = POOL.get();
        Buffer b = pool.free.pollFirst();
        if (b == null) {
            b = new Buffer();
            pool.allocated++;
            pool.target++;
        }
        pool.lowWater = Math.min(pool.lowWater, pool.free.size());
        return b;
    }

    static void release(Buffer b) {
        if (b == null) {
            return;
        }
        Pool pool = POOL.get();
        if (pool.free.size() < pool.target) {
            pool.free.addFirst(b);
        }
        if (++pool.releases % DECAY_INTERVAL == 0) {
            pool.target = Math.max(MIN_POOLED, pool.target - pool.lowWater / 2);
            pool.lowWater = pool.free.size();
        }
    }

    /** The calling thread's pool (tests). */
    static Pool pool() {
        return POOL.get();
    }
}
