package org.diskcryptnet.bench.system;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.diskcryptnet.bench.system.variant.Variants;

/**
 * The runner's command line. {@code storages} × {@code caches} are the columns; {@code pairsOnly} (short mode
 * without --storage or --cache) runs the first cache on the first storage and the second on the second instead of
 * every combination, which still covers every variant and both storages in half the time. Full mode (the default) is what is run by hand and committed; {@code --short} is the
 * CI smoke test: a few seconds per cell, few cells, results under {@code benchmarks/target/} only.
 */
public record BenchOptions(boolean shortMode, List<String> variants, List<Integer> connections, int rounds,
                           int durationSeconds, int crowdDurationSeconds, int warmupSeconds, List<String> storages, List<String> caches,
                           long catalogBytes, long warmBytes, long coldCacheBytes, long seed, Path out,
                           boolean appendToResults, Path work, Path repo, String commandLine, boolean pairsOnly) {

    /** The columns to run, in order: {storage, cache}. */
    public java.util.List<String[]> phases() {
        List<String[]> out = new ArrayList<>();
        for (int s = 0; s < storages.size(); s++) {
            for (int c = 0; c < caches.size(); c++) {
                if (!pairsOnly || s == c || storages.size() == 1 || caches.size() == 1) {
                    out.add(new String[] {storages.get(s), caches.get(c)});
                }
            }
        }
        return out;
    }

    static final String USAGE = """
            Usage: benchmarks/run-origin-vs-nginx [--short] [options]

              --short                 smoke mode: 2 s per cell, 10 connections, 1 round, a 64 MiB catalog, two
                                      columns (cold on rootfs, warm on zram); writes benchmarks/target/bench-short/
                                      only (CI runs this)
              --variants LIST         comma-separated names or patterns (* wildcard, wN = one worker per core);
                                      nginx peers of chosen origin variants are added. Default: the issue's set
              --connections LIST      default 10,100,1000,10000
              --rounds N              A B A B rounds; default 3
              --duration S            seconds per run; default 6
              --crowd-duration S      seconds per run at 5,000 connections or more, where every connection's TLS
                                      handshake and first 300 KiB take seconds on two cores; default 30
                                      (in 15-s runs, 10,000 HTTPS connections' set-up weighed on the CPU per GB:
                                      1.4-2.5x that of 30-s runs)
              --warmup S              unrecorded run per server at each connection count, before its first
                                      round (the JVM's JIT); default 10 (0 in --short)
              --storage LIST          rootfs,zram (default both)
              --cache LIST            cold,warm (default both)
              --catalog-mib N         cold catalog size; default 4096 (64 in --short)
              --warm-mib N            warm subset, pre-read into the page cache; default 512 (32 in --short)
              --cold-cache-mib N      page cache each server may hold during a cold run (its memory cgroup's limit
                                      follows its own memory use plus this); default 512
              --seed N                catalog and request-sequence seed; default 1
              --out DIR               where RESULTS.md and results/ go; default benchmarks/ (full mode),
                                      benchmarks/target/bench-short (short mode; RESULTS.md written fresh there)
              --work DIR              catalog, logs, state; default benchmarks/target/bench-work

            benchmarks/run-origin-vs-nginx --replot benchmarks/results/latest.json
                                      draws the plots again from a run's JSON (no root, nothing measured)

            Variants known: see benchmarks/src/main/java/org/diskcryptnet/bench/system/variant/Variants.java.
            """;

    /** Thrown for a bad command line, with the message to print before the usage. */
    static final class UsageException extends Exception {
        UsageException(String message) {
            super(message);
        }
    }

    static BenchOptions parse(String[] args, Path repo) throws UsageException {
        boolean shortMode = Arrays.asList(args).contains("--short");
        List<String> variants = Variants.DEFAULTS;
        List<Integer> connections = shortMode ? List.of(10) : List.of(10, 100, 1000, 10000);
        int rounds = shortMode ? 1 : 3;
        int duration = shortMode ? 2 : 6;
        int crowdDuration = shortMode ? 4 : 30;
        int warmup = shortMode ? 0 : 10;
        List<String> storages = List.of("rootfs", "zram");
        List<String> caches = List.of("cold", "warm");
        long catalogMiB = shortMode ? 64 : 4096;
        long warmMiB = shortMode ? 32 : 512;
        long coldCacheMiB = 512;
        long seed = 1;
        Path out = null;
        Path work = repo.resolve("benchmarks/target/bench-work");
        boolean pairsOnly = shortMode;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--short")) {
                continue;
            }
            if (a.equals("--help") || a.equals("-h")) {
                throw new UsageException(null);
            }
            if (i + 1 >= args.length) {
                throw new UsageException(a.startsWith("--") ? a + " needs a value" : "unexpected argument \"" + a + "\"");
            }
            String v = args[++i];
            try {
                switch (a) {
                    case "--variants" -> variants = List.of(v.split(","));
                    case "--connections" -> connections = ints(v);
                    case "--rounds" -> rounds = positive(a, Integer.parseInt(v));
                    case "--duration" -> duration = positive(a, Integer.parseInt(v));
                    case "--crowd-duration" -> crowdDuration = positive(a, Integer.parseInt(v));
                    case "--warmup" -> warmup = Integer.parseInt(v);
                    case "--storage" -> {
                        storages = among(a, v, List.of("rootfs", "zram"));
                        pairsOnly = false;
                    }
                    case "--cache" -> {
                        caches = among(a, v, List.of("cold", "warm"));
                        pairsOnly = false;
                    }
                    case "--catalog-mib" -> catalogMiB = positive(a, Integer.parseInt(v));
                    case "--warm-mib" -> warmMiB = positive(a, Integer.parseInt(v));
                    case "--cold-cache-mib" -> coldCacheMiB = positive(a, Integer.parseInt(v));
                    case "--seed" -> seed = Long.parseLong(v);
                    case "--out" -> out = Path.of(v).toAbsolutePath();
                    case "--work" -> work = Path.of(v).toAbsolutePath();
                    default -> throw new UsageException("unknown option " + a);
                }
            } catch (NumberFormatException e) {
                throw new UsageException(a + ": \"" + v + "\" is not a number");
            }
        }
        if (warmMiB > catalogMiB) {
            throw new UsageException("--warm-mib " + warmMiB + " is larger than the catalog (" + catalogMiB + " MiB)");
        }
        boolean append = !shortMode;
        if (out == null) {
            out = shortMode ? repo.resolve("benchmarks/target/bench-short") : repo.resolve("benchmarks");
        }
        return new BenchOptions(shortMode, variants, connections, rounds, duration, crowdDuration, warmup, storages, caches,
                catalogMiB << 20, warmMiB << 20, coldCacheMiB << 20, seed, out, append, work, repo,
                "benchmarks/run-origin-vs-nginx " + String.join(" ", args), pairsOnly);
    }

    private static List<Integer> ints(String v) throws UsageException {
        List<Integer> out = new ArrayList<>();
        for (String s : v.split(",")) {
            out.add(positive("--connections", Integer.parseInt(s.trim())));
        }
        return List.copyOf(out);
    }

    private static int positive(String option, int v) throws UsageException {
        if (v <= 0) {
            throw new UsageException(option + " must be positive, not " + v);
        }
        return v;
    }

    private static List<String> among(String option, String v, List<String> allowed) throws UsageException {
        List<String> out = new ArrayList<>();
        for (String s : v.split(",")) {
            if (!allowed.contains(s.trim())) {
                throw new UsageException(option + ": \"" + s + "\" is not one of " + String.join(", ", allowed));
            }
            out.add(s.trim());
        }
        return List.copyOf(out);
    }
}
