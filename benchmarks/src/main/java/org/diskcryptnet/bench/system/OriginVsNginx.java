package org.diskcryptnet.bench.system;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.diskcryptnet.bench.system.measure.RunRecord;
import org.diskcryptnet.bench.system.report.CellSummary;
import org.diskcryptnet.bench.system.report.JsonOut;
import org.diskcryptnet.bench.system.report.MarkdownOut;
import org.diskcryptnet.bench.system.report.Plots;
import org.diskcryptnet.bench.system.report.Replot;
import org.diskcryptnet.bench.system.report.RunInfo;
import org.diskcryptnet.bench.system.report.VariantReport;
import org.diskcryptnet.bench.system.testbed.Catalog;
import org.diskcryptnet.bench.system.testbed.Cleanup;
import org.diskcryptnet.bench.system.testbed.Exec;
import org.diskcryptnet.bench.system.testbed.MemoryCgroups;
import org.diskcryptnet.bench.system.testbed.Testbed;
import org.diskcryptnet.bench.system.testbed.Zram;
import org.diskcryptnet.bench.system.variant.Variant;
import org.diskcryptnet.bench.system.variant.Variants;

/**
 * The side-by-side system benchmark (issue 3): the origin against nginx on the paper's workload — persistent
 * connections fetching 300 KiB chunks at random from a catalog, HTTP and HTTPS, 10 to 10,000 connections, cache
 * cold and warm, on the root filesystem and on zram — with wrk as the client in its own network namespace.
 * Run through {@code benchmarks/run-origin-vs-nginx}, which builds it, installs the peers and cleans up after a
 * SIGKILL; this JVM cleans up after itself on every other exit.
 *
 * <p>Exit status: 0 done (variants that could not run are reported, not failed), 1 setup failure, 2 usage,
 * 3 a variant served wrong bytes.
 */
public final class OriginVsNginx {

    private static final Duration T = Duration.ofSeconds(30);

    private OriginVsNginx() {}

    public static void main(String[] args) {
        if (args.length == 2 && args[0].equals("--replot")) {
            try {
                Replot.replot(Path.of(args[1])).forEach(p -> System.out.println("plot: " + p));
                System.exit(0);
            } catch (Exception e) {
                System.err.println("run-origin-vs-nginx: --replot " + args[1] + ": " + e);
                System.exit(1);
            }
        }
        Path repo = Path.of(System.getProperty("dcnb.repo", ".")).toAbsolutePath().normalize();
        BenchOptions options;
        try {
            options = BenchOptions.parse(args, repo);
        } catch (BenchOptions.UsageException e) {
            if (e.getMessage() != null) {
                System.err.println("run-origin-vs-nginx: " + e.getMessage());
            }
            System.err.print(BenchOptions.USAGE);
            System.exit(e.getMessage() == null ? 0 : 2);
            return;
        }
        int status;
        try {
            status = run(options, System.out);
        } catch (IllegalArgumentException e) {
            System.err.println("run-origin-vs-nginx: " + e.getMessage());
            status = 2;
        } catch (Exception e) {
            System.err.println("run-origin-vs-nginx: failed: " + e);
            e.printStackTrace();
            status = 1;
        }
        System.exit(status);
    }

