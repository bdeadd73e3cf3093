package org.diskcryptnet.netmap.port.fault;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;

/**
 * The faults of one direction of one queue: draws each frame's fate from the plan's seeded generator, and
 * holds reordered and delayed frames in a small area of its own until they are due.
 */
final class FaultyDirection {

    /** Where frames go: the inner port's tx ring, or the application's rx ring. */
    interface Sink {
        /** Free slots. */
        int room();

        /** @param offload the frame's offload request ({@code PacketRing.txOffload}), -1 for none */
        void put(MemorySegment src, long offset, int length, int offload);
    }

    static final int HOLD = 64;

    private final FaultPlan plan;
    private final SplittableRandom random;
    final FaultCounters counters = new FaultCounters();
    private final MemorySegment memory;
    private final long holdBase;
    private final int bufferSize;
    private final int[] holdLength = new int[HOLD];
    private final long[] holdUntil = new long[HOLD];
    private final boolean[] holdReorder = new boolean[HOLD];
    private final int[] holdOffload = new int[HOLD];
    private int held;

    FaultyDirection(FaultPlan plan, MemorySegment memory, long holdBase, int bufferSize) {
        this.plan = plan;
        this.random = new SplittableRandom(plan.seed());
        this.memory = memory;
        this.holdBase = holdBase;
        this.bufferSize = bufferSize;
    }

    /** Decides the fate of one frame and forwards it; false (and no draw made) if the sink has no room. */
    boolean frame(MemorySegment src, long offset, int length, int offload, long now, Sink out) {
        if (out.room() < 2) {
            return false;
        }
        counters.frames++;
        double r = random.nextDouble();
        if ((r -= plan.loss()) < 0) {
            counters.dropped++;
            return true;
        }
        if ((r -= plan.corrupt()) < 0 && offload >= 0) {
            // the port completes this frame's checksum later: a flipped bit would get a valid checksum, which is
            // no fault a wire makes; such frames pass unharmed
            forward(src, offset, length, offload, out);
        } else if (r < 0) {
            long bit = random.nextLong((long) length * 8);
            long at = offset + (bit >>> 3);
            byte b = src.get(ValueLayout.JAVA_BYTE, at);
            src.set(ValueLayout.JAVA_BYTE, at, (byte) (b ^ (1 << (bit & 7))));
            counters.corrupted++;
            forward(src, offset, length, offload, out);
        } else if ((r -= plan.duplicate()) < 0) {
            counters.duplicated++;
            forward(src, offset, length, offload, out);
            forward(src, offset, length, offload, out);
        } else if ((r -= plan.reorder()) < 0) {
            if (hold(src, offset, length, offload, now + plan.delayNanos(), true)) {
                counters.reordered++;
                return true;
            }
            forward(src, offset, length, offload, out);
        } else if ((r -= plan.delay()) < 0) {
            if (hold(src, offset, length, offload, now + plan.delayNanos(), false)) {
                counters.delayed++;
                return true;
            }
            forward(src, offset, length, offload, out);
        } else {
            forward(src, offset, length, offload, out);
        }
        releaseReordered(out);
        return true;
    }

    private void forward(MemorySegment src, long offset, int length, int offload, Sink out) {
        out.put(src, offset, length, offload);
    }

    private boolean hold(MemorySegment src, long offset, int length, int offload, long until, boolean reorder) {
        for (int i = 0; i < HOLD; i++) {
            if (holdLength[i] == 0) {
                MemorySegment.copy(src, offset, memory, holdBase + (long) i * bufferSize, length);
                holdLength[i] = length;
                holdUntil[i] = until;
                holdReorder[i] = reorder;
                holdOffload[i] = offload;
                held++;
                return true;
            }
        }
        return false;
    }

    /** A frame passed: reordered frames that waited for one follow it now. */
    private void releaseReordered(Sink out) {
        if (held == 0) {
            return;
        }
        for (int i = 0; i < HOLD && out.room() > 0; i++) {
            if (holdLength[i] != 0 && holdReorder[i]) {
                release(i, out);
            }
        }
    }

    /** Held frames whose time has come (delays, and reordered frames no successor came for). */
    void releaseDue(long now, Sink out) {
        if (held == 0) {
            return;
        }
        for (int i = 0; i < HOLD && out.room() > 0; i++) {
            if (holdLength[i] != 0 && holdUntil[i] - now <= 0) {
                release(i, out);
            }
        }
    }

    private void release(int i, Sink out) {
        out.put(memory, holdBase + (long) i * bufferSize, holdLength[i], holdOffload[i]);
        holdLength[i] = 0;
        held--;
    }

    int held() {
        return held;
    }
}
