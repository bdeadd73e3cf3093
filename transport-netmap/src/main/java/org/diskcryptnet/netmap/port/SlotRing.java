package org.diskcryptnet.netmap.port;

import java.lang.foreign.MemorySegment;

/**
 * The netmap ring state ({@code head}, {@code cur}, {@code tail} and a slot table) kept in the process, for the
 * ports whose kernel interface is not a netmap ring (AF_XDP, AF_PACKET, TAP): the port's sync methods move frames
 * between this ring and the kernel's rings or file descriptor. Slots hold an offset into {@link #memory()} and a
 * length; both arrays are allocated once, so nothing is allocated per frame.
 *
 * <p>The methods after {@link #frameCapacity()} are for the port that owns the ring, not for its user.
 */
public final class SlotRing implements PacketRing {

    private final MemorySegment memory;
    private final int size;
    private final int frameCapacity;
    private final long[] offsets;
    private final int[] lengths;
    private final int[] segmentSizes;
    private final boolean offloads;
    private int head;
    private int cur;
    private int tail;

    /**
     * @param offloads whether {@link #txOffload} is accepted (the port can hand partial checksums and large
     *                 segments on)
     */
    public SlotRing(MemorySegment memory, int size, int frameCapacity, boolean offloads) {
        if (size < 2) {
            throw new IllegalArgumentException("a ring needs at least 2 slots, not " + size);
        }
        this.memory = memory;
        this.size = size;
        this.frameCapacity = frameCapacity;
        this.offsets = new long[size];
        this.lengths = new int[size];
        this.segmentSizes = new int[size];
        this.offloads = offloads;
        java.util.Arrays.fill(segmentSizes, -1);
    }

    @Override
    public int size() {
        return size;
    }

    @Override
    public int head() {
        return head;
    }

    @Override
    public int cur() {
        return cur;
    }

    @Override
    public int tail() {
        return tail;
    }

    /**
     * Moves {@code head} and {@code cur} to {@code slot}, which must lie in {@code [head, tail]} (netmap(4): the
     * kernel rejects any other value; here it is a programming error).
     */
    @Override
    public void advance(int slot) {
        int moved = slot - head;
        if (moved < 0) {
            moved += size;
        }
        if (slot < 0 || slot >= size || moved > space()) {
            throw new IllegalArgumentException("head may move to [" + head + ", " + tail + "] of a ring of " + size
                    + " slots, not to " + slot);
        }
        head = slot;
        cur = slot;
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
            throw new IllegalArgumentException("frame length " + length + " outside [0, " + frameCapacity + "]");
        }
        lengths[slot] = length;
    }

    @Override
    public int frameCapacity() {
        return frameCapacity;
    }

    @Override
    public void txOffload(int slot, int segmentSize) {
        if (!offloads) {
            PacketRing.super.txOffload(slot, segmentSize);
        }
        if (segmentSize < 0) {
            throw new IllegalArgumentException("segment size " + segmentSize);
        }
        segmentSizes[slot] = segmentSize;
    }

    // ---- for the port that owns the ring ----

    /** Sets {@code tail}: the kernel side hands slots to the application (rx) or gives them back (tx). */
    public void tail(int slot) {
        tail = slot;
    }

    /** Points {@code slot} at a frame: netmap's buffer swap ({@code NS_BUF_CHANGED}). */
    public void offset(int slot, long offset) {
        offsets[slot] = offset;
    }

    /** Sets a slot's length on the kernel side (rx), without the range check of {@link #length(int, int)}. */
    public void receivedLength(int slot, int length) {
        lengths[slot] = length;
    }

    /**
     * The offload request of a submitted tx slot, then forgets it: -1 for none (a complete frame), 0 for a
     * partial checksum only, else the segment size.
     */
    public int takeOffload(int slot) {
        int s = segmentSizes[slot];
        segmentSizes[slot] = -1;
        return s;
    }

    /** {@code (to - from) mod size}. */
    public int distance(int from, int to) {
        int d = to - from;
        return d < 0 ? d + size : d;
    }

    /** {@code (slot + n) mod size}. */
    public int plus(int slot, int n) {
        int s = slot + n;
        return s >= size ? s - size : s;
    }
}
