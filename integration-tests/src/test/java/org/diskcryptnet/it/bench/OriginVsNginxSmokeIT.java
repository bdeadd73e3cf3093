package org.diskcryptnet.it.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import org.diskcryptnet.bench.system.report.JsonIn;
import org.diskcryptnet.bench.system.variant.Variant;
import org.diskcryptnet.bench.system.variant.Variants;

/**
 * Runs {@code benchmarks/run-origin-vs-nginx --short} for real — namespaces, nginx, the origin, wrk, zram — and
 * checks that it completed, that every default variant is in its JSON either as run (having served the catalog's
 * exact bytes, SHA-256 checked by curl before the load, and then load without errors) or as "could not run" with
 * the server's reason, that it left nothing behind, and that it did not touch the committed results. No figure is
 * judged: speed is measured, not asserted.
 */
class OriginVsNginxSmokeIT {

    private static final Path REPO = Path.of(System.getProperty("dcn.repo.root", "..")).toAbsolutePath().normalize();

    @Test
    @Timeout(value = 7, unit = TimeUnit.MINUTES)
    void shortModeRunsEveryVariantAndCleansUp() throws Exception {
        assumeTrue(run("id", "-u").strip().equals("0"), "the benchmark needs root (namespaces, cgroups, zram)");
        for (String tool : List.of("nginx", "wrk", "curl", "zramctl")) {
            assumeTrue(!run("bash", "-c", "command -v " + tool + " || true").isBlank(),
                    tool + " is not installed: run scripts/install-test-deps");
        }
        Path target = REPO.resolve("integration-tests/target");
        Path out = target.resolve("bench-smoke");
        Path work = target.resolve("bench-smoke-work");
        String committedBefore = fingerprint(REPO.resolve("benchmarks/RESULTS.md"), REPO.resolve("benchmarks/results"));
        Set<String> netnsBefore = dcnbNamespaces();
        String zramBefore = run("zramctl", "--noheadings", "--output", "NAME,MOUNTPOINT");

        Path log = target.resolve("bench-smoke.log");
        Files.createDirectories(target);
        Process p = new ProcessBuilder(REPO.resolve("benchmarks/run-origin-vs-nginx").toString(), "--short",
                "--out", out.toString(), "--work", work.toString())
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        if (!p.waitFor(5, TimeUnit.MINUTES)) {
            p.destroy(); // SIGTERM: the wrapper's trap stops the driver and cleans up
            p.waitFor(60, TimeUnit.SECONDS);
            fail("the short mode did not finish within 5 minutes; log: " + log);
        }
        String output = Files.readString(log);
        assertEquals(0, p.exitValue(), "run-origin-vs-nginx --short failed:\n" + tail(output));

        @SuppressWarnings("unchecked")
        Map<String, Object> json = (Map<String, Object>) JsonIn.parse(Files.readString(out.resolve("results/latest.json")));
        assertEquals("short mode: smoke test, figures not meaningful", json.get("mode"));
        List<Map<String, Object>> variants = list(json.get("variants"));
        List<Map<String, Object>> records = list(json.get("records"));
        int cores = Runtime.getRuntime().availableProcessors();
        List<String> expected = Variants.select(Variants.DEFAULTS, cores).stream().map(Variant::name).toList();
        assertEquals(expected, variants.stream().map(v -> (String) v.get("name")).toList(), "every default variant is reported");

        for (Map<String, Object> v : variants) {
            String name = (String) v.get("name");
            String status = (String) v.get("status");
            List<String> probes = list(v.get("probes"));
            assertFalse(((String) v.get("configuration")).isBlank(), name + " prints its configuration");
            if (status.startsWith("could not run: ")) {
                assertTrue(status.length() > "could not run: ".length() + 10, name + " says why it could not run: " + status);
                assertFalse(name.startsWith("nginx"), "nginx is installed, so " + name + " must run: " + status);
                continue;
            }
            assertEquals("ran", status, name);
            assertFalse(probes.isEmpty(), name + " was probed");
            for (String probe : probes) {
                assertTrue(probe.contains("correct bytes: ") && probe.contains("SHA-256 equal"),
                        name + " served the catalog's bytes: " + probe);
                if (v.get("protocol").equals("https")) {
                    assertTrue(probe.contains("TLSv1.3 TLS_AES_128_GCM_SHA256"), name + " negotiated TLS 1.3 AES-128-GCM: " + probe);
                }
            }
            List<Map<String, Object>> mine = records.stream().filter(r -> r.get("variant").equals(name)).toList();
            assertFalse(mine.isEmpty(), name + " has measured records");
            for (Map<String, Object> r : mine) {
                assertTrue((Double) r.get("requests") > 0, name + " completed requests: " + r);
                assertEquals(0.0, r.get("errors"), name + " had no errors (non-2xx, socket errors, timeouts): " + r);
                assertTrue((Double) r.get("cpu_s_per_gb") > 0, name + " has a server CPU figure: " + r);
                assertTrue(r.get("client_tcp_mem_mib") instanceof Double mib && mib >= 0
                        && r.get("client_zero_windows_per_s") instanceof Double zw && zw >= 0,
                        name + " has the client kernel's socket memory and zero windows: " + r);
                assertTrue(r.containsKey("gbps") && r.containsKey("p99_ms") && r.containsKey("cpu_ratio_to_nginx"), name);
            }
        }
        assertTrue(Files.readString(out.resolve("RESULTS.md")).contains("| variant |"), "a Markdown table was written");
        try (Stream<Path> pngs = Files.list(out.resolve("results"))) {
            assertTrue(pngs.anyMatch(f -> f.getFileName().toString().startsWith("throughput-")), "throughput plots were drawn");
        }

        assertEquals(netnsBefore, dcnbNamespaces(), "no network namespace left behind");
        assertEquals(zramBefore, run("zramctl", "--noheadings", "--output", "NAME,MOUNTPOINT"), "no zram device left behind");
        try (Stream<Path> files = Files.list(work)) {
            assertTrue(files.noneMatch(f -> f.getFileName().toString().startsWith("state.")), "no cleanup state left");
        }
        assertEquals(committedBefore, fingerprint(REPO.resolve("benchmarks/RESULTS.md"), REPO.resolve("benchmarks/results")),
                "the short mode must not touch the committed results");
    }

