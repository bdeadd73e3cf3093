package org.diskcryptnet.netmap.stack;

/**
 * IPv4 address to MAC, bounded (RFC 1122 section 2.3.2.2 asks for a bounded ARP cache with flooding
 * protection): open addressing over primitive arrays, at most half full, the least recently confirmed entry
 * evicted when full. Requests are rate-limited per entry (one per second, RFC 1122 section 2.3.2.1); an
 * incomplete entry that got no answer after {@link #MAX_REQUESTS} is dropped and may be retried later.
 * Stale entries keep being used while a refresh request is out (as Linux's STALE state).
 */
final class NeighbourCache {

    static final int MAX_REQUESTS = 3;
    private static final long REQUEST_INTERVAL = 1_000_000_000L;
    private static final byte EMPTY = 0;
    private static final byte INCOMPLETE = 1;
    private static final byte REACHABLE = 2;

    private final int[] ips;
    private final long[] macs;
    private final long[] confirmed;
    private final long[] lastRequest;
    private final byte[] requests;
    private final byte[] states;
    private final int mask;
    private final int maxEntries;
    private final long staleAfter;
    private int size;
    /** Set by {@link #resolve}: a request for the address should go out now. */
    boolean requestNeeded;

    NeighbourCache(int maxEntries, long staleAfter) {
        int capacity = Integer.highestOneBit(Math.max(2, maxEntries) * 2 - 1) << 1;
        this.ips = new int[capacity];
        this.macs = new long[capacity];
        this.confirmed = new long[capacity];
        this.lastRequest = new long[capacity];
        this.requests = new byte[capacity];
        this.states = new byte[capacity];
        this.mask = capacity - 1;
        this.maxEntries = maxEntries;
        this.staleAfter = staleAfter;
    }

    int size() {
        return size;
    }

    private static int hash(int ip) {
        int h = ip * 0x9E3779B1;
        return h ^ (h >>> 16);
    }

    private int find(int ip) {
        int i = hash(ip) & mask;
        while (states[i] != EMPTY) {
            if (ips[i] == ip) {
                return i;
            }
            i = (i + 1) & mask;
        }
        return -1;
    }

    /**
     * The MAC of {@code ip}, or -1 if not known yet. Sets {@link #requestNeeded} when an ARP request for it
     * should be sent now (first use, retry, or refresh of a stale entry).
     */
    long resolve(int ip, long now) {
        requestNeeded = false;
        int i = find(ip);
        if (i < 0) {
            i = insert(ip, now);
            states[i] = INCOMPLETE;
            requestNeeded = true;
            lastRequest[i] = now;
            requests[i] = 1;
            return -1;
        }
        if (states[i] == INCOMPLETE) {
            if (now - lastRequest[i] >= REQUEST_INTERVAL) {
                if (requests[i] >= MAX_REQUESTS) {
                    remove(i);  // unanswered: forget it, the next use starts over
                    return -1;
                }
                requests[i]++;
                lastRequest[i] = now;
                requestNeeded = true;
            }
            return -1;
        }
        if (now - confirmed[i] > staleAfter && now - lastRequest[i] >= REQUEST_INTERVAL) {
            if (requests[i] >= MAX_REQUESTS) {
                remove(i);
                return -1;
            }
            requests[i]++;
            lastRequest[i] = now;
            requestNeeded = true;
        }
        return macs[i];
    }

    /**
     * RFC 826's merge: if the sender is in the table, update it; if {@code create} (the packet was for us),
     * add it. Returns true if the entry was incomplete before (someone may be waiting for it).
     */
    boolean update(int ip, long mac, long now, boolean create) {
        int i = find(ip);
        if (i < 0) {
            if (!create) {
                return false;
            }
            i = insert(ip, now);
        }
        boolean wasIncomplete = states[i] != REACHABLE;
        states[i] = REACHABLE;
        macs[i] = mac;
        confirmed[i] = now;
        requests[i] = 0;
        return wasIncomplete;
    }

    /**
     * Learns {@code ip}'s MAC from a frame it sent us ({@link NetworkInterface}: on-link IPv4 sources only): an
     * unknown or unresolved address becomes reachable, a known one with the same MAC is confirmed; a different MAC
     * is left to ARP, which is authoritative. Returns true if the entry was incomplete before.
     */
    boolean glean(int ip, long mac, long now) {
        int i = find(ip);
        if (i >= 0 && states[i] == REACHABLE) {
            if (macs[i] == mac) {
                confirmed[i] = now;
                requests[i] = 0;
            }
            return false;
        }
        return update(ip, mac, now, true);
    }

    private int insert(int ip, long now) {
        if (size >= maxEntries) {
            evictOldest();
        }
        int i = hash(ip) & mask;
        while (states[i] != EMPTY) {
            i = (i + 1) & mask;
        }
        ips[i] = ip;
        macs[i] = 0;
        confirmed[i] = now;
        lastRequest[i] = now;
        requests[i] = 0;
        states[i] = INCOMPLETE;
        size++;
        return i;
    }

    private void evictOldest() {
        int victim = -1;
        for (int i = 0; i <= mask; i++) {
            if (states[i] != EMPTY && (victim < 0 || confirmed[i] < confirmed[victim])) {
                victim = i;
            }
        }
        if (victim >= 0) {
            remove(victim);
        }
    }

    private void remove(int i) {
        states[i] = EMPTY;
        size--;
        int hole = i;
        int j = (i + 1) & mask;
        while (states[j] != EMPTY) {
            int home = hash(ips[j]) & mask;
            if (((j - home) & mask) >= ((j - hole) & mask)) {
                ips[hole] = ips[j];
                macs[hole] = macs[j];
                confirmed[hole] = confirmed[j];
                lastRequest[hole] = lastRequest[j];
                requests[hole] = requests[j];
                states[hole] = states[j];
                states[j] = EMPTY;
                hole = j;
            }
            j = (j + 1) & mask;
        }
    }
}
