package org.diskcryptnet.netmap.port.pipe;

import java.lang.foreign.MemorySegment;

import org.diskcryptnet.netmap.port.PacketRing;

/**
 * One ring of a {@link PipePort}: slots are buffer offsets into the pipe's shared region. The application side
 * ({@code head}, {@code cur}, {@code tail}) belongs to the thread that owns the ring; the "kernel" side moves
 * buffers between a tx ring and the peer's rx ring by swapping slot offsets, as netmap pipes do.
 */
final class PipeRing implements PacketRing {

    private final MemorySegment memory;
    private final int frameCapacity;
    final long[] offsets;
    final int[] lengths;
    int head;
    int tail;

    PipeRing(MemorySegment memory, int slots, long firstBuffer, int bufferSize, int frameCapacity) {
        this.memory = memory;
        this.frameCapacity = frameCapacity;
        this.offsets = new long[slots];
        this.lengths = new int[slots];
        for (int i = 0; i < slots; i++) {
            offsets[i] = firstBuffer + (long) i * bufferSize;
        }
    }

    @Override
    public int size() {
        return offsets.length;
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
        if (slot < 0 || slot >= offsets.length) {
            throw new IndexOutOfBoundsException("slot " + slot + " of a ring of " + offsets.length);
        }
        head = slot;
    }

    @Override
    public MemorySegment memory() {
        return memory;
    }

    @Override
    public long offset(int slot) {
        return offsets[slot];
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
}
