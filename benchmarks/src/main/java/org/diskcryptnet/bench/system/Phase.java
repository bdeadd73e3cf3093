package org.diskcryptnet.bench.system;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

import org.diskcryptnet.bench.system.measure.ClientKernel;
import org.diskcryptnet.bench.system.measure.HostStats;
import org.diskcryptnet.bench.system.measure.ProcStats;
import org.diskcryptnet.bench.system.measure.Probe;
import org.diskcryptnet.bench.system.measure.RunRecord;
import org.diskcryptnet.bench.system.measure.Wrk;
import org.diskcryptnet.bench.system.testbed.CacheBound;
import org.diskcryptnet.bench.system.testbed.Catalog;
import org.diskcryptnet.bench.system.testbed.Cleanup;
import org.diskcryptnet.bench.system.testbed.Exec;
import org.diskcryptnet.bench.system.testbed.MemoryCgroups;
import org.diskcryptnet.bench.system.testbed.Testbed;
import org.diskcryptnet.bench.system.variant.OriginVariant;
import org.diskcryptnet.bench.system.variant.RunningServer;
import org.diskcryptnet.bench.system.variant.Variant;

/**
 * One column of the benchmark: a storage (root filesystem or zram) and a cache state (cold or warm). Starts every
 * variant's server at once (each on its own port, in its own memory cgroup), checks that each serves the catalog's
 * bytes, then runs the rounds: in each round every connection count, and for each every variant in turn — A B C A B
 * C — so that drift on the shared machine spreads over all variants alike.
 */
final class Phase {

    private final Run run;
    private final String storage;
    private final String cache;
    private final Catalog catalog;
    private final PrintStream log;

    Phase(Run run, String storage, String cache, Catalog catalog) {
        this.run = run;
        this.storage = storage;
        this.cache = cache;
        this.catalog = catalog;
        this.log = run.log;
    }

    private boolean cold() {
        return cache.equals("cold");
    }

    /** Objects the clients choose from: the whole catalog when cold, the pre-read subset when warm. */
    private int objects() {
        return cold() ? catalog.objects() : (int) Math.min(catalog.objects(), run.options.warmBytes() / Catalog.OBJECT_BYTES);
    }

    List<RunRecord> execute() throws IOException, InterruptedException {
        List<RunRecord> records = new ArrayList<>();
        String phase = cache + "/" + storage;
        List<Variant> variants = run.variants.stream().filter(v -> cold() || !v.bypassesPageCache()).toList();
        log.printf("%n== %s: %d variants, %d objects of %d KiB chosen at random%n", phase, variants.size(), objects(),
                Catalog.OBJECT_BYTES / 1024);
        Path script = run.work.resolve("wrk-" + objects() + "-" + run.options.seed() + ".lua");
        Files.writeString(script, Catalog.wrkScript(objects(), run.options.seed()));

        List<RunningServer> servers = new ArrayList<>();
        try {
            for (Variant v : variants) {
                RunningServer s = start(v);
                if (s != null) {
                    servers.add(s);
                }
            }
            List<RunningServer> ready = new ArrayList<>();
            for (RunningServer s : servers) {
                if (awaitAndProbe(s, phase)) {
                    ready.add(s);
                }
            }
            if (!cold()) {
                catalog.warm(objects());
            }
            for (int round = 1; round <= run.options.rounds(); round++) {
                if (!cold()) {
                    catalog.warm(objects()); // in case memory pressure from others took some of it
                }
                for (int conns : run.options.connections()) {
                    if (round == 1) {
                        warmUp(ready, conns, script);
                    }
                    for (RunningServer s : ready) {
                        if (run.cleanup.isClosed()) {
                            throw new InterruptedException("interrupted");
                        }
                        if (!s.alive()) {
                            continue;
                        }
                        RunRecord r = measure(s, conns, round, script);
                        if (r != null) {
                            records.add(r);
                        }
                    }
                }
            }
            for (RunningServer s : ready) {
                if (s.alive()) {
                    probeAfterLoad(s, phase);
                }
            }
        } finally {
            for (RunningServer s : servers) {
                s.stop();
            }
        }
        return records;
    }

