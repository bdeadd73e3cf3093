package org.diskcryptnet.origin.metrics;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.List;

import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.prometheus.metrics.model.snapshots.Unit;

import org.diskcryptnet.origin.loop.LoopStats;

/**
 * The event loops, by loop: CPU time of the loop thread (its busy time; the busy fraction is its rate), tasks run,
 * passes through the I/O handler, I/O handles served, wake-ups from an idle wait, tasks pending, channels
 * registered. Everything is read when Prometheus scrapes; the loops only bump their own {@link LoopStats}.
 */
final class EventLoopMetrics implements MultiCollector {

    private final List<LoopStats> stats;
    private final ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    private final boolean cpuTime;

    EventLoopMetrics(List<LoopStats> stats) {
        this.stats = stats;
        boolean supported = threads.isThreadCpuTimeSupported();
        if (supported && !threads.isThreadCpuTimeEnabled()) {
            threads.setThreadCpuTimeEnabled(true);
        }
        this.cpuTime = supported;
    }

    @Override
    public MetricSnapshots collect() {
        CounterSnapshot.Builder cpu = CounterSnapshot.builder().name("origin_event_loop_cpu_seconds")
                .unit(Unit.SECONDS)
                .help("CPU time of the event loop's thread; its rate is the loop's busy fraction");
        CounterSnapshot.Builder tasks = CounterSnapshot.builder().name("origin_event_loop_tasks")
                .help("Tasks the event loop ran: submissions from other threads, timers, deferred work");
        CounterSnapshot.Builder runs = CounterSnapshot.builder().name("origin_event_loop_io_runs")
                .help("Passes of the event loop through its I/O handler");
        CounterSnapshot.Builder events = CounterSnapshot.builder().name("origin_event_loop_io_events")
                .help("I/O handles the event loop's I/O handler served");
        CounterSnapshot.Builder wakeups = CounterSnapshot.builder().name("origin_event_loop_wakeups")
                .help("Times the event loop had nothing to do, waited in the kernel and was woken");
        GaugeSnapshot.Builder pending = GaugeSnapshot.builder().name("origin_event_loop_tasks_pending")
                .help("Tasks queued on the event loop, not yet run");
        GaugeSnapshot.Builder channels = GaugeSnapshot.builder().name("origin_event_loop_channels")
                .help("Channels registered with the event loop");
        for (LoopStats s : stats) {
            Labels labels = Labels.of("loop", Integer.toString(s.index()));
            if (cpuTime) {
                long tid = s.threadId();
                long nanos = tid < 0 ? 0 : threads.getThreadCpuTime(tid);
                cpu.dataPoint(counter(Math.max(nanos, 0) / 1e9, labels));
            }
            tasks.dataPoint(counter(s.tasks(), labels));
            runs.dataPoint(counter(s.ioRuns(), labels));
            events.dataPoint(counter(s.ioEvents(), labels));
            wakeups.dataPoint(counter(s.wakeups(), labels));
            pending.dataPoint(gauge(s.pendingTasks(), labels));
            channels.dataPoint(gauge(s.channels(), labels));
        }
        MetricSnapshots.Builder all = MetricSnapshots.builder().metricSnapshot(tasks.build())
                .metricSnapshot(runs.build()).metricSnapshot(events.build()).metricSnapshot(wakeups.build())
                .metricSnapshot(pending.build()).metricSnapshot(channels.build());
        if (cpuTime) {
            all.metricSnapshot(cpu.build());
        }
        return all.build();
    }

    private static GaugeSnapshot.GaugeDataPointSnapshot gauge(double value, Labels labels) {
        return GaugeSnapshot.GaugeDataPointSnapshot.builder().value(value).labels(labels).build();
    }

    private static CounterSnapshot.CounterDataPointSnapshot counter(double value, Labels labels) {
        return CounterSnapshot.CounterDataPointSnapshot.builder().value(value).labels(labels).build();
    }
}
