package org.diskcryptnet.disk;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.function.IntSupplier;

/**
 * One loop's disk counters: written only by that loop (plain stores with opaque visibility, no fences, no
 * atomics), read by a metrics scrape from any thread. Latencies go into fixed buckets, so a scrape can render
 * a histogram without the data path ever touching a shared structure.
 */
public final class DiskStats {

    private static final VarHandle LONGS = MethodHandles.arrayElementVarHandle(long[].class);

    /** Bucket upper bounds of the read latency histogram, in nanoseconds (the last bucket is +Inf). */
    public static final long[] LATENCY_BOUNDS_NANOS = {
            25_000, 50_000, 100_000, 250_000, 500_000, 1_000_000, 2_500_000, 5_000_000, 10_000_000, 25_000_000,
            50_000_000, 100_000_000, 250_000_000, 1_000_000_000};

    /** Error kinds as counted (see {@link DiskResult#kind(int)}). */
    public static final String[] ERROR_KINDS = {"eio", "errno", "short_read", "changed", "device_status", "closed"};

    private static final int READS = 0;
    private static final int BYTES = 1;
    private static final int LATENCY_SUM = 2;
    private static final int ERRORS = 3;
    private static final int BUCKETS = ERRORS + ERROR_KINDS.length;

    private final String backend;
    private final long[] values = new long[BUCKETS + LATENCY_BOUNDS_NANOS.length + 1];
    private volatile IntSupplier queueDepth = () -> 0;
    private volatile boolean fixedBuffersRefused;

    public DiskStats(String backend) {
        this.backend = backend;
    }

    public String backend() {
        return backend;
    }

    /** Where the scrape reads the current queue depth (reads in flight); set by the loop that owns the queue. */
    public void queueDepthSource(IntSupplier source) {
        this.queueDepth = source;
    }

    /** Memory of the loop's reads was refused as fixed buffers: reads into it pin their pages each time. */
    public void markFixedBuffersRefused() {
        this.fixedBuffersRefused = true;
    }

    // ---- writers: the owning loop only --------------------------------------------------------------------

    public void readCompleted(long bytes, long latencyNanos) {
        add(READS, 1);
        add(BYTES, bytes);
        add(LATENCY_SUM, latencyNanos);
        add(BUCKETS + bucket(latencyNanos), 1);
    }

    public void readFailed(int result, long latencyNanos) {
        add(READS, 1);
        add(LATENCY_SUM, latencyNanos);
        add(BUCKETS + bucket(latencyNanos), 1);
        add(ERRORS + errorIndex(result), 1);
    }

    private void add(int i, long delta) {
        LONGS.setOpaque(values, i, (long) LONGS.getOpaque(values, i) + delta);
    }

    private static int bucket(long nanos) {
        for (int i = 0; i < LATENCY_BOUNDS_NANOS.length; i++) {
            if (nanos <= LATENCY_BOUNDS_NANOS[i]) {
                return i;
            }
        }
        return LATENCY_BOUNDS_NANOS.length;
    }

    private static int errorIndex(int result) {
        String kind = DiskResult.kind(result);
        for (int i = 0; i < ERROR_KINDS.length; i++) {
            if (ERROR_KINDS[i].equals(kind)) {
                return i;
            }
        }
        return 1;
    }

    // ---- readers: any thread ------------------------------------------------------------------------------

    private long get(int i) {
        return (long) LONGS.getOpaque(values, i);
    }

    /** Reads completed, successful or not. */
    public long reads() {
        return get(READS);
    }

    public long bytes() {
        return get(BYTES);
    }

    public long latencySumNanos() {
        return get(LATENCY_SUM);
    }

    public long errors(int kindIndex) {
        return get(ERRORS + kindIndex);
    }

    public long errors() {
        long sum = 0;
        for (int i = 0; i < ERROR_KINDS.length; i++) {
            sum += errors(i);
        }
        return sum;
    }

    /** Count of reads in latency bucket {@code i} (not cumulative); i == bounds length is the +Inf bucket. */
    public long latencyBucket(int i) {
        return get(BUCKETS + i);
    }

    public int queueDepth() {
        return queueDepth.getAsInt();
    }

    public boolean fixedBuffersRefused() {
        return fixedBuffersRefused;
    }
}
