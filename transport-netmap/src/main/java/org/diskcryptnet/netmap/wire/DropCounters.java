package org.diskcryptnet.netmap.wire;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.EnumMap;
import java.util.Map;

/**
 * Drops by {@link DropReason}, one counter each, for one event loop. Written only by the loop's thread as plain
 * longs; a scrape from another thread reads them without synchronisation and may see a value a few packets
 * old, which is all a counter needs.
 */
public final class DropCounters {

    private static final VarHandle LONGS = MethodHandles.arrayElementVarHandle(long[].class);

    private final long[] counts = new long[DropReason.count()];

    public void increment(DropReason reason) {
        counts[reason.ordinal()]++;
    }

    public long get(DropReason reason) {
        return counts[reason.ordinal()];
    }

    /** The counter read with an opaque load: for a scrape from another thread (the loop's stores stay plain). */
    public long getOpaque(DropReason reason) {
        return (long) LONGS.getOpaque(counts, reason.ordinal());
    }

    public long total() {
        long t = 0;
        for (long c : counts) {
            t += c;
        }
        return t;
    }

    /** The non-zero counters, for printing and scraping (allocates: not for the data path). */
    public Map<DropReason, Long> snapshot() {
        Map<DropReason, Long> m = new EnumMap<>(DropReason.class);
        for (int i = 0; i < counts.length; i++) {
            if (counts[i] != 0) {
                m.put(DropReason.of(i), counts[i]);
            }
        }
        return m;
    }

    @Override
    public String toString() {
        return snapshot().toString();
    }
}
