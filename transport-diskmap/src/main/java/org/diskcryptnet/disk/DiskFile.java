package org.diskcryptnet.disk;

import java.nio.file.Path;

import org.diskcryptnet.disk.linux.Fcntl;
import org.diskcryptnet.disk.linux.Statx;

/**
 * A regular file or block device opened for direct reads by a {@link DiskBackend}: its descriptor (O_DIRECT), its
 * size and version when opened, and the alignment direct reads of it need. Not tied to one queue: any loop's
 * queue of the same backend can read it. Used by one thread at a time (the loop serving it).
 *
 * <p>Closing is deferred while reads are in flight, so a descriptor number is never reused under a read the
 * kernel has not taken yet.
 */
public final class DiskFile implements AutoCloseable {

    /** What the path named. */
    public enum Kind { REGULAR_FILE, BLOCK_DEVICE }

    private final Path path;
    private final int fd;
    private final Kind kind;
    private final long size;
    private final int memoryAlignment;
    private final int blockSize;
    private final Statx.Result version;
    private final Object backendState;
    private int readsInFlight;
    private boolean closeRequested;
    private boolean closed;
    private int fixedSlot = -1;
    private DiskQueue fixedQueue;

    /**
     * @param memoryAlignment buffer address alignment for direct reads (stx_dio_mem_align)
     * @param blockSize       file offset and length granularity for direct reads (stx_dio_offset_align, or the
     *                        logical block size of a device); a power of two
     */
    public DiskFile(Path path, int fd, Kind kind, long size, int memoryAlignment, int blockSize, Statx.Result version,
                    Object backendState) {
        if (Integer.bitCount(blockSize) != 1 || Integer.bitCount(memoryAlignment) != 1) {
            throw new IllegalArgumentException("alignments must be powers of two: memory " + memoryAlignment
                    + ", block " + blockSize);
        }
        this.path = path;
        this.fd = fd;
        this.kind = kind;
        this.size = size;
        this.memoryAlignment = memoryAlignment;
        this.blockSize = blockSize;
        this.version = version;
        this.backendState = backendState;
    }

    public Path path() {
        return path;
    }

    /** The descriptor, opened O_RDONLY | O_DIRECT | O_CLOEXEC; -1 for the in-memory backend. */
    public int fd() {
        return fd;
    }

    public Kind kind() {
        return kind;
    }

    /** Size in bytes when opened. */
    public long size() {
        return size;
    }

    public int memoryAlignment() {
        return memoryAlignment;
    }

    public int blockSize() {
        return blockSize;
    }

    /** statx of the file when opened (null for the in-memory backend): the version a change is detected against. */
    public Statx.Result version() {
        return version;
    }

    /** What the backend keeps per file: an extent map for NVMe passthrough, the bytes for the in-memory backend. */
    public Object backendState() {
        return backendState;
    }

    /**
     * The same open descriptor with backend state attached (an extent map made after opening); this object is
     * then abandoned without closing, the returned one owns the descriptor.
     */
    public DiskFile withBackendState(Object state) {
        return new DiskFile(path, fd, kind, size, memoryAlignment, blockSize, version, state);
    }

    /** Start of the block holding {@code offset}. */
    public long alignDown(long offset) {
        return offset & -(long) blockSize;
    }

    /** End of the block holding byte {@code offset - 1}. */
    public long alignUp(long offset) {
        return (offset + blockSize - 1) & -(long) blockSize;
    }

    /** The fixed-file slot in the queue it is registered with, or -1. */
    public int fixedSlot(DiskQueue queue) {
        return fixedQueue == queue ? fixedSlot : -1;
    }

    /** For {@link DiskQueue} implementations: records (or, with null, clears) the fixed-file slot. */
    public void setFixedSlot(DiskQueue queue, int slot) {
        this.fixedQueue = queue;
        this.fixedSlot = slot;
    }

    /** A read of this file was queued: the descriptor must stay open until {@link #readDone()}. */
    public void readStarted() {
        if (closed) {
            throw new IllegalStateException(path + " is closed");
        }
        readsInFlight++;
    }

    public void readDone() {
        if (--readsInFlight == 0 && closeRequested) {
            closeNow();
        }
    }

    public boolean isOpen() {
        return !closeRequested;
    }

    /** Closes now, or after the last read in flight completes. */
    @Override
    public void close() {
        if (closeRequested) {
            return;
        }
        closeRequested = true;
        if (readsInFlight == 0) {
            closeNow();
        }
    }

    private void closeNow() {
        if (closed) {
            return;
        }
        closed = true;
        if (fixedQueue != null) {
            fixedQueue.unregisterFile(this);
        }
        if (fd >= 0) {
            Fcntl.close(fd);
        }
    }

    @Override
    public String toString() {
        return path + " (" + kind + ", " + size + " bytes, block " + blockSize + ", memory alignment " + memoryAlignment + ")";
    }
}
