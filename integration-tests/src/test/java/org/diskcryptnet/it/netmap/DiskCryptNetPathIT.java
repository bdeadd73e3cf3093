package org.diskcryptnet.it.netmap;

import static org.diskcryptnet.it.support.VethLink.exec;
import static org.diskcryptnet.it.support.VethLink.ip;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import org.diskcryptnet.it.support.OriginProcess;
import org.diskcryptnet.it.support.Proc;
import org.diskcryptnet.it.support.PrometheusText;
import org.diskcryptnet.it.support.TestCatalog;
import org.diskcryptnet.it.support.VethLink;
import org.diskcryptnet.it.support.Wrk;
import org.diskcryptnet.netmap.channel.Netmap;
import org.diskcryptnet.netmap.port.PortUri;
import org.diskcryptnet.origin.storage.DirectFileBodies;
import org.diskcryptnet.origin.tls.SelfSignedCertificate;

/**
 * Issue 8 end to end: the origin on the netmap transport ({@code xdp:} over a veth pair, else {@code packet:}) with
 * {@code storage: direct}, the fault injector losing and reordering 5% of the frames each way, serving HTTPS with the
 * in-place record layer (TLS 1.3 and 1.2) and plain HTTP to kernel clients in another namespace. Every body goes the
 * Disk|Crypt|Net way: read from disk when TCP may send it, sealed where it is sent from, read (and sealed) again when
 * lost. curl fetches several 300 KB objects over both protocols and both TLS versions (SHA-256 of every byte against
 * the file); wrk keeps {@link #HTTPS_CONNECTIONS} TLS connections and {@link #HTTP_CONNECTIONS} plain ones busy (no
 * socket error, no error status, every body byte); the origin's /metrics must show the send path sealing records,
 * re-reading lost segments from disk and sealing records again, with no read failure.
 */
@Timeout(300)
class DiskCryptNetPathIT {

    /**
     * wrk's TLS connections: the issue's 1,000, through 5% loss and reordering on one event loop. Two things had kept
     * this at 200. A handshake whose segments are lost again and again waits out RTOs of 1, 2, 4 and 8 s, past
     * SslHandler's default 10 s: the origin runs with tls.handshake_timeout 30s. And the request-header clock
     * started at accept, so a long handshake left the first request no time: the origin closed the connection as
     * the request arrived, answered it with a RST, and wrk counted a read error. That clock now starts when the
     * handshake is done (ConnectionTimeouts).
     *
     * <p>Its default of 10 s is still too short here, for HTTP as for HTTPS: with 1,000 connections through the
     * faults on two shared cores, a client's first request can come more than 10 s after accept (or after the
     * handshake). The origin then closes the connection, which is its policy (no byte in 10 s), the request meets
     * the closed connection, and the RST it gets (RFC 1122 section 4.2.2.13) is a wrk read error. That happened
     * once in a full run, and in 6 of 15 runs, most of them beside a CPU hog; the origin's log showed the header
     * clock expiring with no byte received, then that connection's reset. The origin runs with a 30 s header
     * clock, as it runs with a 30 s handshake timeout: 18 of 18 runs passed, 6 of them beside the hog.
     */
    static final int HTTPS_CONNECTIONS = 1000;
    static final int HTTP_CONNECTIONS = 1000;
    static final String FAULTS = "loss=0.05,reorder=0.05,seed=8";
    static final long OBJECT = 300_000;


    @TempDir
    Path dir;

