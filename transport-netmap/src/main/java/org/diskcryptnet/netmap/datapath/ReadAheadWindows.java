package org.diskcryptnet.netmap.datapath;

import java.lang.foreign.MemorySegment;

import org.diskcryptnet.netmap.port.linux.MappedRegion;

/**
 * A loop's read windows: each extent source reads its file through one <em>current</em> window, a run of whole
 * blocks read in one disk read, from which the segments (or TLS records) TCP asks for are copied into their frames.
 * A read of one segment costs a queue entry, a system call's share and the blocks around it, of which a 1,448-byte
 * segment uses a third; a window is read for the run of segments the connection may send now (and, if configured,
 * some read-ahead beyond), so its blocks are read once and its last block serves the next segment too.
 *
 * <p>A window is charged to the budget from its read until it is freed: when its source moves on to a new window
 * (and no unit still waits on it), when the source is done, or when it is evicted idle (read, no unit waiting)
 * for room or budget, least recently used first, in O(1) through an intrusive list.
 *
 * <p>The memory is one anonymous mapping faulted in on first touch: a slot's pages are only resident once a window
 * as long as them was read into it, and the free list is a stack, so the slots in use are the recently used ones.
 */
final class ReadAheadWindows implements AutoCloseable {

    private static final int NONE = -1;

    /**
     * Room after each slot's bytes: sealing a TLS 1.3 record from a window borrows the byte after its plaintext
     * ({@code RecordProtection.seal} from another buffer), which for a window's last record would otherwise be the
     * next slot's, possibly under a read in flight. A page, so that slots stay page-aligned for direct reads.
     */
    static final int TRAILER_ROOM = 4096;

    private final MappedRegion region;
    final MemorySegment memory;
    /** Bytes from one slot's start to the next's: a window's bytes and the room after them. */
    private final int stride;

    private final int[] free;
    private int freeCount;
    private final ExtentSource[] source;
    /** File offset of the slot's first byte (block-aligned), and the end of the bytes it holds once read. */
    private final long[] from;
    private final long[] to;
    private final boolean[] ready;
    /** Pieces waiting for the slot's read. */
    private final int[] refs;
    private final long[] cost;
    /** Whether the slot is its source's current window. */
    private final boolean[] current;
    private final long[] lastUse;
    /** The head of the pieces waiting for the read (linked by the path). */
    private final int[] waiters;
    // idle list: current, read, nothing waiting; least recently used first
    private final int[] idlePrev;
    private final int[] idleNext;
    private final boolean[] idle;
    private int idleHead = NONE;
    private int idleTail = NONE;
    private long clock;

    ReadAheadWindows(int slots, int slotBytes) {
        this.stride = slotBytes + TRAILER_ROOM;
        this.region = MappedRegion.anonymous((long) slots * stride, "read windows");
        this.memory = region.segment();
        this.free = new int[slots];
        for (int i = 0; i < slots; i++) {
            free[freeCount++] = slots - 1 - i;
        }
        this.source = new ExtentSource[slots];
        this.from = new long[slots];
        this.to = new long[slots];
        this.ready = new boolean[slots];
        this.refs = new int[slots];
        this.cost = new long[slots];
        this.current = new boolean[slots];
        this.lastUse = new long[slots];
        this.waiters = new int[slots];
        this.idlePrev = new int[slots];
        this.idleNext = new int[slots];
        this.idle = new boolean[slots];
    }

    int freeSlots() {
        return freeCount;
    }

    /** A new current window of {@code s} over file bytes [from, to) about to be read, charged {@code cost}. */
    int open(ExtentSource s, long fileFrom, long fileTo, long readCost) {
        int w = free[--freeCount];
        source[w] = s;
        from[w] = fileFrom;
        to[w] = fileTo;
        ready[w] = false;
        refs[w] = 0;
        cost[w] = readCost;
        current[w] = true;
        waiters[w] = NONE;
        lastUse[w] = ++clock;
        return w;
    }

    long from(int w) {
        return from[w];
    }

    long to(int w) {
        return to[w];
    }

    boolean ready(int w) {
        return ready[w];
    }

    /** Offset in {@link #memory} of file byte {@code fileOffset}, which the window holds. */
    long offsetOf(int w, long fileOffset) {
        return (long) w * stride + (fileOffset - from[w]);
    }

    long now() {
        return clock;
    }

    /** Marks the window used now (eviction for the plan that uses it takes others) and moves it off the idle list. */
    void touch(int w) {
        lastUse[w] = ++clock;
        if (idle[w]) {
            unlinkIdle(w);
            linkIdle(w);
        }
    }

    /** A piece waits for the window's read: links it as the new head of the waiters (the path keeps the chain). */
    int addWaiter(int w, int piece) {
        int previousHead = waiters[w];
        waiters[w] = piece;
        refs[w]++;
        return previousHead;
    }

    /** The read completed (successfully or not): the waiters' chain head; the window now has no waiters. */
    int takeWaiters(int w, boolean read) {
        int head = waiters[w];
        waiters[w] = NONE;
        ready[w] = read;
        return head;
    }

    /**
     * The waiters taken are done with: frees the window if it is no longer current (or its read failed) and
     * returns its budget; else it becomes idle.
     */
    long settle(int w, int waitersDone) {
        refs[w] -= waitersDone;
        if (refs[w] > 0) {
            return 0;
        }
        if (!current[w] || !ready[w]) {
            if (current[w]) {
                source[w].window = NONE;
            }
            return give(w);
        }
        if (!idle[w]) {
            linkIdle(w);
        }
        return 0;
    }

    /** {@code s} moves to a new window or is done: frees its current one unless units still wait on it. */
    long retire(ExtentSource s) {
        int w = s.window;
        if (w == NONE) {
            return 0;
        }
        s.window = NONE;
        current[w] = false;
        if (refs[w] > 0) {
            return 0; // freed when its read completes
        }
        return give(w);
    }

    /** Frees the least recently used idle window not used since {@code notSince}; its budget, or -1 if none. */
    long evictOne(long notSince) {
        int w = idleHead;
        if (w == NONE || lastUse[w] >= notSince) {
            return -1;
        }
        source[w].window = NONE;
        return give(w);
    }

    private long give(int w) {
        if (idle[w]) {
            unlinkIdle(w);
        }
        long c = cost[w];
        source[w] = null;
        ready[w] = false;
        current[w] = false;
        cost[w] = 0;
        free[freeCount++] = w;
        return c;
    }

    private void linkIdle(int w) {
        idle[w] = true;
        idlePrev[w] = idleTail;
        idleNext[w] = NONE;
        if (idleTail != NONE) {
            idleNext[idleTail] = w;
        } else {
            idleHead = w;
        }
        idleTail = w;
    }

    private void unlinkIdle(int w) {
        idle[w] = false;
        int p = idlePrev[w];
        int n = idleNext[w];
        if (p != NONE) {
            idleNext[p] = n;
        } else {
            idleHead = n;
        }
        if (n != NONE) {
            idlePrev[n] = p;
        } else {
            idleTail = p;
        }
    }

    @Override
    public void close() {
        region.close();
    }
}
