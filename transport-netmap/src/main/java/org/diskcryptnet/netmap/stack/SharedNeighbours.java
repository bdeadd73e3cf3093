package org.diskcryptnet.netmap.stack;

import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * What ARP taught the loops of one port, for one another. With one loop per queue, the reply to one loop's ARP
 * request is steered to whichever queue the sender's hash picks, so the loop that asked may never see it; a next
 * hop off the link (the router) cannot be learnt from the frames it forwards either. So every loop publishes the
 * mappings ARP teaches it here, and a loop whose own {@link NeighbourCache} has no answer looks here before it asks
 * (and again each time TCP retries a segment that waited). A mapping is as good as its age: one older than the
 * caller's staleness bound is not given out, so a host that went away (or an address that moved) is asked about
 * again instead of being sent to forever through the other loops' memory.
 *
 * <p>Read-mostly and lock-free: open addressing over immutable entries replaced whole by compare-and-set. A publish
 * allocates one entry (ARP is the control path); a lookup allocates nothing. Bounded: when the probe window of an
 * address is full, its home slot is overwritten (RFC 1122 section 2.3.2.2: a bounded cache, flooding-proof).
 */
public final class SharedNeighbours {

    private static final int PROBES = 8;

    /** {@code learnt}: the publishing loop's clock (nanoseconds, {@link System#nanoTime} in service). */
    private record Entry(int ip, long mac, long learnt) {
    }

    private final AtomicReferenceArray<Entry> slots;
    private final int mask;

    /** Room for about {@code entries} addresses. */
    public SharedNeighbours(int entries) {
        int capacity = Integer.highestOneBit(Math.max(8, entries) * 2 - 1) << 1;
        this.slots = new AtomicReferenceArray<>(capacity);
        this.mask = capacity - 1;
    }

    private static int home(int ip) {
        int h = ip * 0x9E3779B1;
        return h ^ (h >>> 16);
    }

    /** {@code ip} is at {@code mac}, as of {@code now}. */
    public void publish(int ip, long mac, long now) {
        int start = home(ip) & mask;
        for (int attempt = 0; attempt < 4; attempt++) {
            for (int p = 0; p < PROBES; p++) {
                int i = (start + p) & mask;
                Entry e = slots.get(i);
                if (e == null || e.ip == ip) {
                    if (slots.compareAndSet(i, e, new Entry(ip, mac, now))) {
                        return;
                    }
                    break; // another loop wrote this slot meanwhile: look again
                }
            }
        }
        slots.set(start, new Entry(ip, mac, now)); // the window is full (or contended): the home slot gives way
    }

    /** The MAC another loop learnt for {@code ip} at most {@code maxAge} before {@code now}, or -1. */
    public long lookup(int ip, long now, long maxAge) {
        int start = home(ip) & mask;
        for (int p = 0; p < PROBES; p++) {
            Entry e = slots.get((start + p) & mask);
            if (e == null) {
                return -1;
            }
            if (e.ip == ip) {
                return now - e.learnt <= maxAge ? e.mac : -1;
            }
        }
        return -1;
    }
}
