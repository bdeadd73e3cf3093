package org.diskcryptnet.netmap.tcp;

import java.lang.foreign.MemorySegment;

import org.diskcryptnet.netmap.port.linux.MappedRegion;

/**
 * One loop's off-heap memory for connection buffers, cut into fixed blocks handed out by index from a free
 * stack. Send and receive buffers of every connection draw blocks only while they hold bytes, so the pool's
 * size is the loop's bound on buffered and reassembly memory ({@link TcpConfig#bufferPoolBytes}), whatever
 * the number of connections. The memory is mapped, not allocated: the kernel gives a page its frame when a
 * block on it is first used, and the free stack hands out the most recently released block first, so the
 * loop's resident buffer memory follows its peak use, not this bound. Single-threaded, like the loop that
 * owns it.
 */
public final class BlockPool implements AutoCloseable {

    public static final int BLOCK_SHIFT = 14;
    public static final int BLOCK_SIZE = 1 << BLOCK_SHIFT;

    private final MappedRegion region;
    private final MemorySegment memory;
    private final int[] free;
    private int freeCount;

    public BlockPool(long bytes) {
        int blocks = (int) Math.min(Integer.MAX_VALUE - 8, bytes >>> BLOCK_SHIFT);
        if (blocks < 1) {
            throw new IllegalArgumentException("a block pool needs at least " + BLOCK_SIZE + " bytes, not " + bytes);
        }
        this.region = MappedRegion.anonymous((long) blocks << BLOCK_SHIFT, "the TCP buffer pool");
        this.memory = region.segment();
        this.free = new int[blocks];
        for (int i = 0; i < blocks; i++) {
            free[i] = blocks - 1 - i;
        }
        this.freeCount = blocks;
    }

    /** A free block's index, or -1 when the pool is exhausted. */
    int allocate() {
        return freeCount == 0 ? -1 : free[--freeCount];
    }

    void release(int block) {
        free[freeCount++] = block;
    }

    long offset(int block) {
        return (long) block << BLOCK_SHIFT;
    }

    public MemorySegment memory() {
        return memory;
    }

    public int capacity() {
        return free.length;
    }

    public int available() {
        return freeCount;
    }

    @Override
    public void close() {
        region.close();
    }
}
