package org.diskcryptnet.netmap.tcp;

import java.lang.foreign.MemorySegment;

/**
 * A connection's receive side: the bytes received in order and not yet read, and the out-of-order ranges above
 * them, stored in place in one {@link BlockRing} whose capacity is the largest window we advertise. Offsets are
 * stream positions (0 = the first byte after the peer's SYN).
 *
 * <p>Memory is bounded per connection by the capacity and the number of distinct out-of-order ranges
 * ({@link TcpConfig#maxOutOfOrderRanges}), and per loop by the {@link BlockPool}: data that would exceed
 * either is refused (the caller drops the segment and counts it; the peer retransmits).
 */
final class ReceiveBuffer {

    static final int REFUSED_MEMORY = -1;
    static final int REFUSED_RANGES = -2;

    private final BlockRing ring;
    private final long[] rangeStart;
    private final long[] rangeEnd;
    /** When each range last took data (a counter): SACK reports the most recently changed first. */
    private final long[] rangeTouched;
    private int ranges;
    private long touches;
    /** {@link #touches} when SACK blocks were last sent: ranges touched after it are not reported yet. */
    private long reportedTouches;
    private long readOffset;
    private long inOrderEnd;
    /** The window this connection may use (SO_RCVBUF), at most the ring's capacity. */
    private int limit;

    ReceiveBuffer(BlockPool pool, int capacity, int maxRanges) {
        this.ring = new BlockRing(pool, capacity);
        this.rangeStart = new long[maxRanges];
        this.rangeEnd = new long[maxRanges];
        this.rangeTouched = new long[maxRanges];
        this.limit = capacity;
    }

    void reset() {
        ring.reset();
        ranges = 0;
        touches = 0;
        reportedTouches = 0;
        limit = ring.capacity();
        readOffset = 0;
        inOrderEnd = 0;
    }

    /**
     * Gives back every block and discards what they held (a reset, an abort, a connection nobody reads): the
     * unread bytes as if read, so that nothing is readable from blocks that are gone. RCV.NXT stays.
     */
    void clear() {
        ranges = 0;
        consume(readable());
    }

    int capacity() {
        return ring.capacity();
    }

    /** Offset of the next byte expected in order (RCV.NXT as a stream offset). */
    long inOrderEnd() {
        return inOrderEnd;
    }

    long readOffset() {
        return readOffset;
    }

    /** In-order bytes not yet read. */
    int readable() {
        return (int) (inOrderEnd - readOffset);
    }

    /** Bytes of the window not taken by unread in-order data. */
    int free() {
        return Math.max(0, limit - readable());
    }

    /** Limits the window this connection offers (never above the capacity). */
    void limit(int bytes) {
        limit = Math.max(1, Math.min(bytes, ring.capacity()));
    }

    int limit() {
        return limit;
    }

    boolean hasOutOfOrder() {
        return ranges > 0;
    }

    /**
     * Stores {@code length} bytes at {@code offset} ({@code inOrderEnd <= offset}, and the end within
     * {@code readOffset + capacity}). Returns how many bytes became readable in order (0 for out-of-order
     * data), or {@link #REFUSED_MEMORY} / {@link #REFUSED_RANGES} with nothing stored.
     */
    int accept(long offset, MemorySegment src, long srcOffset, int length) {
        long end = offset + length;
        if (offset == inOrderEnd) {
            if (!ring.write(offset, src, srcOffset, length)) {
                return REFUSED_MEMORY;
            }
            long before = inOrderEnd;
            inOrderEnd = end;
            while (ranges > 0 && rangeStart[0] <= inOrderEnd) {
                inOrderEnd = Math.max(inOrderEnd, rangeEnd[0]);
                removeRange(0);
            }
            return (int) (inOrderEnd - before);
        }
        // out of order: find where [offset, end) goes among the sorted, disjoint, non-adjacent ranges
        int i = 0;
        while (i < ranges && rangeEnd[i] < offset) {
            i++;
        }
        int j = i;
        while (j < ranges && rangeStart[j] <= end) {
            j++;
        }
        // ranges i..j-1 touch the new data and merge with it
        if (i == j && ranges == rangeStart.length) {
            return REFUSED_RANGES;
        }
        if (!ring.write(offset, src, srcOffset, length)) {
            return REFUSED_MEMORY;
        }
        long mergedStart = i < j ? Math.min(offset, rangeStart[i]) : offset;
        long mergedEnd = i < j ? Math.max(end, rangeEnd[j - 1]) : end;
        if (i == j) {
            System.arraycopy(rangeStart, i, rangeStart, i + 1, ranges - i);
            System.arraycopy(rangeEnd, i, rangeEnd, i + 1, ranges - i);
            System.arraycopy(rangeTouched, i, rangeTouched, i + 1, ranges - i);
            ranges++;
        } else if (j - i > 1) {
            int removed = j - i - 1;
            System.arraycopy(rangeStart, j, rangeStart, i + 1, ranges - j);
            System.arraycopy(rangeEnd, j, rangeEnd, i + 1, ranges - j);
            System.arraycopy(rangeTouched, j, rangeTouched, i + 1, ranges - j);
            ranges -= removed;
        }
        rangeStart[i] = mergedStart;
        rangeEnd[i] = mergedEnd;
        rangeTouched[i] = ++touches;
        return 0;
    }

