package org.diskcryptnet.netmap.tcp;

import java.lang.foreign.MemorySegment;

/**
 * A window of a byte stream, {@code [base, base + capacity)}, stored in {@link BlockPool} blocks that are taken
 * only when bytes are written into them and given back as {@link #release} moves the base past them. Offsets
 * are positions in the stream (longs, never wrapping); a block table of power-of-two size maps
 * {@code offset >>> BLOCK_SHIFT} to a pool block. Both directions use it: the receive buffer writes anywhere in
 * its window (out-of-order data lands in place), the send buffer appends and reads back for retransmission.
 */
final class BlockRing {

    private final BlockPool pool;
    private final int[] table;
    private final int mask;
    private final int capacity;
    private long base;

    BlockRing(BlockPool pool, int capacity) {
        this.pool = pool;
        this.capacity = capacity;
        // an unaligned window of `capacity` bytes touches capacity/BLOCK + 1 blocks
        int slots = Integer.highestOneBit((capacity >>> BlockPool.BLOCK_SHIFT) + 1);
        if (slots < (capacity >>> BlockPool.BLOCK_SHIFT) + 1) {
            slots <<= 1;
        }
        this.table = new int[slots];
        this.mask = slots - 1;
        java.util.Arrays.fill(table, -1);
    }

    int capacity() {
        return capacity;
    }

    long base() {
        return base;
    }

    /** Starts a new stream at offset 0 (connection reuse); every block must already be released. */
    void reset() {
        clear();
        base = 0;
    }

    /**
     * Copies {@code length} bytes to stream offset {@code offset} (within the window); false, and nothing
     * written, if the pool ran out of blocks.
     */
    boolean write(long offset, MemorySegment src, long srcOffset, int length) {
        long end = offset + length;
        for (long b = offset >>> BlockPool.BLOCK_SHIFT; b <= (end - 1) >>> BlockPool.BLOCK_SHIFT; b++) {
            int slot = (int) b & mask;
            if (table[slot] < 0) {
                int block = pool.allocate();
                if (block < 0) {
                    return false;
                }
                table[slot] = block;
            }
        }
        MemorySegment mem = pool.memory();
        long p = offset;
        long s = srcOffset;
        while (p < end) {
            int inBlock = (int) (p & (BlockPool.BLOCK_SIZE - 1));
            int n = (int) Math.min(end - p, BlockPool.BLOCK_SIZE - inBlock);
            MemorySegment.copy(src, s, mem, pool.offset(table[(int) (p >>> BlockPool.BLOCK_SHIFT) & mask]) + inBlock, n);
            p += n;
            s += n;
        }
        return true;
    }

    /** Copies {@code length} bytes from stream offset {@code offset} (which must have been written). */
    void read(long offset, MemorySegment dst, long dstOffset, int length) {
        MemorySegment mem = pool.memory();
        long p = offset;
        long end = offset + length;
        long d = dstOffset;
        while (p < end) {
            int inBlock = (int) (p & (BlockPool.BLOCK_SIZE - 1));
            int n = (int) Math.min(end - p, BlockPool.BLOCK_SIZE - inBlock);
            MemorySegment.copy(mem, pool.offset(table[(int) (p >>> BlockPool.BLOCK_SHIFT) & mask]) + inBlock, dst, d, n);
            p += n;
            d += n;
        }
    }

    /** Bytes from {@code offset} to the end of its block: the longest run readable in place. */
    int span(long offset) {
        return BlockPool.BLOCK_SIZE - (int) (offset & (BlockPool.BLOCK_SIZE - 1));
    }

    /** Where stream offset {@code offset} lies in {@link BlockPool#memory()}. */
    long memoryOffset(long offset) {
        return pool.offset(table[(int) (offset >>> BlockPool.BLOCK_SHIFT) & mask])
                + (offset & (BlockPool.BLOCK_SIZE - 1));
    }

    MemorySegment memory() {
        return pool.memory();
    }

    /** Moves the base to {@code newBase}, giving back every block wholly below it. */
    void release(long newBase) {
        long firstBlock = base >>> BlockPool.BLOCK_SHIFT;
        long lastBlock = newBase >>> BlockPool.BLOCK_SHIFT; // blocks below this one are wholly released
        for (long b = firstBlock; b < lastBlock; b++) {
            int slot = (int) b & mask;
            if (table[slot] >= 0) {
                pool.release(table[slot]);
                table[slot] = -1;
            }
        }
        base = newBase;
    }

    /** Gives back every block (connection closed). */
    void clear() {
        for (int i = 0; i < table.length; i++) {
            if (table[i] >= 0) {
                pool.release(table[i]);
                table[i] = -1;
            }
        }
    }

    /** Blocks this ring holds now. */
    int blocksHeld() {
        int n = 0;
        for (int b : table) {
            if (b >= 0) {
                n++;
            }
        }
        return n;
    }

    /** {@link GroupPrefetch}: loads fields of this object that processing an acknowledgment reads. */
    long prefetch() {
        return base + table.length;
    }
}
