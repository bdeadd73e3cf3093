package org.diskcryptnet.disk;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayDeque;

import io.netty.util.internal.logging.InternalLogger;
import io.netty.util.internal.logging.InternalLoggerFactory;

/**
 * One loop's reads through its {@link DiskQueue}, with callbacks: the layer that turns aligned block reads into
 * what servers need. Two kinds of read:
 * <ul>
 *   <li>{@link #readCovering}: the aligned blocks covering a range, into an aligned buffer the caller owns; the
 *       caller then uses the bytes it wants from the middle (zero copies: this is how {@link DiskRegionWriter}
 *       serves unaligned objects).</li>
 *   <li>{@link #readExact}: exactly bytes [position, position + length) into any native destination, such as a
 *       transmit buffer. Whole blocks in the middle go straight from the device into the destination; a partial
 *       first or last block goes through a per-read bounce block and is copied (at most two blocks).</li>
 * </ul>
 * Callbacks run on the loop, from {@link #poll()}. Reads are queued; {@link #flush()} submits the batch, so the
 * reads of every connection in one loop iteration go down in one system call. Owned by one thread; no locks,
 * no allocation per read.
 */
public final class DiskReader implements DiskCompletionHandler {

    /** Receives the outcome of one read: bytes (>= 0) or a {@link DiskResult} code. */
    @FunctionalInterface
    public interface Callback {
        void readComplete(long cookie, int result);
    }

    /** The largest block size {@link #readExact} bounces; larger-block files need {@link #readCovering}. */
    public static final int MAX_BOUNCE_BLOCK = 4096;

    private static final int HEAD = 0;
    private static final int MIDDLE = 1;
    private static final int TAIL = 2;

    private static final InternalLogger LOG = InternalLoggerFactory.getInstance(DiskReader.class);

    private final DiskQueue queue;
    private final DiskStats stats;
    private final Op[] ops;
    private final int[] free;
    private int freeCount;
    private final ArrayDeque<Runnable> waiters = new ArrayDeque<>();
    private final Arena arena = Arena.ofShared();
    private Runnable flushScheduler;
    private boolean flushPending;
    /** The queue's rings are gone: reads are refused and polls find nothing, instead of touching unmapped memory. */
    private boolean closed;

    public DiskReader(DiskQueue queue, DiskStats stats) {
        this.queue = queue;
        this.stats = stats;
        int n = queue.depth();
        this.ops = new Op[n];
        this.free = new int[n];
        MemorySegment bounce = arena.allocate(2L * n * MAX_BOUNCE_BLOCK, MAX_BOUNCE_BLOCK);
        for (int i = 0; i < n; i++) {
            ops[i] = new Op(bounce.asSlice(2L * i * MAX_BOUNCE_BLOCK, 2L * MAX_BOUNCE_BLOCK), i);
            free[freeCount++] = n - 1 - i;
        }
        stats.queueDepthSource(queue::inFlight);
    }

    public DiskQueue queue() {
        return queue;
    }

    public DiskStats stats() {
        return stats;
    }

    /**
     * Registers memory that reads will target ({@code what}: the loop's chunk pool, a send path's buffers) as the
     * queue's fixed buffers, so that reads into it skip per-read page pinning. A refusal, typically the kernel's
     * (RLIMIT_MEMLOCK below the memory without CAP_IPC_LOCK), is counted in {@link DiskStats#fixedBuffersRefused}
     * and logged with what to change; reads then still work, each pinning its pages. Call on the loop's thread.
     */
    public void registerBuffers(String what, MemorySegment... memory) {
        if (queue.registerBuffers(memory)) {
            return;
        }
        long bytes = 0;
        for (MemorySegment m : memory) {
            bytes += m.byteSize();
        }
        stats.markFixedBuffersRefused();
        // on the loop's thread: its name says which loop
        LOG.warn("{} queue of {}: the kernel refused to register {} ({} MiB) as fixed buffers, so every read into "
                + "them pins and releases their pages; raise the locked-memory limit (ulimit -l, systemd "
                + "LimitMEMLOCK=) above it or grant CAP_IPC_LOCK", queue.backend(), Thread.currentThread().getName(),
                what, (bytes + (1 << 20) - 1) >> 20);
    }

    /** Called once when the first read of a batch is queued; the loop uses it to schedule {@link #flush()}. */
    public void flushScheduler(Runnable scheduler) {
        this.flushScheduler = scheduler;
    }

