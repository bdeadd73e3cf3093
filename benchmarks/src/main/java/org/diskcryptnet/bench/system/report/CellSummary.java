package org.diskcryptnet.bench.system.report;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.diskcryptnet.bench.system.measure.RunRecord;

/**
 * One cell of the result: a variant on one workload (cache column, storage, connections), summarised over its
 * rounds — medians and ranges — and compared with its nginx peer's medians on the same workload.
 */
public record CellSummary(String variant, String family, String protocol, String cache, String storage,
                          int connections, List<RunRecord> runs, Stat gbps, Stat rps, Stat p50Ms, Stat p99Ms,
                          Stat cpuSPerGb, Stat jitCpuSPerGb, Stat clientCpuSPerGb, Stat clientTcpMemMiB,
                          Stat clientZeroWindowsPerS, Stat diskReadsPerByte, Stat cacheGrowthMiB,
                          Stat serverCacheMiB, Stat softirq, Stat hostBusy, Stat steal, long errors, long requests,
                          String peer, double cpuRatioToNginx, double gbpsRatioToNginx) {

    /** The key of a workload a variant runs on. */
    public record Workload(String cache, String storage, int connections) {}

    public Workload workload() {
        return new Workload(cache, storage, connections);
    }

    /** Groups runs into cells (in first-seen order) and fills each origin cell's ratios from its peer's cell. */
    public static List<CellSummary> summarise(List<RunRecord> runs, Map<String, String> peers) {
        Map<String, List<RunRecord>> groups = new LinkedHashMap<>();
        for (RunRecord r : runs) {
            groups.computeIfAbsent(key(r.variant(), r.cache(), r.storage(), r.connections()), k -> new ArrayList<>()).add(r);
        }
        Map<String, CellSummary> plain = new LinkedHashMap<>();
        for (var e : groups.entrySet()) {
            plain.put(e.getKey(), of(e.getValue(), null, Double.NaN, Double.NaN));
        }
        List<CellSummary> out = new ArrayList<>();
        for (CellSummary c : plain.values()) {
            String peer = peers.get(c.variant);
            CellSummary p = peer == null ? null : plain.get(key(peer, c.cache, c.storage, c.connections));
            double cpuRatio = p == null ? Double.NaN : ratio(c.cpuSPerGb.median(), p.cpuSPerGb.median());
            double gbpsRatio = p == null ? Double.NaN : ratio(c.gbps.median(), p.gbps.median());
            out.add(of(c.runs, peer, cpuRatio, gbpsRatio));
        }
        return out;
    }

    /** a / b, or NaN (shown as "—") where the peer served nothing to compare with. */
    private static double ratio(double a, double b) {
        double r = a / b;
        return b > 0 && Double.isFinite(r) ? r : Double.NaN;
    }

    private static String key(String variant, String cache, String storage, int connections) {
        return variant + "|" + cache + "|" + storage + "|" + connections;
    }

    private static CellSummary of(List<RunRecord> rs, String peer, double cpuRatio, double gbpsRatio) {
        RunRecord f = rs.getFirst();
        return new CellSummary(f.variant(), f.family(), f.protocol(), f.cache(), f.storage(), f.connections(), rs,
                Stat.of(rs, RunRecord::gbps), Stat.of(rs, RunRecord::rps), Stat.of(rs, r -> r.wrk().p50Ms()),
                Stat.of(rs, r -> r.wrk().p99Ms()), Stat.of(rs, RunRecord::cpuSecondsPerGb),
                Stat.of(rs, RunRecord::jitCpuSecondsPerGb), Stat.of(rs, RunRecord::clientCpuSecondsPerGb),
                Stat.of(rs, r -> r.client().tcpMemMiB()), Stat.of(rs, RunRecord::clientZeroWindowsPerSecond),
                Stat.of(rs, RunRecord::diskReadsPerByteServed),
                Stat.of(rs, RunRecord::pageCacheGrowthMiB), Stat.of(rs, RunRecord::serverCacheMiB),
                Stat.of(rs, r -> r.host().softirq()), Stat.of(rs, r -> r.host().busy()), Stat.of(rs, r -> r.host().steal()),
                rs.stream().mapToLong(r -> r.wrk().errors()).sum(), rs.stream().mapToLong(r -> r.wrk().requests()).sum(),
                peer, cpuRatio, gbpsRatio);
    }
}