    /**
     * An unrecorded run of every server at the connection count about to be measured: each count takes code paths
     * the others did not (10,000 TLS handshakes at once, a deeper SYN backlog), and a JVM compiles them with C2 over
     * tens of seconds. Without it the JIT's CPU lands in the first round's figure (the report shows what is left).
     */
    private void warmUp(List<RunningServer> servers, int conns, Path script) throws IOException {
        if (run.options.warmupSeconds() <= 0) {
            return;
        }
        for (RunningServer s : servers) {
            if (s.alive()) {
                Wrk.run(run.testbed.clientNs(), url(s.variant()), conns, Wrk.threads(conns, run.cores),
                        Duration.ofSeconds(run.options.warmupSeconds()), script, opensslConf(s.variant()), run.fileLimit,
                        run.logs.resolve("wrk.log"));
            }
        }
    }

    private RunningServer start(Variant v) throws IOException {
        Path dir = run.work.resolve("servers").resolve(cache + "-" + storage).resolve(v.name());
        Files.createDirectories(dir);
        Testbed.PacketLink link = packetLink(v);
        Variant.Context ctx = new Variant.Context(catalog.root(), address(v), run.port(v), dir,
                run.certificate, run.privateKey, run.cores, run.options.repo(), run.fileLimit,
                link == null ? null : link.serverInterface());
        Variant.Launch launch = v.prepare(ctx);
        run.configuration(v, launch.configuration());
        MemoryCgroups.Group group = run.cgroups.group(v.name(), run.cleanup);
        if (group != null) {
            group.limit(-1); // bounded only while measured (CacheBound): a JVM sizes its heap from the limit at start
        }
        Path serverLog = run.logs.resolve(v.name() + "-" + cache + "-" + storage + ".log");
        if (v instanceof OriginVariant o && !o.serverSetup().isEmpty()) {
            Exec.Result setup = Exec.run(Duration.ofSeconds(60), Testbed.inNamespace(run.testbed.serverNs(), o.serverSetup()));
            if (!setup.ok()) {
                run.couldNotRun(v, cache + "/" + storage, "server setup failed: " + setup.describe());
                return null;
            }
        }
        return RunningServer.start(v, launch, run.testbed.serverNs(), group, run.fileLimit, serverLog, run.cleanup);
    }

    /** Waits until the server answers (up to 90 s: a JVM's first start), then checks its bytes. */
    private boolean awaitAndProbe(RunningServer s, String phase) throws IOException, InterruptedException {
        Variant v = s.variant();
        Path cert = certificate(v);
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        while (true) {
            if (!s.alive()) {
                String why = s.exitReason();
                log.printf("  %-32s could not run: %s%n", v.name(), why);
                run.couldNotRun(v, phase, why);
                return false;
            }
            if (Probe.answers(run.testbed.clientNs(), baseUrl(v), cert)) {
                break;
            }
            if (System.nanoTime() > deadline) {
                run.couldNotRun(v, phase, "not answering after 90 s (log: " + s.log() + ")");
                s.stop();
                return false;
            }
            Thread.sleep(200);
        }
        SplittableRandom r = new SplittableRandom(run.options.seed());
        Probe.Result p = checkBytes(v, phase, "", List.of(0, objects() - 1, r.nextInt(objects()), r.nextInt(objects())));
        if (!p.ok()) {
            s.stop();
        }
        return p.ok();
    }