    /** Out-of-order ranges changed since SACK blocks were last sent. */
    int unreportedRanges() {
        int n = 0;
        for (int i = 0; i < ranges; i++) {
            if (rangeTouched[i] > reportedTouches) {
                n++;
            }
        }
        return n;
    }

    /** SACK blocks for the most recent changes went out. */
    void reported() {
        reportedTouches = touches;
    }

    /** Whether [offset, offset + length) is held already (in order or in one out-of-order range). */
    boolean holds(long offset, int length) {
        if (offset + length <= inOrderEnd) {
            return true;
        }
        for (int i = 0; i < ranges; i++) {
            if (rangeStart[i] <= offset && offset + length <= rangeEnd[i]) {
                return true;
            }
        }
        return false;
    }

    private void removeRange(int i) {
        System.arraycopy(rangeStart, i + 1, rangeStart, i, ranges - i - 1);
        System.arraycopy(rangeEnd, i + 1, rangeEnd, i, ranges - i - 1);
        System.arraycopy(rangeTouched, i + 1, rangeTouched, i, ranges - i - 1);
        ranges--;
    }

    /**
     * Fills SACK blocks (RFC 2018 section 4) as sequence numbers, the most recently changed range first (it
     * holds the segment that triggered the ACK), then the next most recently changed: so a range a
     * retransmission just completed is reported at once, and every range is repeated in the ACKs that follow
     * until newer ones push it out (Linux keeps its SACK blocks in the same order). {@code rcvNxt} is the
     * sequence number of {@link #inOrderEnd()}. Returns the number of blocks written (at most {@code max}).
     */
    int sackBlocks(int rcvNxt, int[] left, int[] right, int max) {
        int n = 0;
        long below = Long.MAX_VALUE;
        while (n < max) {
            int best = -1;
            for (int i = 0; i < ranges; i++) {
                if (rangeTouched[i] < below && (best < 0 || rangeTouched[i] > rangeTouched[best])) {
                    best = i;
                }
            }
            if (best < 0) {
                break;
            }
            left[n] = rcvNxt + (int) (rangeStart[best] - inOrderEnd);
            right[n] = rcvNxt + (int) (rangeEnd[best] - inOrderEnd);
            below = rangeTouched[best];
            n++;
        }
        return n;
    }

    /** Copies up to {@code max} in-order bytes out and consumes them; the count copied. */
    int read(MemorySegment dst, long dstOffset, int max) {
        int n = Math.min(max, readable());
        if (n > 0) {
            ring.read(readOffset, dst, dstOffset, n);
            consume(n);
        }
        return n;
    }

    /** Readable bytes that lie contiguously in memory from the read offset on (0 if none). */
    int span() {
        int r = readable();
        return r == 0 ? 0 : Math.min(r, ring.span(readOffset));
    }

    /** Where {@link #span()}'s bytes start in {@link #memory()}; valid only while {@code span() > 0}. */
    long spanOffset() {
        return ring.memoryOffset(readOffset);
    }

    MemorySegment memory() {
        return ring.memory();
    }

    void consume(int n) {
        if (n < 0 || n > readable()) {
            throw new IllegalArgumentException("cannot consume " + n + " of " + readable() + " readable bytes");
        }
        readOffset += n;
        if (readOffset == inOrderEnd && ranges == 0) {
            ring.clear(); // empty: an idle connection holds no block at all
        }
        ring.release(readOffset);
    }

    /** {@link GroupPrefetch}: loads fields of this object that processing an acknowledgment reads. */
    long prefetch() {
        return ranges + readOffset + inOrderEnd;
    }
}
