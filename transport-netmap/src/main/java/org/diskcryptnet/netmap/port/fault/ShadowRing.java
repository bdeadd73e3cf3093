package org.diskcryptnet.netmap.port.fault;

import java.lang.foreign.MemorySegment;

import org.diskcryptnet.netmap.port.PacketRing;

/** A ring the {@link FaultInjectingPort} shows the application: its own slots and buffers, fixed per slot. */
final class ShadowRing implements PacketRing {

    private final MemorySegment memory;
    private final long base;
    private final int bufferSize;
    private final int frameCapacity;
    final int[] lengths;
    /** Per tx slot: the offload asked for ({@link #txOffload}), -1 for none. */
    final int[] offloads;
    private final boolean offloadable;
    int head;
    int tail;

    ShadowRing(MemorySegment memory, long base, int slots, int bufferSize, int frameCapacity, boolean offloadable) {
        this.memory = memory;
        this.base = base;
        this.bufferSize = bufferSize;
        this.frameCapacity = frameCapacity;
        this.lengths = new int[slots];
        this.offloads = new int[slots];
        this.offloadable = offloadable;
        java.util.Arrays.fill(offloads, -1);
    }

    /** Recorded and passed on to the inner port's ring with the frame (when the inner port has offloads). */
    @Override
    public void txOffload(int slot, int segmentSize) {
        if (!offloadable) {
            PacketRing.super.txOffload(slot, segmentSize);
        }
        if (segmentSize < 0) {
            throw new IllegalArgumentException("segment size " + segmentSize);
        }
        offloads[slot] = segmentSize;
    }

    @Override
    public int size() {
        return lengths.length;
    }

    @Override
    public int head() {
        return head;
    }

    @Override
    public int cur() {
        return head;
    }

    @Override
    public int tail() {
        return tail;
    }

    @Override
    public void advance(int slot) {
        if (slot < 0 || slot >= lengths.length) {
            throw new IndexOutOfBoundsException("slot " + slot + " of a ring of " + lengths.length);
        }
        head = slot;
    }

    @Override
    public MemorySegment memory() {
        return memory;
    }

    @Override
    public long offset(int slot) {
        return base + (long) slot * bufferSize;
    }

    @Override
    public int length(int slot) {
        return lengths[slot];
    }

    @Override
    public void length(int slot, int length) {
        if (length < 0 || length > frameCapacity) {
            throw new IllegalArgumentException("frame length " + length + " is not within 0.." + frameCapacity);
        }
        lengths[slot] = length;
    }

    @Override
    public int frameCapacity() {
        return frameCapacity;
    }

    int next(int slot, int n) {
        int s = slot + n;
        return s >= lengths.length ? s - lengths.length : s;
    }
}
