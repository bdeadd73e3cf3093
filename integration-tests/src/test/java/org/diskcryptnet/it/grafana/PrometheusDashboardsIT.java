package org.diskcryptnet.it.grafana;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.diskcryptnet.it.support.Curl;
import org.diskcryptnet.it.support.OriginProcess;
import org.diskcryptnet.it.support.Proc;
import org.diskcryptnet.it.support.RawHttp;
import org.diskcryptnet.it.support.RunningOrigin;
import org.diskcryptnet.it.support.TestCatalog;
import org.diskcryptnet.origin.storage.DirectFileBodies;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real Prometheus from Debian, started with the project's {@code grafana/prometheus.yml} (its target moved
 * to this test's origin), scrapes an origin under wrk load over HTTP and HTTPS, with storage direct (so the disk
 * dashboard has reads) and the in-place TLS record layer (so the TLS dashboard has sealed records); then every
 * PromQL expression of every panel under {@code grafana/dashboards} is evaluated through Prometheus' HTTP API and
 * must be valid and return at least one series. The network dashboard needs the origin on a packet port:
 * {@link NetworkDashboardIT} evaluates it.
 */
class PrometheusDashboardsIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @TempDir
    Path dir;

    @Test
    void everyPanelQueryReturnsSeries() throws Exception {
        Proc.require("prometheus");
        Proc.require("wrk");
        TestCatalog catalog = new TestCatalog(Files.createDirectories(dir.resolve("www")));
        for (int i = 0; i < 4; i++) {
            catalog.file("v0/seg" + i + ".m4s", 300_000);
        }
        Files.writeString(catalog.root().resolve("v0/index.m3u8"), "#EXTM3U\n");
        Files.writeString(catalog.root().resolve("manifest.mpd"), "<MPD/>\n");

        // Without io_uring there is no direct storage: every other dashboard is still checked, then the test
        // reports itself skipped with the cause, since the disk dashboard could not be.
        boolean direct = DirectFileBodies.available();
        try (RunningOrigin origin = RunningOrigin.serving(catalog.root()).https(Files.createDirectories(dir.resolve("tls")))
                .set("content.storage", direct ? "direct" : "buffered").set("tls.record_layer", "transport")
                .set("server.event_loops", "2").start()) {
            int promPort = freePort();
            Path config = dir.resolve("prometheus.yml");
            String project = Files.readString(OriginProcess.repoRoot().resolve("grafana/prometheus.yml"));
            assertTrue(project.contains("127.0.0.1:9464"), "the scrape config names the default admin port");
            Files.writeString(config, project.replace("127.0.0.1:9464", "127.0.0.1:" + origin.admin().getPort()));
            Process prometheus = Proc.start(dir.resolve("prom.out"), dir.resolve("prom.err"), List.of("prometheus",
                    "--config.file=" + config, "--storage.tsdb.path=" + dir.resolve("tsdb"),
                    "--web.listen-address=127.0.0.1:" + promPort, "--log.level=warn"));
            try {
                String api = "http://127.0.0.1:" + promPort;
                await(() -> get(api + "/-/ready").statusCode() == 200, Duration.ofSeconds(30), "prometheus ready");
                traffic(origin);
                // rate() needs two samples in its window; wait for a few scrapes of the load
                await(() -> scalar(api, "count_over_time(up{job=\"diskcryptnet-origin\"}[1m])") >= 3,
                        Duration.ofSeconds(60), "three scrapes of the origin");
                assertEquals(1.0, scalar(api, "min(up{job=\"diskcryptnet-origin\"})"), "target up");

                List<String> failures = new ArrayList<>();
                List<Dashboards.Query> queries = Dashboards.queries();
                assertFalse(queries.isEmpty());
                int skipped = 0;
                int elsewhere = 0;
                for (Dashboards.Query q : queries) {
                    if (q.dashboard().equals(NetworkDashboardIT.DASHBOARD)) {
                        elsewhere++;
                        continue;
                    }
                    if (!direct && q.dashboard().equals("disk.json")) {
                        skipped++;
                        continue;
                    }
                    String problem = Dashboards.problem(q, query(api, Dashboards.expand(q.expr())));
                    if (problem != null) {
                        failures.add(problem);
                    }
                }
                System.out.printf("dashboards: %d queries evaluated, %d failed, %d not evaluated, %d left to %s%n",
                        queries.size() - skipped - elsewhere, failures.size(), skipped, elsewhere,
                        NetworkDashboardIT.class.getSimpleName());
                assertTrue(failures.isEmpty(), String.join("\n", failures));
                // and the load is what the panels show: each layer counted work, not only zeros
                for (String busy : new String[] {
                        "sum(rate(http_server_time_to_first_byte_seconds_count{route=\"segment\"}[1m]))",
                        "sum(rate(tls_sealed_bytes_total[1m]))", "sum(rate(tls_handshakes_total[1m]))",
                        "sum(tls_handshake_failures_total{reason=\"not_tls\"})",
                        "sum(tls_alerts_total{alert=\"close_notify\",direction=\"sent\"})",
                        "min(rate(origin_event_loop_cpu_seconds_total[1m]))", "min(origin_event_loop_wakeups_total)",
                        "sum(rate(origin_event_loop_tasks_total[1m]))"}) {
                    assertTrue(scalar(api, busy) > 0, busy + " = " + scalar(api, busy));
                }
                if (direct) {
                    assertTrue(scalar(api, "sum(rate(origin_disk_read_bytes_total[1m]))") > 0, "disk reads under load");
                }
                assumeTrue(direct, "disk.json: " + skipped + " queries not evaluated, storage direct is unavailable: "
                        + DirectFileBodies.unavailabilityCause());
            } finally {
                prometheus.destroy();
                if (!prometheus.waitFor(10, TimeUnit.SECONDS)) {
                    prometheus.destroyForcibly();
                }
            }
        }
    }

    /**
     * First the rarer events, so that their counters exist for several scrapes before the queries (rate() needs two
     * samples): a 404, a refused HTTP version, a TLS handshake that is not TLS, an HTTPS exchange the server closes
     * (close_notify sent). Then wrk over HTTP and HTTPS: segments, a playlist, a manifest.
     */
    private void traffic(RunningOrigin origin) throws Exception {
        for (String request : new String[] {"GET /missing HTTP/1.1\r\nHost: x\r\n\r\n", "GET /v0/seg0.m4s HTTP/9.9\r\n\r\n"}) {
            try (RawHttp c = new RawHttp(origin.http(), 3000)) {
                c.send(request).read();
            }
        }
        try (RawHttp notTls = new RawHttp(origin.https(), 3000)) {
            notTls.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
            boolean closed = false;
            for (int bytes = 0; bytes < 64 && !closed; bytes++) { // an alert record may come before the close
                closed = notTls.closedByServer();
            }
            assertTrue(closed, "plain HTTP on the TLS port is refused and closed");
        }
        assertEquals(200, Curl.exchange(origin.httpsUrl("/v0/index.m3u8"), origin.certificate(),
                "-H", "Connection: close").status());
        Path script = dir.resolve("load.lua");
        Files.writeString(script, """
                local n = 0
                request = function()
                  n = n + 1
                  if n % 10 == 0 then return wrk.format("GET", "/v0/index.m3u8") end
                  if n % 10 == 5 then return wrk.format("GET", "/manifest.mpd") end
                  return wrk.format("GET", "/v0/seg" .. (n % 4) .. ".m4s")
                end
                """);
        CompletableFuture<Proc.Result> plain = CompletableFuture.supplyAsync(() -> Proc.run(Duration.ofSeconds(60), "wrk",
                "-t1", "-c8", "-d12s", "-s", script.toString(), origin.httpUrl("")));
        CompletableFuture<Proc.Result> tls = CompletableFuture.supplyAsync(() -> Proc.run(Duration.ofSeconds(60), "wrk",
                "-t1", "-c8", "-d12s", "-s", script.toString(), "https://127.0.0.1:" + origin.https().getPort()));
        assertEquals(0, plain.join().exit());
        assertEquals(0, tls.join().exit());
    }

    private double scalar(String api, String expr) {
        JsonNode result = query(api, expr).path("data").path("result");
        return result.isEmpty() ? Double.NaN : result.get(0).path("value").get(1).asDouble();
    }

    private JsonNode query(String api, String expr) {
        try {
            HttpResponse<String> r = get(api + "/api/v1/query?query=" + URLEncoder.encode(expr, StandardCharsets.UTF_8));
            return JSON.readTree(r.body());
        } catch (IOException e) {
            throw new AssertionError("query " + expr, e);
        }
    }

    private HttpResponse<String> get(String url) {
        try {
            return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
                    HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new AssertionError(url + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    private static void await(java.util.function.BooleanSupplier condition, Duration timeout, String what) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            try {
                if (condition.getAsBoolean()) {
                    return;
                }
            } catch (AssertionError notYet) {
                // e.g. connection refused while Prometheus starts
            }
            Thread.sleep(500);
        }
        throw new AssertionError("timed out waiting for " + what);
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