    @Test
    void httpsAndHttpThroughTheDiskCryptNetPathWithLossAndReordering() throws Exception {
        PortUri.Kind kind = Netmap.isAvailable(PortUri.Kind.XDP) ? PortUri.Kind.XDP : PortUri.Kind.PACKET;
        Assumptions.assumeTrue(Netmap.isAvailable(kind), () -> "neither xdp nor packet ports: "
                + Netmap.unavailabilityCause(kind));
        Assumptions.assumeTrue("root".equals(System.getProperty("user.name")), "needs root for network namespaces");
        Assumptions.assumeTrue(DirectFileBodies.available(), () -> "storage: direct needs io_uring: "
                + DirectFileBodies.unavailabilityCause());
        for (String tool : new String[] {"ip", "ethtool", "curl", "wrk"}) {
            Proc.require(tool);
        }
        try (VethLink link = new VethLink("dcnq", "198.18.130.1/24")) {
            String serverNs = link.serverNs;
            String clientNs = link.clientNs;
            String stack = "198.18.130.2";
            String port = kind == PortUri.Kind.XDP ? "xdp:" + link.serverIf + "@0" : "packet:" + link.serverIf;

            Path root = Files.createDirectories(dir.resolve("root"));
            TestCatalog catalog = new TestCatalog(root);
            List<String> objects = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                // 300 KB, and sizes around a record's and a block's edges
                long size = OBJECT + new long[] {0, 1, 4095, 16384, 16385, 12_345}[i];
                catalog.file("chunk" + i + ".m4s", size);
                objects.add("chunk" + i + ".m4s");
            }
            Path cert = dir.resolve("cert.pem");
            Path key = dir.resolve("key.pem");
            SelfSignedCertificate.write(cert, key, SelfSignedCertificate.KeyType.EC_P256, "localhost",
                    List.of("localhost"), List.of(stack), Duration.ofDays(2));
            List<String> args = List.of("serve", "--root", root.toString(), "--storage", "direct",
                    "--http", "0.0.0.0:8080", "--https", "0.0.0.0:8443", "--cert", cert.toString(), "--key",
                    key.toString(), "--admin", "127.0.0.1:0", "--access-log", "off", "--event-loops", "1",
                    "--transport", port, "--address", stack + "/24", "--faults", FAULTS,
                    "--set", "tls.record_layer=transport", "--set", "tls.handshake_timeout=30s",
                    "--set", "server.request_header_timeout=30s");
            try (OriginProcess origin = OriginProcess.startIn(serverNs, dir, Duration.ofMinutes(3),
                    args.toArray(String[]::new))) {
                assertTrue(origin.stderr().contains("transport netmap " + kind.name().toLowerCase() + ":"), origin.stderr());
                assertTrue(origin.stderr().contains("with faults " + FAULTS), origin.stderr());
                assertTrue(origin.stderr().contains("record layer: in place"), origin.stderr());

                Path body = dir.resolve("body");
                for (String name : objects) {
                    String expected = TestCatalog.sha256(root.resolve(name));
                    for (String url : List.of("http://" + stack + ":8080/" + name, "https://" + stack + ":8443/" + name)) {
                        for (String tls : url.startsWith("https") ? List.of("--tlsv1.3", "--tls-max") : List.of("")) {
                            List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", clientNs, "curl", "-sS",
                                    "-k", "--max-time", "60", "--retry", "3", "--retry-connrefused", "-o",
                                    body.toString(), "-w", "%{http_code} %{ssl_verify_result}"));
                            if (tls.equals("--tlsv1.3")) {
                                cmd.add("--tlsv1.3");
                            } else if (tls.equals("--tls-max")) {
                                cmd.addAll(List.of("--tlsv1.2", "--tls-max", "1.2"));
                            }
                            cmd.add(url);
                            Proc.Result r = Proc.run(Duration.ofSeconds(90), null, Map.of(), cmd);
                            String what = url + " " + tls;
                            assertEquals(0, r.exit(), what + ": " + r + "\n" + origin.stderr());
                            assertTrue(r.out().startsWith("200 "), what + ": " + r.out());
                            assertEquals(expected, TestCatalog.sha256(body), what + ": every byte");
                        }
                    }
                }

                Path script = Wrk.roundRobin(dir.resolve("objects.lua"), objects.stream().map(o -> "/" + o).toList());
                try {
                    wrk(clientNs, script, "https://" + stack + ":8443/", HTTPS_CONNECTIONS, 15, root, objects);
                    wrk(clientNs, script, "http://" + stack + ":8080/", HTTP_CONNECTIONS, 12, root, objects);
                } catch (AssertionError e) {
                    throw new AssertionError(e.getMessage() + "\nthe origin's view:\n" + diagnosis(serverNs, origin), e);
                }

