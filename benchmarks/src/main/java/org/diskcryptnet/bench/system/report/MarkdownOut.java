package org.diskcryptnet.bench.system.report;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;

/**
 * The Markdown report: {@link #summary} is the section appended to {@code benchmarks/RESULTS.md} (throughput and
 * server CPU per GB per workload, the origin's CPU ratio to nginx), {@link #full} the complete
 * {@code results/latest.md} (every figure of every cell, each variant's configuration and probes).
 */
public final class MarkdownOut {

    private MarkdownOut() {}

    public static String summary(RunInfo info, List<VariantReport> variants, List<CellSummary> cells, String fullLink) {
        StringBuilder b = new StringBuilder();
        b.append("\n## Origin vs nginx, side by side (issue 3) — ").append(info.date()).append("\n\n");
        header(b, info);
        b.append("Each cell: median over the rounds, (min–max) when they differ. Full figures (p50/p99, errors, "
                + "client CPU, disk reads, page cache, softirq), every variant's configuration and the correctness "
                + "probes: [").append(fullLink).append("](").append(fullLink).append("); raw runs in `results/latest.json`; "
                + "plots `results/throughput-*.png`, `results/cpu-*.png`.\n\n");
        statusList(b, variants);
        ratioTable(b, cells);
        for (String[] w : workloads(cells)) {
            List<CellSummary> in = cellsOf(cells, w[0], w[1]);
            Set<Integer> conns = connections(in);
            b.append("### ").append(title(w[0], w[1])).append(": Gbit/s\n\n");
            table(b, in, conns, c -> c.gbps().format(2) + (Double.isNaN(c.gbpsRatioToNginx()) ? ""
                    : String.format(Locale.ROOT, " ×%.2f", c.gbpsRatioToNginx())) + (c.errors() > 0 ? " ⚠" + c.errors() + " err" : ""));
            b.append("### ").append(title(w[0], w[1])).append(": server CPU-seconds per GB (× nginx peer)\n\n");
            table(b, in, conns, c -> c.cpuSPerGb().format(3) + (Double.isNaN(c.cpuRatioToNginx()) ? ""
                    : String.format(Locale.ROOT, " ×%.2f", c.cpuRatioToNginx())));
            b.append("### ").append(title(w[0], w[1])).append(": of that, the JVM's JIT compiler threads\n\n");
            table(b, in, conns, c -> c.jitCpuSPerGb().format(3));
        }
        return b.toString();
    }

    public static String full(RunInfo info, List<VariantReport> variants, List<CellSummary> cells) {
        StringBuilder b = new StringBuilder("# Origin vs nginx — full results of " + info.date() + "\n\n");
        header(b, info);
        statusList(b, variants);
        ratioTable(b, cells);
        for (String[] w : workloads(cells)) {
            b.append("## ").append(title(w[0], w[1])).append("\n\n");
            b.append("| variant | conns | Gbit/s | req/s | p50 ms | p99 ms | errors | server CPU-s/GB | of which JIT | × nginx "
                    + "| client CPU-s/GB | client TCP MiB | client zero windows/s | disk read / served "
                    + "| server page cache MiB | host Cached Δ MiB | softirq | host busy | steal |\n");
            b.append("|---|---:|---|---|---|---|---:|---|---|---:|---|---|---|---|---|---|---|---|---|\n");
            for (CellSummary c : cellsOf(cells, w[0], w[1])) {
                b.append("| ").append(c.variant()).append(" | ").append(c.connections()).append(" | ")
                        .append(c.gbps().format(2)).append(" | ").append(c.rps().format(0)).append(" | ")
                        .append(c.p50Ms().format(1)).append(" | ").append(c.p99Ms().format(1)).append(" | ")
                        .append(c.errors()).append(" | ").append(c.cpuSPerGb().format(3)).append(" | ")
                        .append(c.jitCpuSPerGb().format(3)).append(" | ")
                        .append(Double.isNaN(c.cpuRatioToNginx()) ? "" : String.format(Locale.ROOT, "%.2f", c.cpuRatioToNginx()))
                        .append(" | ").append(c.clientCpuSPerGb().format(3)).append(" | ")
                        .append(c.clientTcpMemMiB().format(0)).append(" | ")
                        .append(c.clientZeroWindowsPerS().format(0)).append(" | ")
                        .append(c.diskReadsPerByte().format(2)).append(" | ").append(c.serverCacheMiB().format(0))
                        .append(" | ").append(c.cacheGrowthMiB().format(0)).append(" | ").append(pct(c.softirq()))
                        .append(" | ").append(pct(c.hostBusy())).append(" | ").append(pct(c.steal())).append(" |\n");
            }
            b.append('\n');
        }
        b.append("## Variants: configuration as started, and probes\n\n");
        for (VariantReport v : variants) {
            b.append("### ").append(v.variant().name()).append("\n\n").append(v.variant().summary())
                    .append(v.variant().peer() == null ? "" : "; compared with " + v.variant().peer()).append(". Status: ")
                    .append(v.status()).append(".\n\n");
            for (String p : v.probes()) {
                b.append("- probe: ").append(p).append('\n');
            }
            b.append("\n```\n").append(v.configuration().strip()).append("\n```\n\n");
        }
        return b.toString();
    }

