package org.diskcryptnet.netmap.tcp;

/**
 * Connection lookup by (remote address, remote port, local port) in O(1): open addressing with linear probing
 * over primitive keys, at most half full, deletion by backward shift (no tombstones). The local address is
 * the loop's own, so it is not part of the key. No allocation after construction.
 */
final class ConnectionTable {

    private final long[] keys;
    private final TcpConnection[] values;
    private final int mask;
    private int size;

    ConnectionTable(int maxEntries) {
        int capacity = Integer.highestOneBit(Math.max(4, maxEntries) * 2 - 1) << 1;
        keys = new long[capacity];
        values = new TcpConnection[capacity];
        mask = capacity - 1;
    }

    static long key(int remoteIp, int remotePort, int localPort) {
        return (remoteIp & 0xFFFF_FFFFL) << 32 | (long) remotePort << 16 | localPort;
    }

    private static int hash(long key) {
        // the finaliser of MurmurHash3 (fmix64): every key bit affects every slot bit
        key ^= key >>> 33;
        key *= 0xff51afd7ed558ccdL;
        key ^= key >>> 33;
        key *= 0xc4ceb9fe1a85ec53L;
        key ^= key >>> 33;
        return (int) key;
    }

    TcpConnection get(long key) {
        int i = hash(key) & mask;
        TcpConnection v;
        while ((v = values[i]) != null) {
            if (keys[i] == key) {
                return v;
            }
            i = (i + 1) & mask;
        }
        return null;
    }

    void put(long key, TcpConnection value) {
        int i = hash(key) & mask;
        while (values[i] != null) {
            if (keys[i] == key) {
                values[i] = value;
                return;
            }
            i = (i + 1) & mask;
        }
        keys[i] = key;
        values[i] = value;
        size++;
    }

    void remove(long key) {
        int i = hash(key) & mask;
        while (values[i] != null) {
            if (keys[i] == key) {
                break;
            }
            i = (i + 1) & mask;
        }
        if (values[i] == null) {
            return;
        }
        values[i] = null;
        size--;
        // backward shift: move later entries of the probe run into the hole if their home is at or before it
        int hole = i;
        int j = (i + 1) & mask;
        while (values[j] != null) {
            int home = hash(keys[j]) & mask;
            if (((j - home) & mask) >= ((j - hole) & mask)) {
                keys[hole] = keys[j];
                values[hole] = values[j];
                values[j] = null;
                hole = j;
            }
            j = (j + 1) & mask;
        }
    }

    int size() {
        return size;
    }
}
