package org.diskcryptnet.netmap.port.netmap;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.MemorySegment;

import org.diskcryptnet.netmap.port.PacketRing;

/**
 * A {@code struct netmap_ring} in the shared region, read and written in place: {@code head}, {@code cur} and
 * {@code tail} are the ring's own fields, a slot's frame is {@code ring + buf_ofs + buf_idx * nr_buf_size}
 * (netmap(4), NETMAP_BUF). The kernel changes {@code tail} and slots only inside a sync ioctl made by the owning
 * thread, so plain accesses suffice.
 */
final class NetmapRing implements PacketRing {

    private final MemorySegment memory;
    private final long ring;
    private final int size;
    private final int bufferSize;
    private final long buffers;

    NetmapRing(MemorySegment memory, long ring) {
        this.memory = memory;
        this.ring = ring;
        this.size = memory.get(JAVA_INT, ring + NetmapAbi.RING_NUM_SLOTS);
        this.bufferSize = memory.get(JAVA_INT, ring + NetmapAbi.RING_BUF_SIZE);
        this.buffers = ring + memory.get(JAVA_LONG, ring + NetmapAbi.RING_BUF_OFS);
    }

    @Override
    public int size() {
        return size;
    }

    @Override
    public int head() {
        return memory.get(JAVA_INT, ring + NetmapAbi.RING_HEAD);
    }

    @Override
    public int cur() {
        return memory.get(JAVA_INT, ring + NetmapAbi.RING_CUR);
    }

    @Override
    public int tail() {
        return memory.get(JAVA_INT, ring + NetmapAbi.RING_TAIL);
    }

    /** head and cur to {@code slot} in [head, tail]: netmap rejects (and resets the ring on) anything else. */
    @Override
    public void advance(int slot) {
        int head = head();
        int moved = slot - head;
        if (moved < 0) {
            moved += size;
        }
        if (slot < 0 || slot >= size || moved > space()) {
            throw new IllegalArgumentException("head may move to [" + head + ", " + tail() + "] of a ring of " + size
                    + " slots, not to " + slot);
        }
        memory.set(JAVA_INT, ring + NetmapAbi.RING_HEAD, slot);
        memory.set(JAVA_INT, ring + NetmapAbi.RING_CUR, slot);
    }

    @Override
    public MemorySegment memory() {
        return memory;
    }

    private long slot(int slot) {
        return ring + NetmapAbi.RING_SLOTS + slot * NetmapAbi.SLOT_SIZE;
    }

    @Override
    public long offset(int slot) {
        int index = memory.get(JAVA_INT, slot(slot) + NetmapAbi.SLOT_BUF_IDX);
        return buffers + (long) index * bufferSize;
    }

    @Override
    public int length(int slot) {
        return memory.get(JAVA_SHORT, slot(slot) + NetmapAbi.SLOT_LEN) & 0xFFFF;
    }

    @Override
    public void length(int slot, int length) {
        if (length < 0 || length > bufferSize) {
            throw new IllegalArgumentException("frame length " + length + " outside [0, " + bufferSize + "]");
        }
        memory.set(JAVA_SHORT, slot(slot) + NetmapAbi.SLOT_LEN, (short) length);
    }

    @Override
    public int frameCapacity() {
        return bufferSize;
    }
}
