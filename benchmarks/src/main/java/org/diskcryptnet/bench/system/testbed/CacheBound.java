package org.diskcryptnet.bench.system.testbed;

import java.io.IOException;

/**
 * Bounds the page cache a server may hold during a cache-cold run, without bounding its own memory: every 20 ms
 * the memory cgroup's limit is set to what the server uses apart from page cache, plus the cache budget. The kernel
 * then reclaims the server's page cache beyond the budget (cache is reclaimed before anything else is considered),
 * while buffers the server allocates for thousands of connections (nginx's {@code output_buffers}, the JVM's heap)
 * are never the cause of an OOM kill, as a fixed limit would make them.
 */
public final class CacheBound implements AutoCloseable {

    private static final long STEP = 4L << 20;

    private final MemoryCgroups.Group group;
    private final long budget;
    private final Thread thread;
    private volatile boolean stop;
    private volatile long maxCache;

    private CacheBound(MemoryCgroups.Group group, long budget) {
        this.group = group;
        this.budget = budget;
        this.thread = Thread.ofPlatform().daemon().name("dcnb-cache-bound").unstarted(this::loop);
    }

    /** Starts bounding {@code group}'s page cache to {@code budget} bytes; {@link #close} lifts the bound. */
    public static CacheBound start(MemoryCgroups.Group group, long budget) throws IOException {
        CacheBound b = new CacheBound(group, budget);
        group.limit(group.nonCacheBytes() + budget);
        b.thread.start();
        return b;
    }

    private void loop() {
        long last = -1;
        while (!stop) {
            long nonCache = group.nonCacheBytes();
            maxCache = Math.max(maxCache, group.pageCacheBytes());
            long limit = nonCache + budget;
            if (nonCache >= 0 && Math.abs(limit - last) >= STEP) {
                try {
                    group.limit(limit);
                    last = limit;
                } catch (IOException busy) {
                    // EBUSY: the kernel could not reclaim down to it at once; the next round tries again
                }
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** The most page cache the server held while bounded (sampled every 20 ms). */
    public long maxPageCacheBytes() {
        return maxCache;
    }

    @Override
    public void close() throws IOException {
        stop = true;
        thread.interrupt();
        try {
            thread.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        group.limit(-1);
    }
}
