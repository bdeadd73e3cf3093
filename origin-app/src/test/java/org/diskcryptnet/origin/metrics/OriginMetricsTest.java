package org.diskcryptnet.origin.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.netty.channel.nio.NioIoHandler;

import org.diskcryptnet.origin.loop.MeteredEventLoopGroup;
import org.junit.jupiter.api.Test;

/** The scrape text: names after Micrometer's and Prometheus' conventions, base units, the values recorded. */
class OriginMetricsTest {

    @Test
    void timeToFirstAndLastByteByRoute() {
        OriginMetrics m = new OriginMetrics();
        m.requestCompleted("GET", 200, RouteKind.SEGMENT, 1000, 2_000_000, 30_000_000);
        m.requestCompleted("GET", 206, RouteKind.SEGMENT, 10, 8_000_000, 8_000_000);
        m.requestCompleted("GET", 404, RouteKind.PLAYLIST, 0, 1_000_000, 1_000_000);
        String text = m.scrape();
        assertEquals(2, value(text, "http_server_time_to_first_byte_seconds_count{route=\"segment\"}"));
        assertEquals(0.010, value(text, "http_server_time_to_first_byte_seconds_sum{route=\"segment\"}"), 1e-9);
        assertEquals(1, value(text, "http_server_time_to_first_byte_seconds_bucket{route=\"segment\",le=\"0.005\"}"));
        assertEquals(1, value(text, "http_server_time_to_first_byte_seconds_count{route=\"playlist\"}"));
        assertEquals(0, value(text, "http_server_time_to_first_byte_seconds_count{route=\"manifest\"}"));
        assertEquals(0.038, value(text,
                "http_server_requests_seconds_sum{method=\"GET\",route=\"segment\",status_class=\"2xx\"}"), 1e-9);
        assertEquals(1010, value(text, "http_server_response_body_bytes_total"));
    }

    /** Why connections were closed on an error: every cause exported from the start, wrappers looked through. */
    @Test
    void connectionFailuresByCause() {
        OriginMetrics m = new OriginMetrics();
        assertEquals(0, value(m.scrape(), "http_server_connections_failed_total{cause=\"other\"}"));
        Throwable[] failures = {
            new java.io.IOException("Connection reset by peer"),
            new io.netty.handler.codec.DecoderException(new javax.net.ssl.SSLHandshakeException("no cipher suites")),
            new org.diskcryptnet.tls.record.TlsAlertException(
                    org.diskcryptnet.tls.record.AlertDescription.BAD_RECORD_MAC, true, "bad record"),
            new javax.net.ssl.SSLException("a record too long"),
            new io.netty.handler.ssl.NotSslRecordException("plaintext on the TLS port"),
            new IllegalStateException("a bug"),
            new io.netty.handler.codec.DecoderException("no TLS under it")};
        for (Throwable t : failures) {
            m.connectionFailed(ConnectionFailure.of(t));
        }
        String text = m.scrape();
        assertEquals(1, value(text, "http_server_connections_failed_total{cause=\"io\"}"));
        assertEquals(4, value(text, "http_server_connections_failed_total{cause=\"tls\"}"));
        assertEquals(2, value(text, "http_server_connections_failed_total{cause=\"other\"}"));
    }

    @Test
    void idleConnectionsAreCountedAtScrapeTime() {
        OriginMetrics m = new OriginMetrics();
        int[] idle = {3};
        m.registerIdleConnections(() -> idle[0]);
        assertEquals(3, value(m.scrape(), "http_server_connections_idle"));
        idle[0] = 1;
        assertEquals(1, value(m.scrape(), "http_server_connections_idle"));
    }

    @Test
    void eventLoopsByLoop() throws Exception {
        OriginMetrics m = new OriginMetrics();
        MeteredEventLoopGroup group = new MeteredEventLoopGroup(2, NioIoHandler.newFactory());
        try {
            m.registerEventLoops(group);
            CountDownLatch spun = new CountDownLatch(1);
            group.iterator().next().execute(() -> {
                // spin until this thread has used 50 ms of CPU, however busy the machine is
                ThreadMXBean mx = ManagementFactory.getThreadMXBean();
                long start = mx.getCurrentThreadCpuTime();
                while (mx.getCurrentThreadCpuTime() - start < 50_000_000) {
                    Thread.onSpinWait();
                }
                spun.countDown();
            });
            assertTrue(spun.await(5, TimeUnit.SECONDS));
            String text = m.scrape();
            assertTrue(value(text, "origin_event_loop_tasks_total{loop=\"0\"}") >= 1, text);
            assertEquals(0, value(text, "origin_event_loop_tasks_total{loop=\"1\"}"), text);
            assertTrue(value(text, "origin_event_loop_cpu_seconds_total{loop=\"0\"}") >= 0.05, text);
            assertEquals(0, value(text, "origin_event_loop_cpu_seconds_total{loop=\"1\"}"), text);
            assertTrue(value(text, "origin_event_loop_io_runs_total{loop=\"0\"}") >= 1, text);
            assertTrue(text.contains("origin_event_loop_wakeups_total{loop=\"0\"}"), text);
            assertTrue(text.contains("origin_event_loop_io_events_total{loop=\"1\"}"), text);
            assertEquals(0, value(text, "origin_event_loop_tasks_pending{loop=\"1\"}"), text);
            assertEquals(0, value(text, "origin_event_loop_channels{loop=\"0\"}"), text);
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    static double value(String text, String series) {
        Matcher matcher = Pattern.compile("(?m)^" + Pattern.quote(series) + " (\\S+)$").matcher(text);
        if (!matcher.find()) {
            throw new AssertionError("no series " + series + " in\n" + text);
        }
        return Double.parseDouble(matcher.group(1));
    }
}
