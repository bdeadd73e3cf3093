package org.diskcryptnet.it.grafana;

import static org.diskcryptnet.it.support.VethLink.exec;
import static org.diskcryptnet.it.support.VethLink.ip;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.diskcryptnet.it.support.OriginProcess;
import org.diskcryptnet.it.support.Proc;
import org.diskcryptnet.it.support.TestCatalog;
import org.diskcryptnet.it.support.VethLink;
import org.diskcryptnet.netmap.channel.Netmap;
import org.diskcryptnet.netmap.port.PortUri;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The network and TCP dashboard against the real thing: the origin serves on the userspace stack over a
 * {@code tap:} port with two queues in one network namespace, wrk loads it from another, and Debian's Prometheus,
 * started in the origin's namespace with the project's {@code grafana/prometheus.yml} unchanged (the admin port
 * is the default 127.0.0.1:9464 there), scrapes it. Then every PromQL expression of {@code network.json} is
 * evaluated through Prometheus' HTTP API and must be valid, return series and not only NaN.
 *
 * <p>Addresses (198.18.120.0/24): the client 198.18.120.1 on a veth whose other end, 198.18.120.126, is the
 * origin namespace's kernel; it routes to the TAP device's kernel side 198.18.120.129, the stack's gateway, and the
 * stack is 198.18.120.130.
 */
@Timeout(300)
class NetworkDashboardIT {

    static final String DASHBOARD = "network.json";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String STACK = "198.18.120.130";

    @TempDir
    Path dir;

    @Test
    void everyNetworkPanelQueryReturnsSeriesUnderLoad() throws Exception {
        assumeTrue(Netmap.isAvailable(PortUri.Kind.TAP),
                () -> "tap ports unavailable: " + Netmap.unavailabilityCause(PortUri.Kind.TAP));
        assumeTrue("root".equals(System.getProperty("user.name")), "needs root for network namespaces");
        for (String tool : new String[] {"ip", "ethtool", "curl", "wrk", "prometheus"}) {
            Proc.require(tool);
        }
        TestCatalog catalog = new TestCatalog(Files.createDirectories(dir.resolve("www")));
        for (int i = 0; i < 4; i++) {
            catalog.file("v0/seg" + i + ".m4s", 300_000);
        }
        try (VethLink link = new VethLink("dcg", "198.18.120.1/25")) {
            String serverNs = link.serverNs;
            String clientNs = link.clientNs;
            ip("-n", serverNs, "addr", "add", "198.18.120.126/25", "dev", link.serverIf);
            exec(serverNs, "sysctl", "-qw", "net.ipv4.ip_forward=1");
            ip("-n", clientNs, "route", "add", "198.18.120.128/25", "via", "198.18.120.126");

            try (OriginProcess origin = OriginProcess.startIn(serverNs, dir, Duration.ofMinutes(2), "serve",
                    "--root", catalog.root().toString(), "--http", "0.0.0.0:8080", "--https", "off",
                    "--admin", "127.0.0.1:9464", "--access-log", "off", "--event-loops", "2",
                    "--transport", "tap:dcgt0", "--address", STACK + "/25", "--gateway", "198.18.120.129")) {
                assertTrue(origin.stderr().contains("transport netmap tap:"), origin.stderr());
                // the TAP device exists once the origin opened it: give the kernel its side
                ip("-n", serverNs, "addr", "add", "198.18.120.129/25", "dev", "dcgt0");
                ip("-n", serverNs, "link", "set", "dcgt0", "up");

                Path config = dir.resolve("prometheus.yml");
                Files.copy(OriginProcess.repoRoot().resolve("grafana/prometheus.yml"), config);
                Process prometheus = Proc.start(dir.resolve("prom.out"), dir.resolve("prom.err"), List.of("ip",
                        "netns", "exec", serverNs, "prometheus", "--config.file=" + config,
                        "--storage.tsdb.path=" + dir.resolve("tsdb"), "--web.listen-address=127.0.0.1:9090",
                        "--log.level=warn"));
                try {
                    await(() -> curl(serverNs, "http://127.0.0.1:9090/-/ready").contains("Ready"),
                            Duration.ofSeconds(30), "prometheus ready");
                    traffic(origin, serverNs, clientNs);
                    // rate() needs two samples in its window; wait for a few scrapes of the load
                    await(() -> scalar(serverNs, "count_over_time(up{job=\"diskcryptnet-origin\"}[1m])") >= 3,
                            Duration.ofSeconds(60), "three scrapes of the origin");
                    assertEquals(1.0, scalar(serverNs, "min(up{job=\"diskcryptnet-origin\"})"), "target up");

                    List<String> failures = new ArrayList<>();
                    int evaluated = 0;
                    for (Dashboards.Query q : Dashboards.queries()) {
                        if (q.dashboard().equals(DASHBOARD)) {
                            evaluated++;
                            String problem = Dashboards.problem(q, query(serverNs, Dashboards.expand(q.expr())));
                            if (problem != null) {
                                failures.add(problem);
                            }
                        }
                    }
                    System.out.printf("%s: %d queries evaluated, %d failed%n", DASHBOARD, evaluated, failures.size());
                    assertTrue(evaluated > 0, "no queries in " + DASHBOARD);
                    assertTrue(failures.isEmpty(), String.join("\n", failures));
                    // and the panels show the load, not only zeros
                    for (String busy : new String[] {
                            "sum(rate(origin_net_rx_bytes_total{port=\"tap:dcgt0\"}[1m]))",
                            "sum(rate(origin_net_tx_bytes_total[1m]))", "sum(rate(origin_tcp_segments_sent_total[1m]))",
                            "sum(origin_tcp_opens_total{side=\"passive\"})",
                            "sum(origin_net_drops_total{reason=\"tcp_no_listener\"})",
                            "sum(origin_tcp_resets_total{direction=\"sent\"})",
                            "sum(origin_net_loop_iterations_total{outcome=\"busy\"})",
                            "sum(origin_net_loop_iterations_total{outcome=\"park\"})"}) {
                        double v = scalar(serverNs, busy);
                        assertTrue(v > 0, busy + " = " + v);
                    }
                    assertEquals(2.0, scalar(serverNs, "count(origin_net_rx_packets_total)"), "one series per queue");
                    // the kernel spreads 50 flows over both queues: each loop must have served its own
                    assertTrue(scalar(serverNs, "min(origin_net_rx_packets_total)") > 10,
                            "every queue received frames: " + query(serverNs, "origin_net_rx_packets_total"));
                    for (String shown : new String[] {"sum by (queue) (origin_net_rx_packets_total)",
                            "sum by (reason) (origin_net_drops_total) > 0", "sum(origin_tcp_segments_retransmitted_total)",
                            "sum(origin_tcp_rto_events_total)", "sum by (kind) (origin_tcp_loss_recoveries_total)",
                            "sum by (outcome) (origin_net_loop_iterations_total)",
                            "sum(origin_net_disk_send_file_bytes_total)", "max(origin_net_disk_send_budget_bytes)"}) {
                        System.out.println(shown + ": " + query(serverNs, shown).path("data").path("result"));
                    }
                } finally {
                    prometheus.destroy();
                    if (!prometheus.waitFor(10, TimeUnit.SECONDS)) {
                        prometheus.destroyForcibly();
                    }
                }
                assertEquals(0, origin.terminate(Duration.ofSeconds(60)), origin.stderr());
            }
        }
    }

