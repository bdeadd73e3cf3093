package org.diskcryptnet.bench.system.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.diskcryptnet.bench.system.measure.ClientKernel;
import org.diskcryptnet.bench.system.measure.HostStats;
import org.diskcryptnet.bench.system.measure.RunRecord;
import org.diskcryptnet.bench.system.measure.Wrk;
import org.diskcryptnet.bench.system.variant.Variants;

class JsonRoundTripTest {

    @TempDir
    Path dir;

    private static RunRecord run(String variant, int conns, long bytes, double cpu) {
        Wrk.Outcome w = new Wrk.Outcome(2.0, bytes / 307200, bytes, 0, 1, 0, 0, 0, 1.5, 2, 3.25, 4, 0.5, 2);
        return new RunRecord(variant, variant.startsWith("nginx") ? "nginx" : "origin", "http", "cold", "rootfs",
                conns, 1, w, cpu, cpu / 5, bytes, 1.5, 12, new HostStats.Shares(0.05, 1.0, 0), 9.5,
                new ClientKernel.Usage(50, 12.5));
    }

    @Test
    @SuppressWarnings("unchecked")
    void theJsonHasTheIssuesFieldsAndTheRunsRebuildTheSameCells() throws Exception {
        List<RunRecord> runs = List.of(run("nginx-sendfile-w2", 10, 1_000_000_000L, 0.5),
                run("origin-epoll-buffered-http", 10, 1_000_000_000L, 0.75),
                run("nginx-sendfile-w2", 100, 0, 0.1)); // served nothing: no CPU per GB, written as null
        List<CellSummary> cells = CellSummary.summarise(runs, Map.of("origin-epoll-buffered-http", "nginx-sendfile-w2"));
        RunInfo info = new RunInfo("2026-01-01 00:00 UTC", "abc \"quoted\"", "AMD EPYC, 2 cores", "cmd", "full mode",
                "load 1", "load 2", List.of("setting\nwith newline"), List.of());
        List<VariantReport> variants = Variants.select(List.of("origin-epoll-buffered-http"), 2).stream()
                .map(v -> new VariantReport(v, "ran", "config", List.of("probe"))).toList();
        Path file = dir.resolve("results/latest.json");
        JsonOut.write(file, info, variants, cells);

        Map<String, Object> doc = (Map<String, Object>) JsonIn.parse(Files.readString(file));
        assertEquals("abc \"quoted\"", doc.get("commit"));
        assertEquals(List.of("setting\nwith newline"), doc.get("settings"));
        List<Map<String, Object>> records = (List<Map<String, Object>>) doc.get("records");
        assertEquals(3, records.size());
        Map<String, Object> origin = records.get(1);
        for (String field : List.of("variant", "protocol", "cache", "storage", "connections", "gbps", "rps", "p99_ms",
                "errors", "cpu_s_per_gb", "jit_cpu_s_per_gb", "cpu_ratio_to_nginx")) {
            assertTrue(origin.containsKey(field), field);
        }
        assertEquals(0.75, (Double) origin.get("cpu_s_per_gb"), 1e-9);
        assertEquals(0.15, (Double) origin.get("jit_cpu_s_per_gb"), 1e-9);
        assertEquals(1.5, (Double) origin.get("cpu_ratio_to_nginx"), 1e-9);
        assertEquals(4.0, (Double) origin.get("gbps"), 1e-9);
        assertEquals(1.0, (Double) origin.get("errors"));
        assertEquals(25.0, (Double) origin.get("client_zero_windows_per_s"), 1e-9, "50 in a 2-s run");
        assertEquals(12.5, (Double) origin.get("client_tcp_mem_mib"), 1e-9);
        Map<String, Object> run = ((List<Map<String, Object>>) origin.get("runs")).getFirst();
        assertEquals(50.0, (Double) run.get("client_zero_window_adverts"), 1e-9);
        assertNull(records.get(2).get("cpu_s_per_gb"), "NaN is written as null");

        List<Path> plots = Replot.replot(file);
        assertEquals(2, plots.size());
        for (Path p : plots) {
            assertTrue(Files.size(p) > 1000, p + " is a drawn PNG");
        }
    }

    @Test
    void malformedJsonIsRefusedWithItsOffset() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> JsonIn.parse("{\"a\":1,}"));
        assertTrue(e.getMessage().contains("offset"), e.getMessage());
    }
}
