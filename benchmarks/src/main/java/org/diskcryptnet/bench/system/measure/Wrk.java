package org.diskcryptnet.bench.system.measure;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.diskcryptnet.bench.system.testbed.Exec;
import org.diskcryptnet.bench.system.testbed.Testbed;

/**
 * wrk (Debian's 4.1) in the client namespace: persistent connections, the catalog's Lua script choosing objects,
 * {@code --latency} for the distribution, a response timeout long enough that 10,000 connections sharing a few
 * Gbit/s are not miscounted as errors (each waits seconds for its 300 KiB). Run under {@code bash -c '...; times'}
 * so that the client's own CPU time (user and system of wrk, the shell's children) is reported too.
 */
public final class Wrk {

    /** What one run of wrk reported, and the CPU it used. */
    public record Outcome(double durationSeconds, long requests, long bytes, long connectErrors, long readErrors,
                          long writeErrors, long statusErrors, long timeouts, double p50Ms, double p90Ms,
                          double p99Ms, double maxMs, double clientCpuSeconds, int threads) {
        public long errors() {
            return connectErrors + readErrors + writeErrors + statusErrors + timeouts;
        }
    }

    private static final Pattern JSON = Pattern.compile("WRKJSON (\\{.*})");
    private static final Pattern NUMBER = Pattern.compile("\"(\\w+)\":(-?[0-9.]+)");
    private static final Pattern TIMES = Pattern.compile("(\\d+)m([0-9.]+)s");

    private Wrk() {}

    /**
     * wrk threads: one per core, and twice that at 10,000 connections, so that no thread's epoll set holds more
     * than ~2,500 connections; never more threads than connections.
     */
    public static int threads(int connections, int cores) {
        int t = connections >= 5000 ? 2 * cores : cores;
        return Math.max(1, Math.min(t, connections));
    }

    public static Outcome run(String clientNs, String url, int connections, int threads, Duration duration,
                              Path script, Path opensslConf, int fileLimit, Path log) throws IOException {
        String env = opensslConf == null ? "" : "OPENSSL_CONF=" + opensslConf + " ";
        String wrk = env + "wrk -t" + threads + " -c" + connections + " -d" + duration.toSeconds() + "s --timeout 30s"
                + " --latency -s " + script + " " + url;
        // A file descriptor per connection plus wrk's own: 10,000 connections need more than the default 1,024.
        String shell = "ulimit -n " + fileLimit + " || exit 111; " + wrk + "; rc=$?; times; exit $rc";
        List<String> cmd = Testbed.inNamespace(clientNs, List.of("bash", "-c", shell));
        Exec.Result r = Exec.run(duration.plusSeconds(90), cmd);
        Files.writeString(log, "$ " + wrk + "\n" + r.stdout() + r.stderr(), java.nio.file.StandardOpenOption.CREATE,
                java.nio.file.StandardOpenOption.APPEND);
        Matcher m = JSON.matcher(r.stdout());
        if (!r.ok() || !m.find()) {
            throw new IOException("wrk failed: " + r.describe());
        }
        Map<String, Double> f = new java.util.HashMap<>();
        Matcher n = NUMBER.matcher(m.group(1));
        while (n.find()) {
            f.put(n.group(1), Double.parseDouble(n.group(2)));
        }
        List<Double> times = new ArrayList<>();
        Matcher t = TIMES.matcher(r.stdout().substring(m.end()));
        while (t.find()) {
            times.add(Long.parseLong(t.group(1)) * 60 + Double.parseDouble(t.group(2)));
        }
        // `times` prints the shell's user and system time, then its children's: wrk's are the third and fourth.
        double clientCpu = times.size() >= 4 ? times.get(2) + times.get(3) : Double.NaN;
        return new Outcome(f.get("duration_us") / 1e6, f.get("requests").longValue(), f.get("bytes").longValue(),
                f.get("connect").longValue(), f.get("read").longValue(), f.get("write").longValue(),
                f.get("status").longValue(), f.get("timeout").longValue(), f.get("p50_us") / 1e3,
                f.get("p90_us") / 1e3, f.get("p99_us") / 1e3, f.get("max_us") / 1e3, clientCpu, threads);
    }
}
