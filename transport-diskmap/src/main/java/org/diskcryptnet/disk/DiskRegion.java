package org.diskcryptnet.disk;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;

import io.netty.channel.EventLoop;
import io.netty.channel.FileRegion;
import io.netty.util.AbstractReferenceCounted;

import org.diskcryptnet.disk.linux.Fcntl;

/**
 * Bytes [position, position + count) of a file, served around the page cache: a Netty {@link FileRegion} that
 * owns its {@link DiskFile} (closed when the region is released).
 *
 * <p>Three ways to get the bytes out:
 * <ul>
 *   <li><b>Through a pipeline with {@link DiskRegionWriter}</b> (the origin's way): reads go through the loop's
 *       disk queue into pooled chunks, completions arrive on the loop, the loop never blocks.</li>
 *   <li><b>{@link #read}: the building block for in-place encryption and the netmap data path.</b> Reads exactly
 *       bytes [offset, offset + length) of the region into a native buffer the caller chose (a TLS record's
 *       plaintext area, a transmit buffer), and calls back on the loop. Unaligned ends are handled: whole blocks
 *       go straight into the buffer, partial end blocks are read whole and only their wanted bytes copied.</li>
 *   <li><b>{@link #transferTo}</b>, for transports that call it (NIO, epoll without the writer, Netty's
 *       testsuite): a synchronous O_DIRECT {@code pread} of the covering blocks into a buffer of the region, then a
 *       write of the wanted bytes. It blocks the calling thread for one disk read, as sendfile does on a cache
 *       miss; the non-blocking ways above exist so that the event loop never has to.</li>
 * </ul>
 */
public final class DiskRegion extends AbstractReferenceCounted implements FileRegion {

    /** Bytes per synchronous read in {@link #transferTo}. */
    static final int SYNC_CHUNK = 256 * 1024;

    private final DiskStorage storage;
    private final DiskFile file;
    private final long position;
    private final long count;
    private long transferred;
    private Arena syncArena;
    private MemorySegment syncBuffer;
    private long syncStart = -1;  // file offset of syncBuffer[0]
    private long syncValid;       // bytes of syncBuffer holding file data

    DiskRegion(DiskStorage storage, DiskFile file, long position, long count) {
        if (position < 0 || count < 0 || position + count > file.size()) {
            throw new IllegalArgumentException("region [" + position + ", " + (position + count) + ") is not inside "
                    + file.path() + " (" + file.size() + " bytes)");
        }
        this.storage = storage;
        this.file = file;
        this.position = position;
        this.count = count;
    }

    public DiskStorage storage() {
        return storage;
    }

    public DiskFile file() {
        return file;
    }

    @Override
    public long position() {
        return position;
    }

    @Override
    public long count() {
        return count;
    }

    @Override
    public long transferred() {
        return transferred;
    }

    @Override
    @Deprecated
    public long transfered() {
        return transferred;
    }

    /** Progress as reported by an asynchronous writer ({@link DiskRegionWriter}). */
    void addTransferred(long n) {
        transferred += n;
    }

    /**
     * Reads bytes [offset, offset + length) of this region (offsets relative to {@link #position()}) into
     * {@code dst} at {@code dstOffset}, through the disk queue of {@code loop}, which must be the calling thread.
     * On completion, on the loop, {@code callback.readComplete(cookie, result)} gets {@code length} or a
     * {@link DiskResult} error (SHORT_READ when the file was truncated meanwhile).
     *
     * <p>{@code dst} must be native memory; the address where the first whole block of the range lands,
     * {@code dst + dstOffset + (block boundary at or after the range start - range start)}, must be a multiple
     * of {@link DiskFile#memoryAlignment()} (see {@link DiskReader#directAligned}). Returns false when the loop's
     * queue is full: call {@link #whenReadable} and try again.
     */
    public boolean read(EventLoop loop, long offset, int length, MemorySegment dst, long dstOffset,
                        DiskReader.Callback callback, long cookie) throws IOException {
        checkRange(offset, length);
        return storage.loop(loop).reader().readExact(file, position + offset, length, dst, dstOffset, callback, cookie);
    }

    /** Runs {@code waiter} on the loop when its queue has room again after {@link #read} returned false. */
    public void whenReadable(EventLoop loop, Runnable waiter) throws IOException {
        storage.loop(loop).reader().whenReady(waiter);
    }

    private void checkRange(long offset, long length) {
        if (offset < 0 || length < 0 || offset + length > count) {
            throw new IndexOutOfBoundsException("[" + offset + ", " + (offset + length) + ") is outside the region of "
                    + count + " bytes");
        }
    }

    @Override
    public long transferTo(WritableByteChannel target, long regionOffset) throws IOException {
        long remaining = count - regionOffset;
        if (remaining < 0) {
            throw new IllegalArgumentException("position " + regionOffset + " past the region's " + count + " bytes");
        }
        if (remaining == 0) {
            return 0;
        }
        long at = position + regionOffset;
        if (syncStart < 0 || at < syncStart || at >= syncStart + syncValid) {
            fill(at, remaining);
        }
        long from = at - syncStart;
        long n = Math.min(remaining, syncValid - from);
        ByteBuffer view = syncBuffer.asSlice(from, n).asByteBuffer();
        int written = target.write(view);
        transferred += written;
        return written;
    }

    private void fill(long at, long remaining) throws IOException {
        if (syncBuffer == null) {
            syncArena = Arena.ofShared();
            syncBuffer = syncArena.allocate(SYNC_CHUNK, Math.max(4096, file.memoryAlignment()));
        }
        long start = file.alignDown(at);
        long end = Math.min(file.alignUp(at + remaining), start + SYNC_CHUNK);
        long got = Fcntl.pread(file.fd(), syncBuffer, end - start, start);
        long needed = Math.min(at + remaining, end) - start;
        if (got < needed) {
            syncStart = -1;
            throw new IOException("short read of " + file.path() + " at " + start + ": " + got + " of " + needed
                    + " bytes (" + DiskResult.describe(DiskResult.SHORT_READ) + ")");
        }
        syncStart = start;
        syncValid = Math.min(got, needed);
    }

    @Override
    public DiskRegion retain() {
        super.retain();
        return this;
    }

    @Override
    public DiskRegion retain(int increment) {
        super.retain(increment);
        return this;
    }

    @Override
    public DiskRegion touch() {
        return this;
    }

    @Override
    public DiskRegion touch(Object hint) {
        return this;
    }

    @Override
    protected void deallocate() {
        file.close();
        if (syncArena != null) {
            syncArena.close();
        }
    }

    @Override
    public String toString() {
        return "DiskRegion(" + file.path() + ", position " + position + ", count " + count + ", transferred "
                + transferred + ")";
    }
}