    static int run(BenchOptions o, PrintStream log) throws Exception {
        int cores = Runtime.getRuntime().availableProcessors();
        List<Variant> variants = Variants.select(o.variants(), cores);
        preflight();
        Files.createDirectories(o.work());
        String stamp = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").format(ZonedDateTime.now(ZoneOffset.UTC));
        Path logs = o.work().resolve("logs-" + stamp);
        Files.createDirectories(logs);
        Path state = Path.of(System.getenv().getOrDefault("DCNB_STATE_FILE",
                o.work().resolve("state." + ProcessHandle.current().pid()).toString()));
        String date = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'").format(ZonedDateTime.now(ZoneOffset.UTC));
        String loadBefore = Exec.check(T, "uptime").strip();
        log.println("run-origin-vs-nginx: " + (o.shortMode() ? "short" : "full") + " mode; logs in " + logs);
        log.println("uptime: " + loadBefore);

        try (Cleanup cleanup = new Cleanup(state, log).onShutdown()) {
            Testbed testbed = Testbed.create(cleanup, cores);
            log.println("testbed: " + testbed.describe());
            MemoryCgroups cgroups = MemoryCgroups.create(cleanup);
            Path cert = o.work().resolve("bench-cert.pem");
            Path key = o.work().resolve("bench-key.pem");
            Exec.check(T, "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                    "-nodes", "-keyout", key.toString(), "-out", cert.toString(), "-days", "7",
                    "-subj", "/CN=diskcryptnet-bench", "-addext", "subjectAltName=IP:" + Testbed.SERVER_ADDRESS + stackAddressNames());
            Path opensslConf = o.work().resolve("wrk-openssl.cnf");
            Files.writeString(opensslConf, """
                    # wrk's client side: TLS 1.3 with AES-128-GCM only (wrk has no cipher option; OpenSSL 3 loads
                    # this file at start through OPENSSL_CONF).
                    openssl_conf = openssl_init
                    [openssl_init]
                    ssl_conf = ssl_sect
                    [ssl_sect]
                    system_default = system_default_sect
                    [system_default_sect]
                    MinProtocol = TLSv1.3
                    Ciphersuites = TLS_AES_128_GCM_SHA256
                    """);
            int fileLimit = fileLimit();
            Run run = new Run(o, log, cleanup, testbed, cgroups, variants, cores, o.work(), logs, cert, key, opensslConf,
                    fileLimit);
            if (fileLimit < 65536) {
                run.note("open files are limited to " + fileLimit + " (the hard RLIMIT_NOFILE; this process lacks "
                        + "CAP_SYS_RESOURCE to raise it): a single process serving 10,000 connections needs a "
                        + "descriptor per connection and per open file, so 1-worker nginx and wrk are near the limit");
            }
            if (!cgroups.available()) {
                run.note("the cold column is not bounded by a memory cgroup: " + cgroups.unavailabilityCause()
                        + "; the catalog is still evicted before each run");
            }
            List<RunRecord> records = new ArrayList<>();
            int objects = (int) (o.catalogBytes() / Catalog.OBJECT_BYTES);
            List<String[]> phases = o.phases();
            for (String storage : o.storages()) {
                List<String> caches = phases.stream().filter(ph -> ph[0].equals(storage)).map(ph -> ph[1]).toList();
                if (caches.isEmpty()) {
                    continue;
                }
                Catalog catalog;
                Zram zram = null;
                if (storage.equals("rootfs")) {
                    catalog = Catalog.ensure(o.work().resolve("catalog-" + objects + "-" + o.seed()), o.seed(), objects, log);
                } else {
                    String[] why = new String[1];
                    long size = o.catalogBytes() + o.catalogBytes() / 5 + (128L << 20);
                    zram = Zram.create(size, o.work().resolve("zram-mnt-" + ProcessHandle.current().pid()), cleanup, why);
                    if (zram == null) {
                        run.note("storage zram could not run: " + why[0]);
                        continue;
                    }
                    log.println("zram: " + zram.device() + " (" + (size >> 20) + " MiB, ext4) on " + zram.mountPoint());
                    catalog = Catalog.ensure(zram.mountPoint().resolve("catalog"), o.seed(), objects, log);
                }
                for (String cache : caches) {
                    records.addAll(new Phase(run, storage, cache, catalog).execute());
                }
                if (zram != null) {
                    cleanup.undo("mount " + zram.mountPoint());
                    cleanup.undo("zram " + zram.device());
                }
            }
            String loadAfter = Exec.check(T, "uptime").strip();
            log.println("uptime: " + loadAfter);
            return report(o, run, records, date, loadBefore, loadAfter, cores, log);
        }
    }