    /**
     * Queues a read of the aligned range [alignedOffset, alignedOffset + alignedLength) into {@code dst} at
     * {@code dstOffset} (aligned as {@link DiskQueue} requires). The callback gets the bytes read from
     * {@code alignedOffset}, or {@link DiskResult#SHORT_READ} if fewer than {@code needed} arrived (the file
     * shrank). Returns false when the queue is full: ask {@link #whenReady} and try again.
     *
     * @throws IllegalStateException if {@code file} was closed (nothing is queued then)
     */
    public boolean readCovering(DiskFile file, long alignedOffset, int alignedLength, MemorySegment dst, long dstOffset,
                                int needed, Callback callback, long cookie) {
        DiskQueue.checkAligned(file, alignedOffset, alignedLength, dst, dstOffset);
        checkOpen();
        checkFileOpen(file);
        if (freeCount == 0 || queue.depth() - queue.inFlight() < 1) {
            return false;
        }
        Op op = take();
        op.start(file, callback, cookie, null, 0, alignedLength, false);
        op.need[MIDDLE] = needed;
        if (!queue.read(file, alignedOffset, alignedLength, dst, dstOffset, userData(op, MIDDLE))) {
            giveBack(op);
            return false;
        }
        op.pending = 1;
        file.readStarted();
        queued();
        return true;
    }

    /**
     * Queues a read of exactly bytes [position, position + length) of {@code file} into {@code dst} at
     * {@code dstOffset}. The part of the range made of whole blocks is read directly, so
     * {@code dst.address() + dstOffset + (first block boundary at or after position) - position} must be aligned
     * to {@link DiskFile#memoryAlignment()}; {@link #directAligned} tells whether it is. The callback gets
     * {@code length}, or an error. Returns false when the queue is full: ask {@link #whenReady}.
     *
     * @throws IllegalArgumentException if the destination is misaligned or too small, or blocks exceed 4 KiB
     * @throws IllegalStateException    if {@code file} was closed (nothing is queued then)
     */
    public boolean readExact(DiskFile file, long position, int length, MemorySegment dst, long dstOffset,
                             Callback callback, long cookie) {
        int block = file.blockSize();
        if (length <= 0 || position < 0 || dst.byteSize() - dstOffset < length || !dst.isNative()) {
            throw new IllegalArgumentException("bad exact read: " + length + " bytes at " + position + " into " + dst);
        }
        long end = position + length;
        long headBlock = file.alignDown(position);
        long middleStart = file.alignUp(position);
        long middleEnd = file.alignDown(end);
        boolean head = position != headBlock;
        boolean middle = middleEnd > middleStart;
        boolean tail = end != middleEnd && (!head || middleEnd != headBlock);
        if ((head || tail) && block > MAX_BOUNCE_BLOCK) {
            throw new IllegalArgumentException(file.path() + " has " + block + "-byte blocks: unaligned reads need "
                    + "readCovering");
        }
        if (middle && !directAligned(file, position, dst, dstOffset)) {
            throw new IllegalArgumentException("destination misaligned for direct reads: address of byte "
                    + (middleStart - position) + " must be a multiple of " + file.memoryAlignment());
        }
        int parts = (head ? 1 : 0) + (middle ? 1 : 0) + (tail ? 1 : 0);
        checkOpen();
        checkFileOpen(file);
        if (freeCount == 0 || queue.depth() - queue.inFlight() < parts) {
            return false;
        }
        Op op = take();
        op.start(file, callback, cookie, dst, dstOffset, length, true);
        op.position = position;
        if (head) {
            op.need[HEAD] = (int) (Math.min(headBlock + block, end) - headBlock);
            submitPart(op, HEAD, headBlock, block, op.bounce, 0);
        }
        if (middle) {
            op.need[MIDDLE] = (int) (middleEnd - middleStart);
            submitPart(op, MIDDLE, middleStart, (int) (middleEnd - middleStart), dst, dstOffset + (middleStart - position));
        }
        if (tail) {
            op.need[TAIL] = (int) (end - middleEnd);
            submitPart(op, TAIL, middleEnd, block, op.bounce, MAX_BOUNCE_BLOCK);
        }
        file.readStarted();
        queued();
        return true;
    }

    private void submitPart(Op op, int part, long offset, int length, MemorySegment dst, long dstOffset) {
        if (!queue.read(op.file, offset, length, dst, dstOffset, userData(op, part))) {
            throw new IllegalStateException("disk queue refused a read it had room for");
        }
        op.pending++;
    }

    /**
     * Refuses a read of a file whose owner has closed it, before anything is queued. Such a read would reach the
     * queue's submission ring and then fail in {@link DiskFile#readStarted()}, after its slot was taken and without
     * the flush being scheduled: a read stranded in the ring, never submitted, its slot never freed. Once every slot
     * was stranded so, the loop's disk I/O stopped for good (the HTTPS wedge after aborted connections).
     */
    private static void checkFileOpen(DiskFile file) {
        if (!file.isOpen()) {
            throw new IllegalStateException("read of " + file.path() + " after it was closed");
        }
    }

    /** Whether whole blocks of a {@link #readExact} at {@code position} can go straight into {@code dst}. */
    public static boolean directAligned(DiskFile file, long position, MemorySegment dst, long dstOffset) {
        long firstBoundary = file.alignUp(position) - position;
        return ((dst.address() + dstOffset + firstBoundary) & (file.memoryAlignment() - 1)) == 0;
    }

