package org.diskcryptnet.origin.metrics;

import java.util.List;
import java.util.function.Supplier;

import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.ClassicHistogramBuckets;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.prometheus.metrics.model.snapshots.Unit;

import org.diskcryptnet.disk.DiskStats;

/**
 * The disk metrics of {@code content.storage: direct}, by backend: reads, bytes, errors by kind, read latency
 * (histogram), queue depth, loops without fixed buffers. Each event loop counts in its own {@link DiskStats} with
 * plain stores; this collector adds them up when Prometheus scrapes, so the data path never touches a shared meter.
 */
final class DiskMetrics implements MultiCollector {

    private static final double[] BOUNDS_SECONDS = bounds();

    private final Supplier<List<DiskStats>> loops;
    private final String backend;

    DiskMetrics(String backend, Supplier<List<DiskStats>> loops) {
        this.backend = backend;
        this.loops = loops;
    }

    private static double[] bounds() {
        long[] nanos = DiskStats.LATENCY_BOUNDS_NANOS;
        double[] b = new double[nanos.length + 1];
        for (int i = 0; i < nanos.length; i++) {
            b[i] = nanos[i] / 1e9;
        }
        b[nanos.length] = Double.POSITIVE_INFINITY;
        return b;
    }

    @Override
    public MetricSnapshots collect() {
        long reads = 0;
        long bytes = 0;
        long depth = 0;
        long refused = 0;
        long sumNanos = 0;
        long[] errors = new long[DiskStats.ERROR_KINDS.length];
        long[] buckets = new long[BOUNDS_SECONDS.length];
        for (DiskStats s : loops.get()) {
            reads += s.reads();
            bytes += s.bytes();
            depth += s.queueDepth();
            refused += s.fixedBuffersRefused() ? 1 : 0;
            sumNanos += s.latencySumNanos();
            for (int i = 0; i < errors.length; i++) {
                errors[i] += s.errors(i);
            }
            for (int i = 0; i < buckets.length; i++) {
                buckets[i] += s.latencyBucket(i);
            }
        }
        Labels labels = Labels.of("backend", backend);
        CounterSnapshot.Builder errorCounter = CounterSnapshot.builder().name("origin_disk_read_errors")
                .help("Disk reads that failed, by kind: eio, errno, short_read (file truncated), changed, ...");
        for (int i = 0; i < errors.length; i++) {
            errorCounter.dataPoint(CounterSnapshot.CounterDataPointSnapshot.builder().value(errors[i])
                    .labels(Labels.of("backend", backend, "kind", DiskStats.ERROR_KINDS[i])).build());
        }
        return MetricSnapshots.of(
                CounterSnapshot.builder().name("origin_disk_reads").help("Disk reads completed, around the page cache")
                        .dataPoint(CounterSnapshot.CounterDataPointSnapshot.builder().value(reads).labels(labels).build())
                        .build(),
                CounterSnapshot.builder().name("origin_disk_read_bytes").unit(Unit.BYTES)
                        .help("Bytes read from disk for responses")
                        .dataPoint(CounterSnapshot.CounterDataPointSnapshot.builder().value(bytes).labels(labels).build())
                        .build(),
                errorCounter.build(),
                GaugeSnapshot.builder().name("origin_disk_queue_depth").help("Disk reads in flight, all event loops")
                        .dataPoint(GaugeSnapshot.GaugeDataPointSnapshot.builder().value(depth).labels(labels).build())
                        .build(),
                GaugeSnapshot.builder().name("origin_disk_loops_without_fixed_buffers")
                        .help("Event loops with memory the kernel refused as io_uring fixed buffers (chunk pool, "
                                + "send path; the locked-memory limit): reads into it pin and release their pages")
                        .dataPoint(GaugeSnapshot.GaugeDataPointSnapshot.builder().value(refused).labels(labels)
                                .build())
                        .build(),
                HistogramSnapshot.builder().name("origin_disk_read_latency_seconds")
                        .help("Time from queueing a disk read to its completion on the event loop")
                        .dataPoint(HistogramSnapshot.HistogramDataPointSnapshot.builder()
                                .classicHistogramBuckets(ClassicHistogramBuckets.of(BOUNDS_SECONDS, buckets))
                                .sum(sumNanos / 1e9).labels(labels).build())
                        .build());
    }
}
