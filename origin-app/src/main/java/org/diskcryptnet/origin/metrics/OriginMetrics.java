package org.diskcryptnet.origin.metrics;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.IntSupplier;
import java.util.function.Supplier;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

import org.diskcryptnet.disk.DiskStats;
import org.diskcryptnet.netmap.channel.NetmapLoopStats;
import org.diskcryptnet.origin.loop.MeteredEventLoopGroup;

/**
 * The origin's metrics, named after Micrometer's conventions (base units: seconds, bytes) and scraped from the
 * admin port: HTTP here (meters looked up by array index, never by building tag lists per request), TLS in
 * {@link TlsMetrics}; the event loops ({@link EventLoopMetrics}), the disk queues ({@link DiskMetrics}) and the
 * netmap transport's ports and TCP ({@link NetworkMetrics}) are read from per-loop counters when Prometheus scrapes.
 */
public final class OriginMetrics {

    private static final String[] METHODS = {"GET", "HEAD", "OPTIONS", "OTHER"};
    private static final String[] STATUS_CLASSES = {"1xx", "2xx", "3xx", "4xx", "5xx"};
    private static final Duration[] LATENCY_BUCKETS = {
            Duration.ofMillis(1), Duration.ofMillis(5), Duration.ofMillis(10), Duration.ofMillis(25),
            Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(250), Duration.ofMillis(500),
            Duration.ofSeconds(1), Duration.ofMillis(2500), Duration.ofSeconds(5), Duration.ofSeconds(10)};

    private final PrometheusMeterRegistry registry;
    private final AtomicReferenceArray<Timer> requestTimers;
    private final Timer[] firstByteTimers;
    private final Counter responseBytes;
    private final AtomicInteger openConnections = new AtomicInteger();
    private final Counter rejectedConnections;
    private final Counter evictedConnections;
    private final Counter acceptFailures;
    private final Counter[] failedConnections = new Counter[ConnectionFailure.values().length];
    private final Counter accessLogDropped;
    private final TlsMetrics tls;

    public OriginMetrics() {
        this.registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        this.requestTimers = new AtomicReferenceArray<>(METHODS.length * STATUS_CLASSES.length * RouteKind.values().length);
        this.firstByteTimers = new Timer[RouteKind.values().length];
        for (RouteKind route : RouteKind.values()) {
            firstByteTimers[route.ordinal()] = Timer.builder("http.server.time.to.first.byte")
                    .description("From the request's header section to the response's header section handed to the socket")
                    .tag("route", route.tag).serviceLevelObjectives(LATENCY_BUCKETS).register(registry);
        }
        this.responseBytes = Counter.builder("http.server.response.body").baseUnit("bytes")
                .description("Body bytes of responses written to clients").register(registry);
        Gauge.builder("http.server.connections.open", openConnections, AtomicInteger::get)
                .description("Client connections currently open").register(registry);
        this.rejectedConnections = Counter.builder("http.server.connections.rejected")
                .description("Connections refused because server.max_connections was reached").register(registry);
        this.evictedConnections = Counter.builder("http.server.connections.evicted")
                .description("Idle keep-alive connections closed to admit a new one at server.max_connections")
                .register(registry);
        this.acceptFailures = Counter.builder("http.server.accept.failures")
                .description("Connections the kernel completed that accept(2) could not take (EMFILE: out of "
                        + "descriptors); each pauses accepting for 1 s")
                .register(registry);
        for (ConnectionFailure f : ConnectionFailure.values()) {
            failedConnections[f.ordinal()] = Counter.builder("http.server.connections.failed")
                    .description("Connections closed on an error: the peer's network (io), TLS (tls), or the origin's "
                            + "own (other, also logged)")
                    .tag("cause", f.tag).register(registry);
        }
        this.accessLogDropped = Counter.builder("origin.access.log.dropped")
                .description("Access log lines dropped because the writer fell behind").register(registry);
        this.tls = new TlsMetrics(registry);
    }

    /** The HTTPS listener's record-layer metrics. */
    public TlsMetrics tls() {
        return tls;
    }

    /**
     * Exposes the disk metrics of {@code content.storage: direct}: {@code loops} gives the per-loop counters,
     * read only when Prometheus scrapes.
     */
    public void registerDisk(String backend, Supplier<List<DiskStats>> loops) {
        registry.getPrometheusRegistry().register(new DiskMetrics(backend, loops));
    }

    /** Exposes the per-loop counters of the origin's event loops, read only when Prometheus scrapes. */
    public void registerEventLoops(MeteredEventLoopGroup group) {
        registry.getPrometheusRegistry().register(new EventLoopMetrics(group.stats()));
    }

    /**
     * Exposes the netmap transport's metrics when the origin serves on a packet port: one entry per loop, each
     * read only when Prometheus scrapes.
     */
    public void registerNetwork(List<NetmapLoopStats> loops) {
        registry.getPrometheusRegistry().register(new NetworkMetrics(loops));
    }

    /** Exposes the number of open connections without a request in progress, counted when Prometheus scrapes. */
    public void registerIdleConnections(IntSupplier idle) {
        // the Supplier form holds its source strongly (the object form would let a method reference be collected)
        Gauge.builder("http.server.connections.idle", idle::getAsInt)
                .description("Client connections open with no request in progress (keep-alive or awaiting the first)")
                .register(registry);
    }

    public MeterRegistry registry() {
        return registry;
    }

    public String scrape() {
        return registry.scrape();
    }

    public AtomicInteger openConnections() {
        return openConnections;
    }

    public void connectionRejected() {
        rejectedConnections.increment();
    }

    public void connectionEvicted() {
        evictedConnections.increment();
    }

    public void acceptFailed() {
        acceptFailures.increment();
    }

    public void connectionFailed(ConnectionFailure cause) {
        failedConnections[cause.ordinal()].increment();
    }

    public void accessLogDropped() {
        accessLogDropped.increment();
    }

    /**
     * One finished exchange: its duration from request headers to the last body byte handed to the socket
     * (time to last byte), and to the response's header section handed to the socket (time to first byte).
     */
    public void requestCompleted(String method, int status, RouteKind route, long bodyBytes, long firstByteNanos,
                                 long durationNanos) {
        int m = switch (method) {
            case "GET" -> 0;
            case "HEAD" -> 1;
            case "OPTIONS" -> 2;
            default -> 3;
        };
        int s = Math.min(Math.max(status / 100, 1), 5) - 1;
        int index = (m * STATUS_CLASSES.length + s) * RouteKind.values().length + route.ordinal();
        Timer timer = requestTimers.get(index);
        if (timer == null) {
            timer = Timer.builder("http.server.requests")
                    .description("HTTP exchanges, from the request's header section to the response's last byte")
                    .tag("method", METHODS[m]).tag("status_class", STATUS_CLASSES[s]).tag("route", route.tag)
                    .serviceLevelObjectives(LATENCY_BUCKETS)
                    .register(registry);
            requestTimers.set(index, timer);
        }
        timer.record(durationNanos, TimeUnit.NANOSECONDS);
        firstByteTimers[route.ordinal()].record(firstByteNanos, TimeUnit.NANOSECONDS);
        if (bodyBytes > 0) {
            responseBytes.increment(bodyBytes);
        }
    }
}
