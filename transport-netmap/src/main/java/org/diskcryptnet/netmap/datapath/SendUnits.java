package org.diskcryptnet.netmap.datapath;

import java.lang.foreign.MemorySegment;

import org.diskcryptnet.netmap.tcp.ProduceCompletion;

/**
 * The send path's units, one per {@code produce} call of TCP: a range of an extent source to put into a frame TCP
 * reserved. Fixed parallel arrays indexed by unit (no object per unit), a free list, and the ring of units waiting
 * for the next batch, oldest first.
 */
final class SendUnits {

    /** Units that may wait or be read at once (as many as TCP can have pending productions): also the largest batch. */
    static final int MAX = 4096;

    final ExtentSource[] source = new ExtentSource[MAX];
    /** Source position and length of the unit's bytes. */
    final long[] position = new long[MAX];
    final int[] length = new int[MAX];
    /** The frame and where in it the bytes go. */
    final MemorySegment[] dst = new MemorySegment[MAX];
    final long[] dstOffset = new long[MAX];
    final ProduceCompletion[] completion = new ProduceCompletion[MAX];
    final long[] ticket = new long[MAX];
    /** Bytes of the unit produced before: a retransmission's, read again. */
    final long[] reRead = new long[MAX];
    /** The unit reads bytes (or a TLS record) produced before: its file must be unchanged ({@link ReReadGuard}). */
    final boolean[] check = new boolean[MAX];
    /** Budget the unit's own reads hold until it finishes (read windows hold theirs). */
    final long[] cost = new long[MAX];
    /** Reads (pieces) not yet completed. */
    final int[] outstanding = new int[MAX];
    final boolean[] failed = new boolean[MAX];
    /** The head of the unit's chain of pieces, or -1. */
    final int[] firstPiece = new int[MAX];

    private final int[] free = new int[MAX];
    private int freeCount;
    private final int[] waiting = new int[MAX];
    private int waitingHead;
    private int waitingCount;

    SendUnits() {
        for (int i = 0; i < MAX; i++) {
            free[freeCount++] = MAX - 1 - i;
        }
    }

    boolean full() {
        return freeCount == 0;
    }

    int take() {
        return free[--freeCount];
    }

    void give(int u) {
        source[u] = null;
        dst[u] = null;
        completion[u] = null;
        cost[u] = 0;
        free[freeCount++] = u;
    }

    /** Units taken and not given back, waiting or reading. */
    int taken() {
        return MAX - freeCount;
    }

    void enqueue(int u) {
        waiting[(waitingHead + waitingCount) & (MAX - 1)] = u;
        waitingCount++;
    }

    int waitingCount() {
        return waitingCount;
    }

    /** The {@code i}-th waiting unit, 0 the oldest. */
    int waiting(int i) {
        return waiting[(waitingHead + i) & (MAX - 1)];
    }

    void dequeue() {
        waitingHead = (waitingHead + 1) & (MAX - 1);
        waitingCount--;
    }
}