    private static int report(BenchOptions o, Run run, List<RunRecord> records, String date, String loadBefore,
                              String loadAfter, int cores, PrintStream log) throws IOException {
        Map<String, String> peers = new LinkedHashMap<>();
        run.variants.forEach(v -> {
            if (v.peer() != null) {
                peers.put(v.name(), v.peer());
            }
        });
        List<CellSummary> cells = CellSummary.summarise(records, peers);
        List<VariantReport> variants = run.reports();
        RunInfo info = new RunInfo(date, commit(o.repo()), machine(cores), o.commandLine(),
                o.shortMode() ? "short mode: smoke test, figures not meaningful" : "full mode", loadBefore, loadAfter,
                settings(o, cores), notes(o, run, cores));
        Path results = o.out().resolve("results");
        Files.createDirectories(results);
        JsonOut.write(results.resolve("latest.json"), info, variants, cells);
        Files.writeString(results.resolve("latest.md"), MarkdownOut.full(info, variants, cells));
        if (!cells.isEmpty()) {
            Plots.write(results, cells, date + ", commit " + info.commit() + ", " + cores
                    + " cores shared by client and server; median and min–max of " + o.rounds() + " round(s)");
        }
        String section = MarkdownOut.summary(info, variants, cells, "results/latest.md");
        Path resultsMd = o.out().resolve("RESULTS.md");
        if (o.appendToResults()) {
            if (!Files.exists(resultsMd)) {
                Files.writeString(resultsMd, "# Benchmark results\n");
            }
            Files.writeString(resultsMd, section, StandardOpenOption.APPEND);
        } else {
            Files.writeString(resultsMd, "# Benchmark results (short mode, not committed)\n" + section);
        }
        log.println();
        log.println(section);
        log.println("results: " + resultsMd + ", " + results.resolve("latest.json") + ", " + results.resolve("latest.md"));
        boolean wrongBytes = variants.stream().anyMatch(v -> v.probes().stream().anyMatch(p -> p.contains("WRONG")));
        return wrongBytes ? 3 : 0;
    }

    private static List<String> settings(BenchOptions o, int cores) {
        return List.of(
                "Workload: persistent HTTP/1.1 connections, each GET of a 300 KiB object chosen uniformly at random "
                        + "(seeded, per wrk thread) from a deterministic catalog; HTTP, and HTTPS with TLS 1.3 "
                        + "TLS_AES_128_GCM_SHA256 (both sides restricted to it)",
                "Client: wrk 4.1 (Debian) in its own network namespace over a veth pair; threads = cores (2 × cores at "
                        + "≥ 5,000 connections), --timeout 30s, --latency; connections " + o.connections(),
                "Runs: " + o.rounds() + " round(s) × " + o.durationSeconds() + " s per cell (" + o.crowdDurationSeconds()
                        + " s at ≥ 5,000 connections, where connection set-up alone takes seconds), every variant in turn "
                        + "within each round (A B A B); before the first round at each connection count, " + o.warmupSeconds()
                        + " s unrecorded warm-up of every server at that count",
                String.format(Locale.ROOT, "Cache cold: catalog %.2f GiB (%d objects), evicted from the page cache "
                                + "(posix_fadvise DONTNEED) before every run; during the run the server may hold at most "
                                + "%d MiB of page cache: its memory cgroup's limit is kept at its own memory use plus "
                                + "that, every 20 ms, so the kernel reclaims its cache beyond it (its own buffers are not "
                                + "limited)", o.catalogBytes() / (double) (1L << 30), o.catalogBytes() / Catalog.OBJECT_BYTES,
                        o.coldCacheBytes() >> 20),
                String.format(Locale.ROOT, "Cache warm: the first %d MiB of the catalog, read into the page cache "
                        + "before each round; no memory limit", o.warmBytes() >> 20),
                "Variants that read around the page cache (O_DIRECT) run in the cold column only: warm and cold are the "
                        + "same experiment for them",
                "Columns (storage/cache): " + String.join(", ", o.phases().stream().map(ph -> ph[0] + "/" + ph[1]).toList())
                        + " (zram: ext4 on a zram device sized for the catalog; "
                        + "random data, so it costs its full size in RAM)",
                "Server CPU: utime+stime of the server process and all its descendants (/proc/PID/stat), including "
                        + "all threads; of that, the JVM's JIT compiler threads' (/proc/PID/task/TID/stat) is shown apart; client CPU: "
                        + "wrk's user+system time (bash `times`); client TCP MiB: the client kernel's TCP socket memory "
                        + "(sockstat), the mean of a sample a second, and client zero windows/s: the zero windows it "
                        + "advertised (TcpExt TCPToZeroWindowAdv); both large when wrk cannot keep up with the server "
                        + "(what it has not read waits in its sockets); host softirq, busy and steal "
                        + "shares from /proc/stat; page cache from /proc/meminfo Cached and the server's memory cgroup; "
                        + "disk reads from /proc/PID/io read_bytes; GB = 10^9 bytes as received by wrk",
                "Ratios: each origin variant against its nginx peer (same data path, one worker per core) on the same "
                        + "workload: CPU-s/GB ratio (lower is better) and Gbit/s ratio");
    }

