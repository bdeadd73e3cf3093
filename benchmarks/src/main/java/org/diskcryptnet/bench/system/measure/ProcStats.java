package org.diskcryptnet.bench.system.measure;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * CPU time and storage reads of a server: its process and every descendant (nginx's workers), from
 * {@code /proc/PID/stat} (utime, stime: fields 14 and 15, in clock ticks; proc(5)) and {@code /proc/PID/io}
 * ({@code read_bytes}: bytes this process caused to be fetched from the block layer, O_DIRECT and page-cache misses
 * alike). Both include the process's threads (nginx's aio thread pool, the JVM's GC and JIT threads), and the
 * root's figures include the children it reaped.
 */
public final class ProcStats {

    /** sysconf(_SC_CLK_TCK); 100 on every Linux of this decade, read once to be sure. */
    private static final double TICKS_PER_SECOND = clockTicks();

    /** One reading of the process tree. */
    public record Sample(double cpuSeconds, long readBytes, int processes) {
        public Sample minus(Sample earlier) {
            return new Sample(cpuSeconds - earlier.cpuSeconds, readBytes - earlier.readBytes, processes);
        }
    }

    private ProcStats() {}

    /** Sums over {@code pid} and its descendants; a process that vanishes between listing and reading counts 0. */
    public static Sample sample(long pid) {
        List<Long> pids = new ArrayList<>();
        pids.add(pid);
        ProcessHandle.of(pid).ifPresent(h -> h.descendants().forEach(d -> pids.add(d.pid())));
        double cpu = 0;
        long read = 0;
        int n = 0;
        for (long p : pids) {
            try {
                String stat = Files.readString(Path.of("/proc", Long.toString(p), "stat"));
                // comm (field 2) may hold spaces and parentheses: count fields after the last ')'.
                String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]);
                if (p == pid) {
                    // cutime+cstime (fields 16, 17): children it has reaped, such as an nginx worker that died and
                    // was replaced during the run; without them the sum would drop when one dies.
                    ticks += Long.parseLong(f[13]) + Long.parseLong(f[14]);
                }
                cpu += ticks / TICKS_PER_SECOND;
                for (String line : Files.readAllLines(Path.of("/proc", Long.toString(p), "io"))) {
                    // the thread group's, exited threads and reaped children included (kernel: wait_task_zombie)
                    if (line.startsWith("read_bytes:")) {
                        read += Long.parseLong(line.substring(11).trim());
                    }
                }
                n++;
            } catch (IOException | RuntimeException gone) {
                // exited between the listing and the read
            }
        }
        return new Sample(cpu, read, n);
    }

    /** The process's start time in clock ticks since boot (field 22), to tell a pid from a recycled one. */
    public static long startTime(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            return Long.parseLong(stat.substring(stat.lastIndexOf(')') + 2).split(" ")[19]);
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    private static double clockTicks() {
        try {
            Process p = new ProcessBuilder("getconf", "CLK_TCK").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes()).trim();
            p.waitFor();
            return Double.parseDouble(out);
        } catch (IOException | RuntimeException | InterruptedException e) {
            return 100;
        }
    }
}