    /**
     * The bytes again once the load is over: every wrk run ends by dropping its connections in the middle of
     * responses, so this shows whether what those left behind (reads in flight, buffers, descriptors) reaches a
     * later response. Other objects than the first probe's.
     */
    private void probeAfterLoad(RunningServer s, String phase) throws IOException {
        SplittableRandom r = new SplittableRandom(run.options.seed() + 1);
        List<Integer> picks = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            picks.add(r.nextInt(objects()));
        }
        checkBytes(s.variant(), phase, " after the load", picks);
    }

    /** Fetches {@code picks} from the server and compares their SHA-256; records and logs the outcome. */
    private Probe.Result checkBytes(Variant v, String phase, String when, List<Integer> picks) throws IOException {
        Probe.Result p = Probe.check(run.testbed.clientNs(), baseUrl(v), certificate(v), run.opensslConf, catalog,
                picks, run.work);
        run.probe(v, phase + when + ": " + (p.ok() ? "correct bytes: " : "WRONG: ") + p.detail());
        log.printf("  %-32s %s%s %s%n", v.name(), when.isEmpty() ? "" : when.strip() + ", ",
                p.ok() ? "serves correct bytes:" : "FAILED the probe:", p.detail());
        return p;
    }

    private Path certificate(Variant v) {
        return v.protocol() == Variant.Protocol.HTTPS ? run.certificate : null;
    }

    private RunRecord measure(RunningServer s, int conns, int round, Path script) throws IOException {
        Variant v = s.variant();
        if (cold()) {
            catalog.evictAll();
        }
        int threads = Wrk.threads(conns, run.cores);
        ProcStats.Sample cpu0 = ProcStats.sample(s.pid());
        HostStats host0 = HostStats.read();
        Wrk.Outcome w;
        int seconds = conns >= 5000 ? run.options.crowdDurationSeconds() : run.options.durationSeconds();
        ClientKernel.Usage client;
        try (ClientKernel kernel = ClientKernel.watch(run.testbed.clientNs(), Duration.ofSeconds(seconds + 120));
             CacheBound bound = cold() && s.cgroup() != null
                     ? CacheBound.start(s.cgroup(), run.options.coldCacheBytes()) : null) {
            w = Wrk.run(run.testbed.clientNs(), url(v), conns, threads, Duration.ofSeconds(seconds),
                    script, opensslConf(v), run.fileLimit, run.logs.resolve("wrk.log"));
            client = kernel.usage();
        } catch (IOException e) {
            log.printf("  %-32s %6d conns round %d: wrk failed: %s%n", v.name(), conns, round, e.getMessage());
            run.note(v.name() + " at " + conns + " connections (" + cache + "/" + storage + ", round " + round
                    + "): " + e.getMessage().lines().findFirst().orElse(""));
            return null;
        }
        HostStats host1 = HostStats.read();
        ProcStats.Sample cpu = ProcStats.sample(s.pid()).minus(cpu0);
        double serverCache = s.cgroup() == null ? Double.NaN : s.cgroup().pageCacheBytes() / 1048576.0;
        RunRecord r = new RunRecord(v.name(), v.family(), v.protocol().scheme(), cache, storage, conns, round, w,
                cpu.cpuSeconds(), cpu.jitCpuSeconds(), cpu.readBytes(), host1.cacheGrowthMiB(host0), serverCache, host1.since(host0),
                HostStats.load1(), client);
        log.printf(Locale.ROOT, "  %-32s %6d conns r%d: %6.2f Gbit/s %7.0f req/s p99 %7.1f ms err %d | server %.3f CPU-s/GB"
                        + " (JIT %.3f) client %.3f, %.0f MiB in TCP, %.0f zero windows/s | disk/served %.2f softirq %.0f%%%n",
                v.name(), conns, round, r.gbps(), r.rps(), w.p99Ms(), w.errors(), r.cpuSecondsPerGb(),
                r.jitCpuSecondsPerGb(), r.clientCpuSecondsPerGb(), client.tcpMemMiB(), r.clientZeroWindowsPerSecond(),
                r.diskReadsPerByteServed(), r.host().softirq() * 100);
        if (!s.alive()) {
            run.note(v.name() + " exited during the " + conns + "-connection run (" + cache + "/" + storage + "): "
                    + s.exitReason());
        }
        return r;
    }

    private String baseUrl(Variant v) throws IOException {
        return v.protocol().scheme() + "://" + address(v) + ":" + run.port(v);
    }

    private String address(Variant v) throws IOException {
        Testbed.PacketLink link = packetLink(v);
        return link == null ? Testbed.SERVER_ADDRESS : link.stackAddress();
    }

    /** The veth pair of a variant on its own TCP/IP stack (by its place among such variants), or null. */
    private Testbed.PacketLink packetLink(Variant v) throws IOException {
        return v.userspaceStack()
                ? run.testbed.packetLink(run.variants.stream().filter(Variant::userspaceStack).toList().indexOf(v))
                : null;
    }

    private String url(Variant v) throws IOException {
        return baseUrl(v) + "/";
    }

    private Path opensslConf(Variant v) {
        return v.protocol() == Variant.Protocol.HTTPS ? run.opensslConf : null;
    }
}