                String metrics = PrometheusText.scrape(serverNs, origin.admin().getPort());
                double sealedInFrames = PrometheusText.sum(metrics, "origin_net_disk_send_sealed_bytes_total", "where=\"frame\"");
                double sealedInStaging = PrometheusText.sum(metrics, "origin_net_disk_send_sealed_bytes_total", "where=\"staging\"");
                double rereads = PrometheusText.sum(metrics, "origin_net_disk_send_rereads_total", null);
                double resealed = PrometheusText.sum(metrics, "origin_net_disk_send_records_resealed_total", null);
                double failures = PrometheusText.sum(metrics, "origin_net_disk_send_read_failures_total", null);
                double fileBytes = PrometheusText.sum(metrics, "origin_net_disk_send_file_bytes_total", null);
                double copied = PrometheusText.sum(metrics, "origin_net_disk_send_copied_bytes_total", null);
                double retransmitted = PrometheusText.sum(metrics, "origin_tcp_segments_retransmitted_total", null);
                double windowReads = PrometheusText.sum(metrics, "origin_net_disk_send_window_reads_total", null);
                double windowBytesRead = PrometheusText.sum(metrics, "origin_net_disk_send_window_read_bytes_total", null);
                double windowBytesServed = PrometheusText.sum(metrics, "origin_net_disk_send_window_served_bytes_total", null);
                System.out.printf("%s with %s: send path file bytes %.0f (CPU-copied %.0f, %.3f per byte), sealed in "
                                + "frames %.0f, in staging %.0f, disk re-reads %.0f, records re-sealed %.0f, read failures "
                                + "%.0f, segments retransmitted %.0f, window reads %.0f (%.0f bytes read, %.0f served)%n",
                        port, FAULTS, fileBytes, copied, fileBytes == 0 ? 0 : copied / fileBytes, sealedInFrames,
                        sealedInStaging, rereads, resealed, failures, retransmitted, windowReads, windowBytesRead,
                        windowBytesServed);
                assertTrue(windowReads > 0 && windowBytesServed > 0.5 * fileBytes,
                        "most first sends came out of read windows (the default)");
                assertTrue(sealedInFrames + sealedInStaging > 0, "HTTPS bodies were sealed by the send path:\n" + metrics);
                assertTrue(fileBytes > sealedInFrames + sealedInStaging, "plain HTTP bodies went through it too");
                assertTrue(rereads > 0, "lost segments were read again from disk");
                assertTrue(resealed > 0, "and their records sealed again");
                assertEquals(0, failures, "no disk read failed");
                assertEquals(0, origin.terminate(Duration.ofSeconds(60)), origin.stderr());
            }
        }
    }

    /** wrk with {@code connections} connections for {@code seconds}: no socket error, no error status, every byte. */
    private static void wrk(String ns, Path script, String url, int connections, int seconds, Path root,
                            List<String> objects) throws Exception {
        Proc.Result wrk = Proc.run(Duration.ofSeconds(seconds + 90), "ip", "netns", "exec", ns, "wrk", "-t2",
                "-c" + connections, "-d" + seconds + "s", "--timeout", "30s", "-s", script.toString(), url);
        System.out.println(url + ": wrk -c" + connections + " -d" + seconds + "s through the faults\n" + wrk.out());
        long total = 0;
        for (String o : objects) {
            total += Files.size(root.resolve(o));
        }
        Wrk.assertClean(wrk, 0, (double) total / objects.size(), 0.95);
    }

    /** The origin's counters of what ends connections early, and its log, for a failure message. */
    private static String diagnosis(String serverNs, OriginProcess origin) throws Exception {
        Proc.Result scrape = Proc.run(Duration.ofSeconds(30), "ip", "netns", "exec", serverNs, "curl", "-sS",
                "--max-time", "20", "http://127.0.0.1:" + origin.admin().getPort() + "/metrics");
        StringBuilder out = new StringBuilder();
        for (String line : scrape.out().split("\n")) {
            if (!line.startsWith("#") && !line.endsWith(" 0.0") && (line.startsWith("tls_handshake_failures")
                    || line.startsWith("origin_tcp_resets") || line.startsWith("origin_tcp_connections_timed_out")
                    || line.startsWith("origin_net_drops") || line.startsWith("origin_net_disk_send_refused")
                    || line.startsWith("origin_http_responses") || line.startsWith("tls_alerts"))) {
                out.append(line).append('\n');
            }
        }
        String log = origin.stderr();
        return out + "stderr (last 4,000 characters):\n" + log.substring(Math.max(0, log.length() - 4000));
    }
}