    /** A SYN to a closed port (a counted drop, answered with RST), then wrk for 12 s: 50 connections, 2 threads. */
    private void traffic(OriginProcess origin, String serverNs, String clientNs) throws IOException {
        Proc.Result refused = Proc.run(Duration.ofSeconds(30), "ip", "netns", "exec", clientNs, "curl", "-sS",
                "--max-time", "10", "http://" + STACK + ":9/");
        // curl exits 7 (could not connect) on the RST; 28 would be a timeout: the SYN unanswered
        assertEquals(7, refused.exit(), () -> refused + diagnosis(origin, serverNs, clientNs));
        Path script = dir.resolve("load.lua");
        Files.writeString(script, """
                local n = 0
                request = function()
                  n = n + 1
                  return wrk.format("GET", "/v0/seg" .. (n % 4) .. ".m4s")
                end
                """);
        Proc.Result wrk;
        try {
            wrk = Proc.run(Duration.ofSeconds(60), "ip", "netns", "exec", clientNs, "wrk", "-t2", "-c50", "-d12s",
                    "--timeout", "10s", "-s", script.toString(), "http://" + STACK + ":8080/");
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + diagnosis(origin, serverNs, clientNs), e);
        }
        assertEquals(0, wrk.exit(), wrk + "\n" + origin.stderr());
        assertFalse(wrk.out().contains("Non-2xx or 3xx responses"), wrk.out());
        System.out.println("wrk over tap:\n" + wrk.out());
    }

    /** The origin's log, its non-zero drops and connection states, the client's sockets: for a failure message. */
    private static String diagnosis(OriginProcess origin, String serverNs, String clientNs) {
        StringBuilder sb = new StringBuilder("\n--- origin\n").append(origin.stderr()).append("\n--- its metrics\n");
        for (String line : curl(serverNs, "http://127.0.0.1:9464/metrics").split("\n")) {
            if ((line.startsWith("origin_net_drops_total") || line.startsWith("origin_tcp_connections{")
                    || line.startsWith("origin_net_rx_packets") || line.startsWith("origin_net_tx_packets")
                    || line.startsWith("origin_net_loop_iterations") || line.startsWith("origin_event_loop_io_runs"))
                    && !line.endsWith(" 0.0")) {
                sb.append(line).append('\n');
            }
        }
        return sb.append("--- ss -tan in the client namespace\n")
                .append(Proc.run(Duration.ofSeconds(10), "ip", "netns", "exec", clientNs, "ss", "-tan").out()).toString();
    }

    private static double scalar(String ns, String expr) {
        JsonNode result = query(ns, expr).path("data").path("result");
        return result.isEmpty() ? Double.NaN : result.get(0).path("value").get(1).asDouble();
    }

    /** Prometheus listens in the origin's namespace: ask it with curl from there. */
    private static JsonNode query(String ns, String expr) {
        String body = curl(ns, "-G", "--data-urlencode", "query=" + expr, "http://127.0.0.1:9090/api/v1/query");
        try {
            return JSON.readTree(body);
        } catch (IOException e) {
            throw new AssertionError("query " + expr + ": " + body, e);
        }
    }

    private static String curl(String ns, String... args) {
        List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", ns, "curl", "-sS", "--max-time", "10"));
        cmd.addAll(List.of(args));
        Proc.Result r = Proc.run(Duration.ofSeconds(20), null, Map.of(), cmd);
        if (r.exit() != 0) {
            throw new AssertionError(cmd + ": " + r);
        }
        return r.out();
    }

    private static void await(BooleanSupplier condition, Duration timeout, String what) throws InterruptedException {
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


}