    private static List<String> notes(BenchOptions o, Run run, int cores) {
        List<String> notes = new ArrayList<>();
        notes.add("Client (wrk) and server share the same " + cores + " cores: every throughput figure is bounded by "
                + "both, and the client's CPU per GB is shown next to the server's. The machine is also shared with "
                + "other sessions' builds (see the load): compare ratios within this run, not absolute figures across runs.");
        if (o.shortMode()) {
            notes.add("Short mode: a smoke test of the runner. The catalog is tiny and fits the cold column's page-cache "
                    + "bound, so 'cold' is not cold here; no figure of this mode means anything.");
        }
        notes.addAll(run.notes);
        return notes;
    }

    /** 65,536 if a shell may raise RLIMIT_NOFILE that far, else the hard limit it has. */
    private static int fileLimit() throws IOException {
        if (Exec.run(T, "bash", "-c", "ulimit -n 65536").ok()) {
            return 65536;
        }
        return Integer.parseInt(Exec.check(T, "bash", "-c", "ulimit -Hn").strip());
    }

    private static void preflight() throws IOException {
        if (!System.getProperty("user.name", "").equals("root")
                && !Exec.run(T, "id", "-u").stdout().strip().equals("0")) {
            throw new IOException("the benchmark needs root (network namespaces, cgroups, zram)");
        }
        List<String> missing = new ArrayList<>();
        for (String tool : List.of("nginx", "wrk", "curl", "openssl", "ip", "zramctl", "mkfs.ext4", "bash", "uptime", "ethtool")) {
            if (!Exec.run(T, "bash", "-c", "command -v " + tool).ok()) {
                missing.add(tool);
            }
        }
        if (!missing.isEmpty()) {
            throw new IOException("missing " + String.join(", ", missing) + ": run scripts/install-test-deps");
        }
    }

    private static String commit(Path repo) {
        try {
            String sha = Exec.check(T, "git", "-C", repo.toString(), "rev-parse", "--short=12", "HEAD").strip();
            boolean dirty = !Exec.check(T, "git", "-C", repo.toString(), "status", "--porcelain", "--untracked-files=no")
                    .isBlank();
            return sha + (dirty ? " (with uncommitted changes)" : "");
        } catch (IOException e) {
            return "unknown (" + e.getMessage() + ")";
        }
    }

    private static String machine(int cores) {
        String model = "unknown CPU";
        long memKiB = 0;
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) {
                    model = line.substring(line.indexOf(':') + 1).strip();
                    break;
                }
            }
            for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (line.startsWith("MemTotal:")) {
                    memKiB = Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
            String kernel = Exec.check(T, "uname", "-r").strip();
            String nginx = Exec.run(T, "nginx", "-v").stderr().strip().replace("nginx version: ", "");
            String wrk = Exec.run(T, "bash", "-c", "wrk --version 2>&1 | head -1").stdout().strip();
            String java = Runtime.version().toString();
            return String.format(Locale.ROOT, "%s, %d cores, %.0f GiB RAM, Linux %s; %s; %s; driver JDK %s", model,
                    cores, memKiB / 1048576.0, kernel, nginx, wrk.replaceAll(" Copyright.*", ""), java);
        } catch (IOException | RuntimeException e) {
            return model + ", " + cores + " cores";
        }
    }

    /** ",IP:a,IP:b,...": every address a server on its own stack may have, for the certificate's names. */
    private static String stackAddressNames() {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < Testbed.MAX_PACKET_LINKS; i++) {
            b.append(",IP:").append(Testbed.stackAddress(i));
        }
        return b.toString();
    }
}
