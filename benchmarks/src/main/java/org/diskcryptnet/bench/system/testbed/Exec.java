package org.diskcryptnet.bench.system.testbed;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs a short external command to completion within a time limit, capturing its output. Long-lived processes
 * (servers, wrk) are started elsewhere; this is for {@code ip}, {@code mkfs}, {@code curl} and the like.
 */
public final class Exec {

    /** What a finished command left: its exit status and both output streams. */
    public record Result(List<String> command, int exitCode, String stdout, String stderr) {
        public boolean ok() {
            return exitCode == 0;
        }

        /** The command line and the first lines of its error output, for a message. */
        public String describe() {
            String err = stderr.isBlank() ? stdout : stderr;
            return String.join(" ", command) + " exited " + exitCode + (err.isBlank() ? "" : ": " + err.strip());
        }
    }

    /** Commands running now, so that an interrupted run can stop them (a wrk outlives its JVM otherwise). */
    private static final java.util.Set<Process> RUNNING = java.util.concurrent.ConcurrentHashMap.newKeySet();

    private Exec() {}

    /** Kills every command still running (SIGKILL), their descendants first. */
    public static void killAll() {
        for (Process p : RUNNING) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
        }
    }

    public static Result run(Duration timeout, List<String> command) throws IOException {
        Path out = Files.createTempFile("dcnb-exec", ".out");
        Path err = Files.createTempFile("dcnb-exec", ".err");
        try {
            Process p = new ProcessBuilder(command)
                    .redirectOutput(out.toFile())
                    .redirectError(err.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                    .start();
            RUNNING.add(p);
            boolean done;
            try {
                done = p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                p.destroyForcibly();
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while running " + String.join(" ", command), e);
            } finally {
                RUNNING.remove(p);
            }
            if (!done) {
                p.destroyForcibly();
                try {
                    p.waitFor(5, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return new Result(command, 124, read(out), read(err) + "\n(timed out after " + timeout.toSeconds() + " s)");
            }
            return new Result(command, p.exitValue(), read(out), read(err));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    public static Result run(Duration timeout, String... command) throws IOException {
        return run(timeout, List.of(command));
    }

    /** Runs the command and throws with its error output unless it exits 0. */
    public static String check(Duration timeout, String... command) throws IOException {
        Result r = run(timeout, List.of(command));
        if (!r.ok()) {
            throw new IOException(r.describe());
        }
        return r.stdout();
    }

    private static String read(Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