    /** Runs {@code waiter} once, on the loop, when a read slot frees up. */
    public void whenReady(Runnable waiter) {
        waiters.add(waiter);
    }

    /** Whether a flush is scheduled for reads queued since the last one. */
    boolean flushScheduled() {
        return flushPending;
    }

    /** Submits the queued reads. */
    public int flush() throws IOException {
        flushPending = false;
        return closed ? 0 : queue.submit();
    }

    /** Reaps completions and runs their callbacks; then wakes readers waiting for room. */
    public int poll() throws IOException {
        if (closed) {
            return 0;
        }
        int n = queue.poll(this);
        if (n > 0) {
            wakeWaiters();
        }
        return n;
    }

    /** Blocks for at least one completion (for synchronous users and shutdown). */
    public int await() throws IOException {
        if (closed) {
            return 0;
        }
        int n = queue.await(this);
        if (n > 0) {
            wakeWaiters();
        }
        return n;
    }

    public int inFlight() {
        return ops.length - freeCount;
    }

    private void wakeWaiters() {
        int n = waiters.size();
        while (n-- > 0 && freeCount > 0) {
            Runnable w = waiters.poll();
            if (w == null) {
                break;
            }
            w.run();
        }
    }

    private void queued() {
        if (!flushPending && flushScheduler != null) {
            flushPending = true;
            flushScheduler.run();
        }
    }

    @Override
    public void complete(long userData, int result) {
        Op op = ops[(int) (userData >>> 2)];
        int part = (int) (userData & 3);
        if (result < 0) {
            op.fail(result);
        } else if (result < op.need[part]) {
            op.fail(DiskResult.SHORT_READ);
        } else if (op.exact && op.error == 0) {
            op.copyBounced(part);
        }
        if (part == MIDDLE && !op.exact) {
            op.covered = result;
        }
        if (--op.pending == 0) {
            finish(op);
        }
    }

    private void finish(Op op) {
        long latency = System.nanoTime() - op.startNanos;
        int result = op.error != 0 ? op.error : op.exact ? op.length : op.covered;
        if (op.error != 0) {
            stats.readFailed(op.error, latency);
        } else {
            stats.readCompleted(op.exact ? op.length : op.covered, latency);
        }
        DiskFile file = op.file;
        Callback callback = op.callback;
        long cookie = op.cookie;
        giveBack(op);
        file.readDone();
        callback.readComplete(cookie, result);
    }

    private Op take() {
        Op op = ops[free[--freeCount]];
        op.startNanos = System.nanoTime();
        return op;
    }

    private void giveBack(Op op) {
        op.clear();
        free[freeCount++] = op.index;
    }

    private long userData(Op op, int part) {
        return ((long) op.index << 2) | part;
    }

    /** Releases the bounce memory; the queue must be idle (see {@link DiskQueue#close()}). */
    public void close() {
        closed = true;
        arena.close();
    }

    /** Whether {@link #close()} was called (the storage was closed): reads are refused. */
    public boolean isClosed() {
        return closed;
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("the disk queue (" + queue.backend() + ") is closed: its storage was closed");
        }
    }

    private final class Op {
        final MemorySegment bounce;
        final int index;
        final int[] need = new int[3];
        DiskFile file;
        Callback callback;
        long cookie;
        MemorySegment dst;
        long dstOffset;
        long position;
        int length;
        int covered;
        int pending;
        int error;
        boolean exact;
        long startNanos;

        Op(MemorySegment bounce, int index) {
            this.bounce = bounce;
            this.index = index;
        }

        void start(DiskFile f, Callback cb, long ck, MemorySegment d, long dOff, int len, boolean isExact) {
            file = f;
            callback = cb;
            cookie = ck;
            dst = d;
            dstOffset = dOff;
            length = len;
            exact = isExact;
        }

        void fail(int result) {
            if (error == 0) {
                error = result;
            }
        }

        /** Copies the requested bytes out of a bounced first or last block. */
        void copyBounced(int part) {
            int block = file.blockSize();
            if (part == HEAD) {
                long headBlock = file.alignDown(position);
                int from = (int) (position - headBlock);
                int n = (int) Math.min(block - from, length);
                MemorySegment.copy(bounce, from, dst, dstOffset, n);
            } else if (part == TAIL) {
                long tailBlock = file.alignDown(position + length);
                int n = (int) (position + length - tailBlock);
                MemorySegment.copy(bounce, MAX_BOUNCE_BLOCK, dst, dstOffset + (tailBlock - position), n);
            }
        }

        void clear() {
            file = null;
            callback = null;
            dst = null;
            pending = 0;
            error = 0;
            covered = 0;
            need[0] = need[1] = need[2] = 0;
        }
    }
}
