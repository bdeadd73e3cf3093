package org.diskcryptnet.disk;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Iterator;

import io.netty.channel.EventLoop;

import org.diskcryptnet.tls.netty.RegionSource;
import org.diskcryptnet.tls.netty.TlsFileRegion;

/**
 * A {@link DiskRegion} as the plaintext source of a {@link TlsFileRegion}: each record's bytes are read around the
 * page cache straight into the place in the seal buffer where the record will be sealed, so the body goes from the
 * device to the socket through one buffer and no copy ({@code content.storage: direct} over HTTPS).
 *
 * <p>Placement: the source asks for {@link #alignment()} = the file's direct-I/O granularity (block size, and
 * memory alignment if larger) and {@link #phase(long)} = the file position modulo it. The region then puts each
 * record's payload at an address congruent to its file position, with slack around it, so one aligned read of the
 * covering blocks lands every wanted byte exactly in place (see the {@link RegionSource} contract). Fills complete
 * later, on the loop, through the loop's disk queue; a full queue is waited out, never blocked on.
 */
public final class DiskRegionSource implements RegionSource, DiskReader.Callback {

    private final DiskRegion region;
    private final EventLoop loop;
    private final int alignment;
    private Completion[] pending = new Completion[16];
    private MemorySegment[] pendingDst = new MemorySegment[16];
    /** Fills that found the queue full, 5 items each (dst, dstOffset, offset, length, completion): a rare path. */
    private final ArrayDeque<Object> waiting = new ArrayDeque<>();
    private final Runnable retry = this::retryWaiting;
    private boolean waitingForRoom;
    private boolean closed;

    /** Serves {@code region} (which it now owns) through the disk queue of {@code loop}, the channel's loop. */
    public DiskRegionSource(DiskRegion region, EventLoop loop) {
        this.region = region;
        this.loop = loop;
        DiskFile f = region.file();
        this.alignment = Math.max(f.blockSize(), f.memoryAlignment());
        if (alignment > 4096) {
            throw new IllegalArgumentException(f.path() + ": direct I/O granularity " + alignment
                    + " is coarser than the 4096 bytes a seal buffer's slack allows");
        }
    }

    /**
     * The region this source reads (owned by the source: released when it closes), for a channel that reads it
     * itself ({@link org.diskcryptnet.tls.netty.RecordSealingChannel}).
     */
    public DiskRegion region() {
        return region;
    }

    /** The event loop whose disk queue the source reads through: the channel's. */
    public EventLoop loop() {
        return loop;
    }

    @Override
    public long length() {
        return region.count();
    }

    @Override
    public int alignment() {
        return alignment;
    }

    @Override
    public int phase(long offset) {
        return (int) ((region.position() + offset) & (alignment - 1));
    }

    @Override
    public int fill(MemorySegment dst, long dstOffset, long offset, int length, Completion completion) throws IOException {
        if (!start(dst, dstOffset, offset, length, completion)) {
            waiting.add(dst);
            waiting.add(dstOffset);
            waiting.add(offset);
            waiting.add(length);
            waiting.add(completion);
            if (!waitingForRoom) {
                waitingForRoom = true;
                region.whenReadable(loop, retry);
            }
        }
        return PENDING;
    }

    /** Queues the aligned read covering [offset, offset + length) of the body; false when the queue is full. */
    private boolean start(MemorySegment dst, long dstOffset, long offset, int length, Completion completion)
            throws IOException {
        DiskFile f = region.file();
        long position = region.position() + offset;
        long start = position & -(long) alignment;
        long end = (position + length + alignment - 1) & -(long) alignment;
        long memory = dstOffset - (position - start); // dst + memory is aligned: dst + dstOffset has our phase
        int slot = slotFor(completion, dst);
        boolean queued = region.storage().loop(loop).reader().readCovering(f, start, (int) (end - start), dst, memory,
                (int) (position + length - start), this, slot);
        if (!queued) {
            pending[slot] = null;
            pendingDst[slot] = null;
        }
        return queued;
    }

    private int slotFor(Completion completion, MemorySegment dst) {
        for (int i = 0; i < pending.length; i++) {
            if (pending[i] == null) {
                pending[i] = completion;
                pendingDst[i] = dst; // keeps the buffer reachable until the device is done with it
                return i;
            }
        }
        int i = pending.length;
        pending = Arrays.copyOf(pending, i * 2);
        pendingDst = Arrays.copyOf(pendingDst, i * 2);
        pending[i] = completion;
        pendingDst[i] = dst;
        return i;
    }

    private void retryWaiting() {
        waitingForRoom = false;
        if (closed) {
            return; // close() dropped the backlog: the region and its file are gone
        }
        try {
            while (!waiting.isEmpty()) {
                Iterator<Object> it = waiting.iterator();
                if (!start((MemorySegment) it.next(), (Long) it.next(), (Long) it.next(), (Integer) it.next(),
                        (Completion) it.next())) {
                    waitingForRoom = true;
                    region.whenReadable(loop, retry);
                    return;
                }
                for (int i = 0; i < 5; i++) {
                    waiting.poll();
                }
            }
        } catch (IOException | RuntimeException e) {
            while (!waiting.isEmpty()) {
                for (int i = 0; i < 4; i++) {
                    waiting.poll();
                }
                ((Completion) waiting.poll()).failed(e);
            }
        }
    }

    @Override
    public void readComplete(long cookie, int result) {
        int slot = (int) cookie;
        Completion c = pending[slot];
        pending[slot] = null;
        pendingDst[slot] = null; // the device is done with the buffer: it may be reused or collected now
        if (closed) {
            return; // the region was abandoned: nobody waits for this record any more
        }
        if (result < 0) {
            c.failed(new DiskReadException("reading " + region.file().path() + " for a TLS record", result));
        } else {
            c.filled();
        }
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            // Fills still waiting for room are dropped, not started: nobody waits for their records, and the file
            // closes with the region (a read of it would be refused). Reads already in flight keep the file open
            // (DiskFile defers its close) and the buffer reachable until they complete.
            waiting.clear();
            region.release();
        }
    }
}
