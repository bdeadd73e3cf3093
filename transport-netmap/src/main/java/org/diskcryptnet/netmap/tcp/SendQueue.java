package org.diskcryptnet.netmap.tcp;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * A connection's outgoing byte stream from SND.UNA on: a queue of entries, each either a run of in-memory bytes
 * (copied in by {@link #appendCopy} and kept in pool blocks until acknowledged) or a regenerable
 * {@link SendSource} (nothing kept; produced again on retransmission). Stream offsets count data bytes from 0
 * (the first byte after our SYN); TCP maps sequence numbers to them.
 *
 * <p>In-memory bytes are bounded by the send buffer size; regenerable entries cost one entry each, whatever
 * their length.
 */
final class SendQueue {

    private final BlockRing memory;
    private final long[] entryStart;
    private final long[] entryLength;
    /** In-memory entries: where their bytes start in the memory ring. Sources: the position in the source. */
    private final long[] entryPosition;
    private final SendSource[] entrySource;
    private final int mask;
    private final int limit;
    private int head;
    private int count;
    private long memoryEnd;
    private long end;
    private long acked;
    private long lastSourceBytes;
    /** In-memory bytes this connection may queue (SO_SNDBUF), at most the ring's capacity. */
    private int memoryLimit;

    SendQueue(BlockPool pool, int capacity, int entries) {
        this.memory = new BlockRing(pool, capacity);
        int n = Integer.highestOneBit(Math.max(1, entries - 1)) << 1; // the power of two >= entries
        this.limit = entries;
        this.entryStart = new long[n];
        this.entryLength = new long[n];
        this.entryPosition = new long[n];
        this.entrySource = new SendSource[n];
        this.mask = n - 1;
        this.memoryLimit = capacity;
    }

    void reset() {
        clear();
        memory.reset();
        memoryLimit = memory.capacity();
        memoryEnd = 0;
        end = 0;
        acked = 0;
    }

    /** Drops everything (connection closed): blocks back to the pool, every source released. */
    void clear() {
        for (int i = 0; i < count; i++) {
            int e = (head + i) & mask;
            if (entrySource[e] != null) {
                SendSource s = entrySource[e];
                entrySource[e] = null;
                s.release();
            }
        }
        Arrays.fill(entrySource, null);
        head = 0;
        count = 0;
        memory.clear();
    }

    /** Stream offset after the last queued byte. */
    long end() {
        return end;
    }

    long acked() {
        return acked;
    }

    /** Bytes queued and not yet acknowledged. */
    long unacknowledged() {
        return end - acked;
    }

    /** In-memory bytes that may still be appended. */
    int memorySpace() {
        return (int) Math.max(0, memoryLimit - (memoryEnd - memory.base()));
    }

    /** Limits the in-memory bytes queued (never above the capacity). */
    void limit(int bytes) {
        memoryLimit = Math.max(1, Math.min(bytes, memory.capacity()));
    }

    int limit() {
        return memoryLimit;
    }

    boolean entriesFull() {
        return count == limit;
    }

    /** Copies up to {@code length} bytes in; the number taken (0 if the buffer or the loop's pool is full). */
    int appendCopy(MemorySegment src, long srcOffset, int length) {
        int n = Math.min(length, memorySpace());
        if (n <= 0) {
            return 0;
        }
        int last = (head + count - 1) & mask;
        boolean extend = count > 0 && entrySource[last] == null
                && entryPosition[last] + entryLength[last] == memoryEnd;
        if (!extend && entriesFull()) {
            return 0;
        }
        if (!memory.write(memoryEnd, src, srcOffset, n)) {
            return 0;
        }
        if (extend) {
            entryLength[last] += n;
        } else {
            int e = (head + count) & mask;
            entryStart[e] = end;
            entryLength[e] = n;
            entryPosition[e] = memoryEnd;
            entrySource[e] = null;
            count++;
        }
        memoryEnd += n;
        end += n;
        return n;
    }

    /** Queues a regenerable source of {@code length} bytes; false if the entry table is full. */
    boolean appendSource(SendSource source, long length) {
        if (entriesFull()) {
            return false;
        }
        int e = (head + count) & mask;
        entryStart[e] = end;
        entryLength[e] = length;
        entryPosition[e] = 0;
        entrySource[e] = source;
        count++;
        end += length;
        return true;
    }

    /**
     * Puts stream bytes {@code [offset, offset + length)} at {@code dst}: copies in-memory runs, asks sources
     * for theirs. Returns the number of sources that answered {@link SendSource#PENDING} (0: all in place), or
     * -1 if a source failed.
     */
    int produce(long offset, int length, MemorySegment dst, long dstOffset, ProduceCompletion completion, long ticket) {
        int i = 0;
        while (i < count && entryStart[(head + i) & mask] + entryLength[(head + i) & mask] <= offset) {
            i++;
        }
        int pending = 0;
        lastSourceBytes = 0;
        while (length > 0 && i < count) {
            int e = (head + i) & mask;
            long inEntry = offset - entryStart[e];
            int n = (int) Math.min(length, entryLength[e] - inEntry);
            SendSource s = entrySource[e];
            if (s == null) {
                memory.read(entryPosition[e] + inEntry, dst, dstOffset, n);
            } else {
                lastSourceBytes += n;
                int r = s.produce(entryPosition[e] + inEntry, n, dst, dstOffset, completion, ticket);
                if (r == SendSource.PENDING) {
                    pending++;
                } else if (r != n) {
                    return -1;
                }
            }
            offset += n;
            dstOffset += n;
            length -= n;
            i++;
        }
        return length == 0 ? pending : -1;
    }

    /**
     * How much of the {@code length} bytes at stream {@code offset} a new segment should carry so that it ends on a
     * unit boundary of the source that holds its last byte ({@link SendSource#unitBoundary}): {@code length} when
     * that byte is in memory or no boundary lies inside the segment after {@code offset}.
     */
    int cut(long offset, int length) {
        long last = offset + length - 1;
        for (int i = 0; i < count; i++) {
            int e = (head + i) & mask;
            if (entryStart[e] + entryLength[e] <= last) {
                continue;
            }
            SendSource s = entrySource[e];
            if (s == null || entryStart[e] > last) {
                return length;
            }
            long boundary = entryStart[e] + s.unitBoundary(entryPosition[e] + offset + length - entryStart[e])
                    - entryPosition[e];
            return boundary > offset && boundary < offset + length ? (int) (boundary - offset) : length;
        }
        return length;
    }

    /** The first unit boundary at or after stream {@code offset} ({@link SendSource#nextUnitBoundary}). */
    long nextBoundary(long offset) {
        for (int i = 0; i < count; i++) {
            int e = (head + i) & mask;
            if (entryStart[e] + entryLength[e] <= offset) {
                continue;
            }
            SendSource s = entrySource[e];
            if (s == null || entryStart[e] > offset) {
                return offset;
            }
            return entryStart[e] + s.nextUnitBoundary(entryPosition[e] + offset - entryStart[e]) - entryPosition[e];
        }
        return offset;
    }

    /** Bytes the last {@link #produce} asked of regenerable sources. */
    long lastSourceBytes() {
        return lastSourceBytes;
    }

    /** Every byte before stream offset {@code offset} is acknowledged. */
    void acknowledge(long offset) {
        if (offset <= acked) {
            return;
        }
        acked = offset;
        if (acked == end) {
            memory.clear(); // nothing left in memory: an idle connection holds no block at all
        }
        while (count > 0) {
            int e = head;
            long entryEnd = entryStart[e] + entryLength[e];
            SendSource s = entrySource[e];
            if (entryEnd <= offset) {
                if (s != null) {
                    entrySource[e] = null;
                    s.release();
                } else {
                    memory.release(entryPosition[e] + entryLength[e]);
                }
                head = (head + 1) & mask;
                count--;
            } else {
                long done = offset - entryStart[e];
                if (done > 0) {
                    if (s != null) {
                        s.acknowledged(entryPosition[e] + done);
                    } else {
                        memory.release(entryPosition[e] + done);
                    }
                }
                break;
            }
        }
    }

    /** {@link GroupPrefetch}: loads fields of this object that processing an acknowledgment reads. */
    long prefetch() {
        return head + end + acked;
    }

    /** {@link GroupPrefetch}: the oldest entry, which an acknowledgment trims, and the memory ring. */
    long prefetchEntries() {
        int h = head;
        return entryStart[h] + entryLength[h] + entryPosition[h] + (entrySource[h] == null ? 0 : 1) + memory.prefetch();
    }
}
