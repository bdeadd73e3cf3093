package org.diskcryptnet.bench.system.measure;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Whole-machine counters around a run: the aggregate {@code cpu} line of {@code /proc/stat} (user nice system idle
 * iowait irq softirq steal, in ticks; proc(5)) and {@code Cached} of {@code /proc/meminfo}. The machine is shared,
 * so these include other users' work; they are reported, never used to judge.
 */
public record HostStats(long[] cpu, long cachedKiB) {

    private static final int IDLE = 3, IOWAIT = 4, SOFTIRQ = 6, STEAL = 7;

    public static HostStats read() throws IOException {
        long[] cpu = new long[8];
        for (String line : Files.readAllLines(Path.of("/proc/stat"))) {
            if (line.startsWith("cpu ")) {
                String[] f = line.trim().split("\\s+");
                for (int i = 0; i < 8; i++) {
                    cpu[i] = Long.parseLong(f[i + 1]);
                }
                break;
            }
        }
        long cached = 0;
        for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
            if (line.startsWith("Cached:")) {
                cached = Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        return new HostStats(cpu, cached);
    }

    /** Shares of the machine's CPU time between {@code earlier} and this reading. */
    public record Shares(double softirq, double busy, double steal) {}

    public Shares since(HostStats earlier) {
        long total = 0;
        long[] d = new long[8];
        for (int i = 0; i < 8; i++) {
            d[i] = cpu[i] - earlier.cpu[i];
            total += d[i];
        }
        if (total <= 0) {
            return new Shares(0, 0, 0);
        }
        double t = total;
        return new Shares(d[SOFTIRQ] / t, (total - d[IDLE] - d[IOWAIT]) / t, d[STEAL] / t);
    }

    /** Growth of the page cache (MiB; negative if it shrank). */
    public double cacheGrowthMiB(HostStats earlier) {
        return (cachedKiB - earlier.cachedKiB) / 1024.0;
    }

    /** The 1-minute load average, for the report. */
    public static double load1() {
        try {
            return Double.parseDouble(Files.readString(Path.of("/proc/loadavg")).split(" ")[0]);
        } catch (IOException | RuntimeException e) {
            return Double.NaN;
        }
    }
}
