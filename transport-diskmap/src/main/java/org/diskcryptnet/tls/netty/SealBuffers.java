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
     * Buffers a loop keeps for reuse at least. Beyond it, a loop keeps as many as it had in use at its recent peak:
     * each connection sending a body holds up to two (one written, one being read and sealed), so a fixed cap (64,
     * then 1,024) made a loop with more such connections allocate and zero a fresh buffer per batch: a third of its
     * time at 1,000 connections with 64, 9% with 1,024 (JFR, benchmarks/RESULTS.md, issue 8's runs). nginx with
     * {@code output_buffers 1 300k} holds as much per connection.
     */
    static final int MIN_POOLED = 64;
    /** Releases between two decays of the peak: a burst's buffers are let go over the next few thousand batches. */
    static final int DECAY_INTERVAL = 4096;

    private static final FastThreadLocal<Pool> POOL = new FastThreadLocal<>() {
        @Override
        protected Pool initialValue() {
            return new Pool();
        }
    };

    /**
     * One loop's free buffers, and how many it has out: it keeps up to the peak in use since the last decay, which
     * halves the distance from the peak to the current use every {@link #DECAY_INTERVAL} releases.
     */
    static final class Pool {
        final ArrayDeque<Buffer> free = new ArrayDeque<>();
        int inUse;
        int peak;
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
        }
        pool.peak = Math.max(pool.peak, ++pool.inUse);
        return b;
    }

    static void release(Buffer b) {
        if (b == null) {
            return;
        }
        Pool pool = POOL.get();
        pool.inUse = Math.max(0, pool.inUse - 1); // a buffer released on another thread is counted there
        if (++pool.releases % DECAY_INTERVAL == 0) {
            pool.peak = pool.inUse + (pool.peak - pool.inUse) / 2;
        }
        if (pool.free.size() + pool.inUse < Math.max(MIN_POOLED, pool.peak)) {
            pool.free.addFirst(b);
        }
    }

    /** The calling thread's pool (tests). */
    static Pool pool() {
        return POOL.get();
    }
}
