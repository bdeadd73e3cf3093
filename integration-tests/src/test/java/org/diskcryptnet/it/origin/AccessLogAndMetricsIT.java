package org.diskcryptnet.it.origin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.diskcryptnet.it.support.Curl;
import org.diskcryptnet.it.support.RawHttp;
import org.diskcryptnet.it.support.RunningOrigin;
import org.diskcryptnet.it.support.TestCatalog;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The access log's documented line format, and the admin port's /metrics, /healthz and /readyz. */
class AccessLogAndMetricsIT {

    private static final Pattern LINE = Pattern.compile(
            "^(\\S+) - - \\[(\\d\\d/\\w{3}/\\d{4}:\\d\\d:\\d\\d:\\d\\d \\+0000)\\] \"(\\S+) (\\S+) (HTTP/1\\.[01])\" (\\d{3}) (\\d+) "
                    + "\"([^\"]*)\" (\\d+\\.\\d{3}) (\\S+) (complete|aborted)$");

    @TempDir
    Path dir;

    @Test
    void everyResponseIsLoggedAndCounted() throws Exception {
        TestCatalog catalog = new TestCatalog(Files.createDirectories(dir.resolve("www")));
        catalog.file("hls/seg1.m4s", 300_000);
        Files.writeString(catalog.root().resolve("hls/index.m3u8"), "#EXTM3U\n");
        Path log = dir.resolve("access.log");
        try (RunningOrigin origin = RunningOrigin.serving(catalog.root()).https(Files.createDirectories(dir.resolve("tls")))
                .set("access_log.path", log.toString()).start()) {
            Curl.exchange(origin.httpUrl("/hls/seg1.m4s"), null, "-r", "0-999");
            Curl.exchange(origin.httpUrl("/hls/index.m3u8"), null);
            Curl.exchange(origin.httpUrl("/missing.m4s"), null);
            Curl.exchange(origin.httpsUrl("/hls/seg1.m4s"), origin.certificate());
            Curl.exchange(origin.httpUrl("/hls/seg1.m4s"), null, "-I");
            try (RawHttp plaintext = new RawHttp(origin.https(), 5000)) { // HTTP on the TLS port: a TLS failure
                plaintext.send("GET /hls/seg1.m4s HTTP/1.1\r\nHost: x\r\n\r\n");
                assertTrue(plaintext.closedByServer());
            }

            String admin = "http://127.0.0.1:" + origin.admin().getPort();
            assertEquals("ok\n", Curl.exchange(admin + "/healthz", null).text());
            assertEquals(200, Curl.exchange(admin + "/readyz", null).status());
            Curl.Reply metrics = Curl.exchange(admin + "/metrics", null);
            assertEquals(200, metrics.status());
            assertTrue(metrics.header("Content-Type").startsWith("text/plain; version=0.0.4"));
            String m = metrics.text();
            assertMetric(m, "http_server_requests_seconds_count{method=\"GET\",route=\"segment\",status_class=\"2xx\"}", 2);
            assertMetric(m, "http_server_requests_seconds_count{method=\"GET\",route=\"playlist\",status_class=\"2xx\"}", 1);
            assertMetric(m, "http_server_requests_seconds_count{method=\"GET\",route=\"segment\",status_class=\"4xx\"}", 1);
            assertMetric(m, "http_server_requests_seconds_count{method=\"HEAD\",route=\"segment\",status_class=\"2xx\"}", 1);
            assertTrue(m.contains("http_server_requests_seconds_bucket{method=\"GET\",route=\"segment\",status_class=\"2xx\",le=\"0.1\"}"), m);
            double bytes = value(m, "http_server_response_body_bytes_total");
            assertTrue(bytes >= 1000 + 300_000 + 8, "body bytes " + bytes);
            assertTrue(m.contains("http_server_connections_open "), m);
            assertMetric(m, "http_server_connections_failed_total{cause=\"tls\"}", 1);
            assertMetric(m, "http_server_connections_failed_total{cause=\"other\"}", 0);
            // every exchange also has a time to first byte, by route: 4 segments (GET 206, 404, TLS GET, HEAD)
            assertMetric(m, "http_server_time_to_first_byte_seconds_count{route=\"segment\"}", 4);
            assertMetric(m, "http_server_time_to_first_byte_seconds_count{route=\"playlist\"}", 1);
            double idle = value(m, "http_server_connections_idle");
            assertTrue(idle >= 0 && idle <= value(m, "http_server_connections_open") + 1, "idle " + idle);
            // the five exchanges ran on the origin's loops; the loops' threads used CPU for them
            double tasks = 0;
            double cpu = 0;
            for (int loop = 0; m.contains("origin_event_loop_tasks_total{loop=\"" + loop + "\"}"); loop++) {
                tasks += value(m, "origin_event_loop_tasks_total{loop=\"" + loop + "\"}");
                cpu += value(m, "origin_event_loop_cpu_seconds_total{loop=\"" + loop + "\"}");
                assertTrue(value(m, "origin_event_loop_wakeups_total{loop=\"" + loop + "\"}") >= 0);
            }
            assertTrue(tasks >= 1, "event loop tasks " + tasks + "\n" + m);
            assertTrue(cpu > 0, "event loop CPU " + cpu + "\n" + m);
            assertEquals(404, Curl.exchange(admin + "/nothing", null).status());
        }
        // closing the server flushes the log
        List<String> lines = Files.readAllLines(log);
        assertEquals(5, lines.size(), String.join("\n", lines));
        Matcher first = LINE.matcher(lines.get(0));
        assertTrue(first.matches(), lines.get(0));
        assertEquals("127.0.0.1", first.group(1));
        assertEquals("GET", first.group(3));
        assertEquals("/hls/seg1.m4s", first.group(4));
        assertEquals("206", first.group(6));
        assertEquals("1000", first.group(7));
        assertEquals("bytes=0-999", first.group(8));
        assertEquals("-", first.group(10));
        assertEquals("complete", first.group(11));
        Matcher notFound = LINE.matcher(lines.get(2));
        assertTrue(notFound.matches() && notFound.group(6).equals("404"), lines.get(2));
        Matcher tls = LINE.matcher(lines.get(3));
        assertTrue(tls.matches(), lines.get(3));
        assertEquals("300000", tls.group(7));
        assertTrue(tls.group(10).startsWith("TLSv1.3/TLS_"), lines.get(3));
        Matcher head = LINE.matcher(lines.get(4));
        assertTrue(head.matches() && head.group(3).equals("HEAD") && head.group(7).equals("0"), lines.get(4));
    }

    private static void assertMetric(String text, String series, double expected) {
        assertEquals(expected, value(text, series), series);
    }

    private static double value(String text, String series) {
        for (String line : text.split("\n")) {
            if (line.startsWith(series + " ")) {
                return Double.parseDouble(line.substring(series.length() + 1).trim());
            }
        }
        throw new AssertionError(series + " not in\n" + text);
    }
}
