package org.diskcryptnet.bench.system.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import org.diskcryptnet.bench.system.measure.ClientKernel;
import org.diskcryptnet.bench.system.measure.HostStats;
import org.diskcryptnet.bench.system.measure.RunRecord;
import org.diskcryptnet.bench.system.measure.Wrk;

class CellSummaryTest {

    /** A run that received {@code gb} GB in 1 s with {@code cpu} server CPU-seconds. */
    private static RunRecord run(String variant, int round, double gb, double cpu) {
        Wrk.Outcome w = new Wrk.Outcome(1.0, 100, (long) (gb * 1e9), 0, 0, 0, 0, 0, 1, 2, 3, 4, 0.5, 2);
        return new RunRecord(variant, variant.startsWith("nginx") ? "nginx" : "origin", "http", "warm", "zram", 100,
                round, w, cpu, cpu / 4, 0, 0, 0, new HostStats.Shares(0.1, 0.9, 0), 1.0,
                new ClientKernel.Usage(100 * round, 10 * round));
    }

    @Test
    void mediansRangesAndTheRatioToThePeer() {
        List<RunRecord> runs = List.of(
                run("nginx-a", 1, 1.0, 0.20), run("origin-b", 1, 1.0, 0.10),
                run("nginx-a", 2, 1.0, 0.40), run("origin-b", 2, 2.0, 0.40),
                run("nginx-a", 3, 1.0, 0.30), run("origin-b", 3, 1.0, 0.30));
        List<CellSummary> cells = CellSummary.summarise(runs, Map.of("origin-b", "nginx-a"));
        assertEquals(2, cells.size());
        CellSummary nginx = cells.get(0), origin = cells.get(1);
        assertEquals(0.30, nginx.cpuSPerGb().median(), 1e-9);
        assertEquals(0.20, nginx.cpuSPerGb().min(), 1e-9);
        assertEquals(0.40, nginx.cpuSPerGb().max(), 1e-9);
        assertTrue(Double.isNaN(nginx.cpuRatioToNginx()));
        // origin: 0.10, 0.20, 0.30 CPU-s/GB -> median 0.20; ratio 0.20 / 0.30
        assertEquals(0.20, origin.cpuSPerGb().median(), 1e-9);
        assertEquals(0.05, origin.jitCpuSPerGb().median(), 1e-9);
        assertEquals(2.0 / 3.0, origin.cpuRatioToNginx(), 1e-9);
        assertEquals(8.0 / 8.0, origin.gbpsRatioToNginx(), 1e-9);
        assertEquals(200, origin.clientZeroWindowsPerS().median(), 1e-9, "100, 200, 300 zero windows in 1-s runs");
        assertEquals(20, origin.clientTcpMemMiB().median(), 1e-9);
        assertEquals("0.200 (0.100–0.300)", origin.cpuSPerGb().format(3));
        assertEquals(3, origin.runs().size());
    }

    @Test
    void evenCountsTakeTheMeanOfTheMiddleAndNothingMeasuredIsADash() {
        Stat s = Stat.of(List.of(4.0, 1.0, 3.0, 2.0), d -> d);
        assertEquals(2.5, s.median(), 1e-9);
        assertEquals("—", Stat.of(List.of(Double.NaN), d -> d).format(2));
        assertEquals("7.00", Stat.of(List.of(7.0), d -> d).format(2));
    }
}
