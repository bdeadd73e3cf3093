package org.diskcryptnet.netmap.channel;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

/**
 * A loop's read-ahead for {@link FileSource}s (a {@code DefaultFileRegion} on this transport). Without it each segment
 * costs one pread of 1,448 bytes, about 200 system calls for a 300 KB object. With it, a source that sends new data
 * in order reads a run of the file into this loop-owned buffer with one pread, and each segment copies its bytes out
 * while they are still in the cache. A retransmission, or any jump, reads exactly its own segment into its frame,
 * as before.
 *
 * <p>There is one run at a time per loop, so no connection keeps file data of its own. Each run's length adapts to
 * what its source took from its previous run. A source that used its whole run gets twice as much next time, up to
 * {@link #MAX_RUN}. A source whose run another took over before it was used up gets what it used. So a connection
 * whose window lets a few segments go per burst does not read 64 KiB for them. Owned by the loop's thread; allocates
 * nothing once made.
 */
final class FileReadAhead {

    static final int MAX_RUN = 64 * 1024;
    static final int MIN_RUN = 8 * 1024;

    private final MemorySegment buffer;
    private final ByteBuffer view;
    private FileSource owner;
    /** File offsets of the bytes the buffer holds. */
    private long from;
    private long to;
    /** Counters, for tests and the metrics ({@link NetmapLoopStats.FileRun}); written by the loop only. */
    long runs;
    long bytesRead;
    long bytesServed;
    /** Segments read on their own (retransmissions, jumps, segments larger than a run). */
    long bypassed;

    FileReadAhead(Arena arena) {
        this.buffer = arena.allocate(MAX_RUN, 4096);
        this.view = buffer.asByteBuffer();
    }

    /**
     * Copies file bytes {@code [at, at + length)} of {@code s}'s {@code file}, which ends its region at
     * {@code end}, into {@code dst}: from the run when it holds them, else after reading a new run from {@code at}.
     * Returns {@code length}, or -1 when the file ended before them.
     */
    int copy(FileSource s, FileChannel file, long at, int length, long end, MemorySegment dst, long dstOffset)
            throws IOException {
        if (owner != s || at < from || at + length > to) {
            if (!fill(s, file, at, length, end)) {
                return -1;
            }
        }
        MemorySegment.copy(buffer, at - from, dst, dstOffset, length);
        bytesServed += length;
        return length;
    }

    private boolean fill(FileSource s, FileChannel file, long at, int length, long end) throws IOException {
        s.nextRun(owner == s); // a miss while it held the buffer: it ran to the run's end
        // whole segments of this one's length: the next segment then starts in the run, not across its end
        int want = (int) Math.min(Math.max(length, s.run / length * length), end - at);
        owner = null;
        view.clear().limit(want);
        int got = FileSource.readUpTo(file, view, at);
        runs++;
        bytesRead += got;
        if (got < length) {
            return false;
        }
        owner = s;
        from = at;
        to = at + got;
        s.runStarted(at);
        return true;
    }

    /** The largest segment a run can serve (larger ones, with segmentation offload, are read on their own). */
    boolean fits(int length) {
        return length <= MAX_RUN;
    }

    /** {@code s} is done: its run, if the buffer holds one, serves nobody now. */
    void forget(FileSource s) {
        if (owner == s) {
            owner = null;
        }
    }
}
