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
     * Buffers a loop keeps for reuse: 1,024 (112 MiB at most, held only after a peak needed them). Each connection
     * sending a body holds up to two (one written, one being read and sealed), so 64 made every loop with more than
     * 32 such connections allocate and zero a fresh buffer per batch: a third of the loop's time at 1,000
     * connections (JFR, benchmarks/RESULTS.md, issue 8's run). nginx with {@code output_buffers 1 300k} holds as much
     * per connection.
     */
    static final int MAX_POOLED = 1024;

    private static final FastThreadLocal<ArrayDeque<Buffer>> POOL = new FastThreadLocal<>() {
        @Override
        protected ArrayDeque<Buffer> initialValue() {
            return new ArrayDeque<>();
        }
    };

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
        Buffer b = POOL.get().pollFirst();
        return b != null ? b : new Buffer();
    }

    static void release(Buffer b) {
        if (b == null) {
            return;
        }
        ArrayDeque<Buffer> pool = POOL.get();
        if (pool.size() < MAX_POOLED) {
            pool.addFirst(b);
        }
    }
}
