package org.diskcryptnet.bench.system;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.diskcryptnet.bench.system.report.VariantReport;
import org.diskcryptnet.bench.system.testbed.Cleanup;
import org.diskcryptnet.bench.system.testbed.MemoryCgroups;
import org.diskcryptnet.bench.system.testbed.Testbed;
import org.diskcryptnet.bench.system.variant.Variant;
import org.diskcryptnet.bench.system.variant.Variants;

/** What the phases of one invocation share: the testbed, the selected variants, and what is learnt about each. */
final class Run {

    final BenchOptions options;
    final PrintStream log;
    final Cleanup cleanup;
    final Testbed testbed;
    final MemoryCgroups cgroups;
    final List<Variant> variants;
    final int cores;
    final Path work;
    final Path logs;
    final Path certificate;
    final Path privateKey;
    final Path opensslConf;
    /** RLIMIT_NOFILE for servers and wrk: 65,536, or the hard limit if this process may not raise it. */
    final int fileLimit;

    private final Map<String, String> configurations = new LinkedHashMap<>();
    private final Map<String, List<String>> probes = new LinkedHashMap<>();
    private final Map<String, List<String>> failures = new LinkedHashMap<>();
    final List<String> notes = new ArrayList<>();

    Run(BenchOptions options, PrintStream log, Cleanup cleanup, Testbed testbed, MemoryCgroups cgroups,
        List<Variant> variants, int cores, Path work, Path logs, Path certificate, Path privateKey, Path opensslConf,
        int fileLimit) {
        this.options = options;
        this.log = log;
        this.cleanup = cleanup;
        this.testbed = testbed;
        this.cgroups = cgroups;
        this.variants = variants;
        this.cores = cores;
        this.work = work;
        this.logs = logs;
        this.certificate = certificate;
        this.privateKey = privateKey;
        this.opensslConf = opensslConf;
        this.fileLimit = fileLimit;
    }

    /** Each variant has its own port in 18800–18899: its index among all known variants. */
    int port(Variant v) {
        List<Variant> all = Variants.all(cores);
        for (int i = 0; i < all.size(); i++) {
            if (all.get(i).name().equals(v.name())) {
                return 18800 + i;
            }
        }
        throw new IllegalArgumentException(v.name());
    }

    synchronized void configuration(Variant v, String text) {
        configurations.putIfAbsent(v.name(), text);
    }

    synchronized void probe(Variant v, String text) {
        probes.computeIfAbsent(v.name(), k -> new ArrayList<>()).add(text);
    }

    synchronized void couldNotRun(Variant v, String phase, String why) {
        failures.computeIfAbsent(v.name(), k -> new ArrayList<>()).add(phase + ": " + why);
        probe(v, phase + ": could not run: " + why);
    }

    synchronized void note(String text) {
        notes.add(text);
        log.println("  note: " + text);
    }

    /**
     * Each variant's report. "ran" if it served correct bytes in at least one phase; otherwise "could not run: "
     * with its own message (the same in every phase, or each phase's).
     */
    synchronized List<VariantReport> reports() {
        List<VariantReport> out = new ArrayList<>();
        for (Variant v : variants) {
            List<String> p = probes.getOrDefault(v.name(), List.of());
            boolean ok = p.stream().anyMatch(s -> s.contains("correct bytes"));
            String status;
            if (ok) {
                status = failures.containsKey(v.name()) ? "ran (not everywhere: " + String.join("; ", failures.get(v.name())) + ")" : "ran";
            } else if (failures.containsKey(v.name())) {
                List<String> whys = failures.get(v.name()).stream().map(s -> s.substring(s.indexOf(": ") + 2)).distinct().toList();
                status = "could not run: " + (whys.size() == 1 ? whys.getFirst() : String.join("; ", failures.get(v.name())));
            } else if (p.isEmpty()) {
                status = "not run (no phase reached it)";
            } else {
                status = "failed its correctness probe: " + String.join("; ", p);
            }
            out.add(new VariantReport(v, status,
                    configurations.getOrDefault(v.name(), "(never started)"), List.copyOf(p)));
        }
        return out;
    }
}