    private static Set<String> dcnbNamespaces() throws IOException, InterruptedException {
        Set<String> names = new TreeSet<>();
        for (String line : run("ip", "netns", "list").split("\n")) {
            if (line.startsWith("dcnb-")) {
                names.add(line.split(" ")[0]);
            }
        }
        return names;
    }

    /** SHA-256 over the names and contents of the committed result files. */
    private static String fingerprint(Path... paths) throws Exception {
        MessageDigest d = MessageDigest.getInstance("SHA-256");
        List<Path> files = new ArrayList<>();
        for (Path p : paths) {
            if (Files.isDirectory(p)) {
                try (Stream<Path> s = Files.walk(p)) {
                    s.filter(Files::isRegularFile).sorted().forEach(files::add);
                }
            } else if (Files.exists(p)) {
                files.add(p);
            }
        }
        for (Path f : files) {
            d.update(f.toString().getBytes());
            d.update(Files.readAllBytes(f));
        }
        return HexFormat.of().formatHex(d.digest());
    }

    @SuppressWarnings("unchecked")
    private static <T> List<T> list(Object o) {
        return (List<T>) o;
    }

    private static String run(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        p.waitFor(30, TimeUnit.SECONDS);
        return out;
    }

    private static String tail(String s) {
        String[] lines = s.split("\n");
        return String.join("\n", List.of(lines).subList(Math.max(0, lines.length - 60), lines.length));
    }
}
