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
 *
 * <p>The share of the JVM's JIT compiler threads is read apart ({@code /proc/PID/task/TID/stat} of the threads HotSpot
 * names {@code C1 CompilerThreadN} and {@code C2 CompilerThreadN}, truncated by the kernel to 15 characters): compiling
 * is a start-up cost that a server running for days does not pay per byte, so the report shows how much of a run's
 * CPU it still was.
 */
public final class ProcStats {

    /** sysconf(_SC_CLK_TCK); 100 on every Linux of this decade, read once to be sure. */
    private static final double TICKS_PER_SECOND = clockTicks();

    /** One reading of the process tree. */
    public record Sample(double cpuSeconds, double jitCpuSeconds, long readBytes, int processes) {
        /**
         * The difference; the JIT's is at least 0, since HotSpot stops idle compiler threads
         * (UseDynamicNumberOfCompilerThreads) and their time then leaves the per-thread sum (not the process's).
         */
        public Sample minus(Sample earlier) {
            return new Sample(cpuSeconds - earlier.cpuSeconds, Math.max(0, jitCpuSeconds - earlier.jitCpuSeconds),
                    readBytes - earlier.readBytes, processes);
        }
    }

    private ProcStats() {}

    /** Sums over {@code pid} and its descendants; a process that vanishes between listing and reading counts 0. */
    public static Sample sample(long pid) {
        List<Long> pids = new ArrayList<>();
        pids.add(pid);
        ProcessHandle.of(pid).ifPresent(h -> h.descendants().forEach(d -> pids.add(d.pid())));
        double cpu = 0;
        double jit = 0;
        long read = 0;
        int n = 0;
        for (long p : pids) {
            try {
                String[] f = statFields(Path.of("/proc", Long.toString(p), "stat"));
                long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]);
                if (p == pid) {
                    // cutime+cstime (fields 16, 17): children it has reaped, such as an nginx worker that died and
                    // was replaced during the run; without them the sum would drop when one dies.
                    ticks += Long.parseLong(f[13]) + Long.parseLong(f[14]);
                }
                cpu += ticks / TICKS_PER_SECOND;
                jit += compilerTicks(p) / TICKS_PER_SECOND;
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
        return new Sample(cpu, jit, read, n);
    }

    /** utime+stime of the process's live JIT compiler threads. */
    private static long compilerTicks(long pid) throws IOException {
        long ticks = 0;
        try (var tasks = Files.list(Path.of("/proc", Long.toString(pid), "task"))) {
            for (Path task : (Iterable<Path>) tasks::iterator) {
                try {
                    String comm = Files.readString(task.resolve("comm")).strip();
                    if (comm.startsWith("C1 CompilerThre") || comm.startsWith("C2 CompilerThre")) {
                        String[] f = statFields(task.resolve("stat"));
                        ticks += Long.parseLong(f[11]) + Long.parseLong(f[12]);
                    }
                } catch (IOException gone) {
                    // the thread ended between the listing and the read
                }
            }
        }
        return ticks;
    }

    /** The fields of a proc(5) stat file from field 3 on: comm (field 2) may hold spaces and parentheses. */
    private static String[] statFields(Path stat) throws IOException {
        String s = Files.readString(stat);
        return s.substring(s.lastIndexOf(')') + 2).split(" ");
    }

    /** The process's start time in clock ticks since boot (field 22), to tell a pid from a recycled one. */
    public static long startTime(long pid) {
        try {
            return Long.parseLong(statFields(Path.of("/proc", Long.toString(pid), "stat"))[19]);
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