    private static void header(StringBuilder b, RunInfo info) {
        b.append("- Command: `").append(info.command()).append("` (").append(info.mode()).append(")\n");
        b.append("- Commit: `").append(info.commit()).append("`\n");
        b.append("- Machine: ").append(info.machine()).append('\n');
        b.append("- Load (`uptime`): before ").append(info.loadBefore()).append("; after ").append(info.loadAfter()).append('\n');
        for (String s : info.settings()) {
            b.append("- ").append(s).append('\n');
        }
        for (String n : info.notes()) {
            b.append("- **Note:** ").append(n).append('\n');
        }
        b.append('\n');
    }

    private static void statusList(StringBuilder b, List<VariantReport> variants) {
        b.append("| variant | what | compared with | status |\n|---|---|---|---|\n");
        for (VariantReport v : variants) {
            b.append("| ").append(v.variant().name()).append(" | ").append(v.variant().summary()).append(" | ")
                    .append(v.variant().peer() == null ? "" : v.variant().peer()).append(" | ")
                    .append(v.status().replace("|", "\\|")).append(" |\n");
        }
        b.append('\n');
    }

    /** The figure the issue closes on: each origin variant's CPU-seconds per GB as a ratio to its nginx peer's. */
    private static void ratioTable(StringBuilder b, List<CellSummary> cells) {
        List<CellSummary> origin = cells.stream().filter(c -> c.peer() != null).toList();
        if (origin.isEmpty()) {
            b.append("No origin variant ran, so there is no ratio to nginx.\n\n");
            return;
        }
        Set<Integer> conns = connections(origin);
        b.append("### Origin CPU-seconds per GB ÷ nginx's on the same workload (lower is better; Gbit/s ratio after /)\n\n");
        b.append("| origin variant | nginx peer | workload |");
        conns.forEach(n -> b.append(' ').append(n).append(" conns |"));
        b.append("\n|---|---|---|").append("---:|".repeat(conns.size())).append('\n');
        Set<String> rows = new LinkedHashSet<>();
        origin.forEach(c -> rows.add(c.variant() + "|" + c.cache() + "|" + c.storage()));
        for (String row : rows) {
            String[] k = row.split("\\|");
            List<CellSummary> in = origin.stream().filter(c -> c.variant().equals(k[0]) && c.cache().equals(k[1])
                    && c.storage().equals(k[2])).toList();
            b.append("| ").append(k[0]).append(" | ").append(in.getFirst().peer()).append(" | ").append(title(k[1], k[2])).append(" |");
            for (int n : conns) {
                CellSummary c = in.stream().filter(x -> x.connections() == n).findFirst().orElse(null);
                b.append(' ').append(c == null || Double.isNaN(c.cpuRatioToNginx()) ? "—"
                        : String.format(Locale.ROOT, "%.2f / %.2f", c.cpuRatioToNginx(), c.gbpsRatioToNginx())).append(" |");
            }
            b.append('\n');
        }
        b.append('\n');
    }

    private static void table(StringBuilder b, List<CellSummary> in, Set<Integer> conns,
                              java.util.function.Function<CellSummary, String> cell) {
        b.append("| variant |");
        conns.forEach(n -> b.append(' ').append(n).append(" conns |"));
        b.append("\n|---|").append("---|".repeat(conns.size())).append('\n');
        Set<String> variants = new LinkedHashSet<>();
        in.forEach(c -> variants.add(c.variant()));
        for (String v : variants) {
            b.append("| ").append(v).append(" |");
            for (int n : conns) {
                CellSummary c = in.stream().filter(x -> x.variant().equals(v) && x.connections() == n).findFirst().orElse(null);
                b.append(' ').append(c == null ? "—" : cell.apply(c)).append(" |");
            }
            b.append('\n');
        }
        b.append('\n');
    }

    static List<String[]> workloads(List<CellSummary> cells) {
        List<String[]> out = new ArrayList<>();
        Set<String> seen = new LinkedHashSet<>();
        for (CellSummary c : cells) {
            if (seen.add(c.storage() + "|" + c.cache())) {
                out.add(new String[] {c.cache(), c.storage()});
            }
        }
        return out;
    }

    static List<CellSummary> cellsOf(List<CellSummary> cells, String cache, String storage) {
        return cells.stream().filter(c -> c.cache().equals(cache) && c.storage().equals(storage)).toList();
    }

    static Set<Integer> connections(List<CellSummary> cells) {
        Set<Integer> s = new TreeSet<>();
        cells.forEach(c -> s.add(c.connections()));
        return s;
    }

    static String title(String cache, String storage) {
        return "cache " + cache + ", " + (storage.equals("rootfs") ? "root filesystem" : storage);
    }

    private static String pct(Stat s) {
        return s.present() ? String.format(Locale.ROOT, "%.0f%%", s.median() * 100) : "—";
    }
}
