package org.diskcryptnet.bench.system.variant;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.diskcryptnet.bench.system.measure.ProcStats;
import org.diskcryptnet.bench.system.testbed.Cleanup;
import org.diskcryptnet.bench.system.testbed.MemoryCgroups;
import org.diskcryptnet.bench.system.testbed.Testbed;

/**
 * A variant's server process, started in the server namespace (and in its memory cgroup, if any) with a raised
 * descriptor limit, its output in a log file. Stopped by its pid (SIGTERM, then SIGKILL for it and its
 * descendants); the stop is registered with the {@link Cleanup} the moment the process exists.
 */
public final class RunningServer {

    private final Variant variant;
    private final Process process;
    private final Path log;
    private final MemoryCgroups.Group cgroup;
    private final String cleanupKey;
    private final Cleanup cleanup;

    private RunningServer(Variant variant, Process process, Path log, MemoryCgroups.Group cgroup, Cleanup cleanup) {
        this.variant = variant;
        this.process = process;
        this.log = log;
        this.cgroup = cgroup;
        this.cleanup = cleanup;
        this.cleanupKey = "server " + variant.name() + " pid " + process.pid();
    }

    public static RunningServer start(Variant variant, Variant.Launch launch, String serverNs,
                                      MemoryCgroups.Group cgroup, int fileLimit, Path log, Cleanup cleanup)
            throws IOException {
        String join = cgroup == null ? "" : "echo $$ > " + cgroup.procsFile() + " || exit 112; ";
        List<String> cmd = new ArrayList<>(List.of("bash", "-c", join + "ulimit -n " + fileLimit + " || exit 111; exec \"$@\"", "bash"));
        cmd.addAll(Testbed.inNamespace(serverNs, launch.command()));
        ProcessBuilder pb = new ProcessBuilder(cmd)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        pb.environment().putAll(launch.environment());
        Process p = pb.start();
        RunningServer s = new RunningServer(variant, p, log, cgroup, cleanup);
        cleanup.add("pid " + p.pid() + " " + ProcStats.startTime(p.pid()), s.cleanupKey, s::kill);
        return s;
    }

    /** Stops it now (SIGTERM, up to 5 s, then SIGKILL) and drops it from the cleanup. */
    public void stop() {
        cleanup.undo(cleanupKey);
    }

    private void kill() throws InterruptedException {
        List<ProcessHandle> tree = new ArrayList<>(process.descendants().toList());
        process.destroy();
        if (!process.waitFor(5, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor(5, TimeUnit.SECONDS);
        }
        for (ProcessHandle h : tree) {
            h.destroyForcibly();
        }
    }

    public Variant variant() {
        return variant;
    }

    public long pid() {
        return process.pid();
    }

    public boolean alive() {
        return process.isAlive();
    }

    public MemoryCgroups.Group cgroup() {
        return cgroup;
    }

    public Path log() {
        return log;
    }

    /** Why it exited, in the server's own words: its error lines, else its last line. */
    public String exitReason() throws IOException {
        List<String> lines = Files.exists(log) ? Files.readAllLines(log) : List.of();
        List<String> errors = lines.stream().filter(l -> l.contains("cannot start") || l.contains("[emerg]")
                || l.contains("[alert]") || l.contains("Exception") || l.startsWith("origin:")
                && !l.contains("building")).toList();
        String reason = !errors.isEmpty() ? String.join(" / ", errors)
                : lines.isEmpty() ? "no output" : lines.getLast();
        return reason.strip() + (process.isAlive() ? "" : " (exit status " + process.exitValue() + ")");
    }
}
