package org.diskcryptnet.netmap.tcp;

/**
 * Group prefetching of the connections a group of received segments is for (Chen, Ailamaki, Gibbons and Mowry,
 * "Improving Hash Join Performance through Prefetching", ICDE 2004). With a thousand connections, a connection's
 * state has left the caches by the time its next segment arrives (the data stream between two visits is larger
 * than the cache; benchmarks/RESULTS.md, "The dip at 1,000 connections"), and processing one segment after another
 * pays those misses one after another: each waits for the line that tells it where the next one is. Java has no
 * prefetch instruction, but a loop that loads one word of each line for every connection of the group, stage by
 * stage (table slot, connection, its parts, what they point to), has no dependence between its iterations, so the
 * core keeps the misses of many connections outstanding at once; the segments are then processed from the caches.
 *
 * <p>Only loads: nothing here changes a connection, and a key that finds none (a SYN, a stray segment) costs its
 * table probe. The loads' sum goes to a field, so that the compiler cannot drop them.
 */
final class GroupPrefetch {

    /** Segments in a group: their connections' lines (about 20 each) stay well within the level-2 cache. */
    static final int GROUP = 32;

    private final ConnectionTable table;
    private final long[] keys = new long[GROUP];
    private final TcpConnection[] connections = new TcpConnection[GROUP];
    private int count;
    private long sink;

    GroupPrefetch(ConnectionTable table) {
        this.table = table;
    }

    /** Adds a segment's connection key; beyond {@link #GROUP} keys, ignored until the next {@link #fetch}. */
    void add(long key) {
        if (count < GROUP) {
            keys[count++] = key;
        }
    }

    /** Loads the state of the connections added since the last fetch. */
    void fetch() {
        int n = count;
        long s = 0;
        for (int i = 0; i < n; i++) {
            connections[i] = table.get(keys[i]);
        }
        for (int i = 0; i < n; i++) {
            TcpConnection c = connections[i];
            if (c != null) {
                s += c.prefetchLines();
            }
        }
        for (int i = 0; i < n; i++) {
            TcpConnection c = connections[i];
            if (c != null) {
                s += c.prefetchParts();
            }
        }
        for (int i = 0; i < n; i++) {
            TcpConnection c = connections[i];
            if (c != null) {
                s += c.prefetchBuffers();
                connections[i] = null;
            }
        }
        sink += s;
        count = 0;
    }
}
