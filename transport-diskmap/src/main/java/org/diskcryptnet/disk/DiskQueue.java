package org.diskcryptnet.disk;

import java.io.IOException;
import java.lang.foreign.MemorySegment;

/**
 * A storage queue pair in the manner of an NVMe submission/completion queue: reads are queued, submitted to the
 * device in a batch with {@link #submit()}, and their completions reaped with {@link #poll}, which costs no system
 * call when none are ready. One queue per event loop; a queue is owned by the thread that created it and never
 * locks. Reads go around the page cache.
 *
 * <p>A read must be aligned: {@code offset} and {@code length} multiples of the file's
 * {@link DiskFile#blockSize()}, {@code dst} native memory at an address that is a multiple of
 * {@link DiskFile#memoryAlignment()}. {@code length} may run past the end of the file: the result is then the
 * bytes up to the end, but the device may write whole blocks into {@code dst}. Unaligned objects are served by
 * {@link DiskReader}, which reads the covering blocks.
 */
public interface DiskQueue extends AutoCloseable {

    /** "io_uring", "nvme", "memory": the metrics label. */
    String backend();

    /** Most reads that may be in flight (queued or submitted, not yet reaped). */
    int depth();

    /** Reads queued or submitted and not yet reaped. */
    int inFlight();

    /** Reads queued since the last {@link #submit()}. */
    int queued();

    /**
     * Queues a read; false when the queue is full ({@link #inFlight()} == {@link #depth()}), in which case
     * nothing was queued. Not visible to the device until {@link #submit()}.
     *
     * @throws IllegalArgumentException if the read is not aligned as the file requires
     */
    boolean read(DiskFile file, long offset, int length, MemorySegment dst, long dstOffset, long userData);

    /** {@link #read(DiskFile, long, int, MemorySegment, long, long)} into the start of {@code dst}. */
    default boolean read(DiskFile file, long offset, int length, MemorySegment dst, long userData) {
        return read(file, offset, length, dst, 0, userData);
    }

    /** Hands every queued read to the device (one system call, none with SQPOLL running); returns how many. */
    int submit() throws IOException;

    /** Reaps ready completions into {@code handler}; returns how many. No system call when none are ready. */
    int poll(DiskCompletionHandler handler) throws IOException;

    /**
     * Submits what is queued and blocks until at least one completion is ready (or nothing is in flight), then
     * reaps like {@link #poll}. Reads the handler queues are submitted by the next {@code await} or {@link #submit}.
     */
    int await(DiskCompletionHandler handler) throws IOException;

    /** An eventfd the kernel signals when completions are posted, for event loops to wait on; -1 if none. */
    int completionFd();

    /**
     * Registers memory as fixed buffers: reads into it then skip the per-read page pinning (READ_FIXED). May be
     * called again to add memory (a send path's read windows, a packet port's transmit buffers): on io_uring with a
     * sparse table (Linux 5.19) at any time, before that only while no read is in flight. Returns false (and reads
     * still work, unregistered) when the backend, the memory-lock limit or reads in flight do not allow it.
     */
    boolean registerBuffers(MemorySegment... buffers);

    /**
     * Forgets memory given to {@link #registerBuffers} before it is freed (no read into it in flight), so that a
     * later mapping at the same address is not taken for it. Memory that was not registered is ignored.
     */
    void unregisterBuffers(MemorySegment... buffers);

    /**
     * True when completions are ready or announced but not yet reaped, so the owner must poll again even without
     * a new wake-up from {@link #completionFd()} (the kernel does not signal it for every batch).
     */
    default boolean completionsPending() {
        return false;
    }

    /** Reads and clears {@link #completionFd()}, before polling after a wake-up; returns its count. */
    default long drainCompletionFd() {
        return 0;
    }

    /**
     * Whether {@code file} changed since it was opened: written, truncated or its attributes changed (see
     * {@link FileVersionCheck} for what a kernel backend can and cannot see). For a caller about to read again bytes
     * it has already served, which must not differ. One statx(2) on the kernel backends, no allocation; block devices
     * are never reported changed, nor is anything by a closed queue (it reads nothing more: its reads are refused).
     */
    boolean fileChanged(DiskFile file);

    /** Registers the file's descriptor in the queue's fixed-file table; false when full or unsupported. */
    boolean registerFile(DiskFile file);

    /** Removes the file from the fixed-file table (called by {@link DiskFile#close()}). */
    void unregisterFile(DiskFile file);

    /**
     * Releases the rings and registrations. Memory that reads in flight target must stay valid until the kernel
     * is done with it, so owners close a queue when {@link #inFlight()} is 0 (or after {@link #await}ing it).
     */
    @Override
    void close();

    /** Throws unless the read is aligned for {@code file}. */
    static void checkAligned(DiskFile file, long offset, int length, MemorySegment dst, long dstOffset) {
        int block = file.blockSize();
        if ((offset & (block - 1)) != 0 || (length & (block - 1)) != 0 || length <= 0 || offset < 0) {
            throw new IllegalArgumentException("read of " + length + " bytes at " + offset + " of " + file.path()
                    + " is not aligned to its block size " + block);
        }
        if (!dst.isNative() || ((dst.address() + dstOffset) & (file.memoryAlignment() - 1)) != 0 || dstOffset < 0
                || dst.byteSize() - dstOffset < length) {
            throw new IllegalArgumentException("destination " + dst + " + " + dstOffset + " must be native memory of at least "
                    + length + " bytes aligned to " + file.memoryAlignment());
        }
    }
}
