package org.diskcryptnet.netmap.datapath;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * A loop's staging slots: where a read lands when the frame cannot take it, and where a TLS record that straddles
 * segments is sealed. A slot holding such a record stays <em>cached</em> after its first part is sent, so that the
 * segments carrying the record's other parts copy from it instead of reading and sealing the record again; its
 * bytes stay charged to the budget until the record's last part is copied out, its source is done, or the slot is
 * evicted (least recently used first) for room or budget. Small (16 slots by default): lookups scan.
 */
final class StagingArea {

    private final Arena arena = Arena.ofShared();
    final MemorySegment memory;
    final int slotBytes;
    private final int[] free;
    private int freeCount;
    private final ExtentSource[] source;
    private final long[] record;
    private final boolean[] ready;
    private final boolean[] cached;
    private final long[] recordStart;
    private final int[] recordWire;
    private final long[] cost;
    private final long[] lastUse;
    private long clock;

    StagingArea(int slots, int slotBytes) {
        this.slotBytes = slotBytes;
        this.memory = arena.allocate((long) slots * slotBytes, 4096);
        this.free = new int[slots];
        for (int i = 0; i < slots; i++) {
            free[freeCount++] = slots - 1 - i;
        }
        this.source = new ExtentSource[slots];
        this.record = new long[slots];
        this.ready = new boolean[slots];
        this.cached = new boolean[slots];
        this.recordStart = new long[slots];
        this.recordWire = new int[slots];
        this.cost = new long[slots];
        this.lastUse = new long[slots];
    }

    int slots() {
        return free.length;
    }

    int freeSlots() {
        return freeCount;
    }

    /** Offset of {@code slot} in {@link #memory}. */
    long base(int slot) {
        return (long) slot * slotBytes;
    }

    int take() {
        return free[--freeCount];
    }

    /** Back to the free list (not cached). */
    void give(int slot) {
        source[slot] = null;
        ready[slot] = false;
        cached[slot] = false;
        cost[slot] = 0;
        free[freeCount++] = slot;
    }

    /** {@code slot} is being filled with record {@code k} of {@code s}. */
    void reading(int slot, ExtentSource s, long k) {
        source[slot] = s;
        record[slot] = k;
        ready[slot] = false;
    }

    /** The record in {@code slot} is sealed: it starts at {@code start} in {@link #memory}, {@code wire} bytes long. */
    void sealed(int slot, long start, int wire) {
        ready[slot] = true;
        recordStart[slot] = start;
        recordWire[slot] = wire;
    }

    /** The slot holding (or filling) record {@code k} of {@code s}, or -1. */
    int find(ExtentSource s, long k) {
        for (int i = 0; i < source.length; i++) {
            if (source[i] == s && record[i] == k) {
                return i;
            }
        }
        return -1;
    }

    boolean ready(int slot) {
        return ready[slot];
    }

    long recordStart(int slot) {
        return recordStart[slot];
    }

    int recordWire(int slot) {
        return recordWire[slot];
    }

    /** Marks {@code slot} used now, so eviction for the plan that uses it takes others. */
    long touch(int slot) {
        lastUse[slot] = ++clock;
        return clock;
    }

    long now() {
        return clock;
    }

    /** Keeps a sealed record after its unit finished, charging {@code bytes} of budget to the slot. */
    void keep(int slot, long bytes) {
        cached[slot] = true;
        cost[slot] = bytes;
        touch(slot);
    }

    /** Frees a cached slot; the budget it held. */
    long release(int slot) {
        if (!cached[slot]) {
            return 0;
        }
        long c = cost[slot];
        give(slot);
        return c;
    }

    /** Frees the least recently used cached slot not used since {@code notSince}; its budget, or -1 if none. */
    long evictOne(long notSince) {
        int victim = -1;
        for (int i = 0; i < source.length; i++) {
            if (cached[i] && lastUse[i] < notSince && (victim < 0 || lastUse[i] < lastUse[victim])) {
                victim = i;
            }
        }
        return victim < 0 ? -1 : release(victim);
    }

    /** Frees every cached slot of {@code s}; the budget they held. */
    long dropAll(ExtentSource s) {
        long total = 0;
        for (int i = 0; i < source.length; i++) {
            if (cached[i] && source[i] == s) {
                total += release(i);
            }
        }
        return total;
    }

    void close() {
        arena.close();
    }
}
