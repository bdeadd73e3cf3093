package org.diskcryptnet.bench.system.measure;

/**
 * One measured run: a variant on one workload (cache column, storage, connections) in one round, with everything
 * the report shows. Throughput figures count what wrk received (headers included); GB = 10⁹ bytes.
 */
public record RunRecord(String variant, String family, String protocol, String cache, String storage,
                        int connections, int round, Wrk.Outcome wrk, double serverCpuSeconds, double serverJitCpuSeconds,
                        long serverReadBytes,
                        double pageCacheGrowthMiB, double serverCacheMiB, HostStats.Shares host, double load1,
                        ClientKernel.Usage client) {

    public double gbps() {
        return wrk.bytes() * 8 / wrk.durationSeconds() / 1e9;
    }

    public double rps() {
        return wrk.requests() / wrk.durationSeconds();
    }

    private double gigabytes() {
        return wrk.bytes() / 1e9;
    }

    /** Server CPU-seconds (utime+stime of every server process) per GB served. */
    public double cpuSecondsPerGb() {
        return gigabytes() > 0 ? serverCpuSeconds / gigabytes() : Double.NaN;
    }

    /** Of {@link #cpuSecondsPerGb}, the JVM's JIT compiler threads: what warm-up left to compile; 0 for nginx. */
    public double jitCpuSecondsPerGb() {
        return gigabytes() > 0 ? serverJitCpuSeconds / gigabytes() : Double.NaN;
    }

    public double clientCpuSecondsPerGb() {
        return gigabytes() > 0 ? wrk.clientCpuSeconds() / gigabytes() : Double.NaN;
    }

    /** Zero windows the client's kernel advertised a second: a client that cannot keep up (ClientKernel). */
    public double clientZeroWindowsPerSecond() {
        return client.zeroWindowAdverts() / wrk.durationSeconds();
    }

    /** Bytes the server read from the block device per byte served: ~1 when cold, ~0 when the cache serves. */
    public double diskReadsPerByteServed() {
        return wrk.bytes() > 0 ? serverReadBytes / (double) wrk.bytes() : Double.NaN;
    }
}
