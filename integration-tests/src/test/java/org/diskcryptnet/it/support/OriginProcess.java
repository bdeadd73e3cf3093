package org.diskcryptnet.it.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The origin as an operator runs it: the repository's {@code ./origin} launcher in its own process, stopped
 * with a signal. Listeners are bound to port 0 by the caller's flags; the actual ports are read from the
 * start-up message.
 */
public final class OriginProcess implements AutoCloseable {

    private static final Pattern LISTENER = Pattern.compile("^\\s+(http|https|admin)\\s+\\S+://[^:/]+:(\\d+)/", Pattern.MULTILINE);

    private final Process process;
    private final Path stdout;
    private final Path stderr;
    private InetSocketAddress http;
    private InetSocketAddress https;
    private InetSocketAddress admin;

    private OriginProcess(Process process, Path stdout, Path stderr) {
        this.process = process;
        this.stdout = stdout;
        this.stderr = stderr;
    }

    public static Path repoRoot() {
        String root = System.getProperty("dcn.repo.root");
        Path p = root != null ? Path.of(root) : Path.of("..").toAbsolutePath().normalize();
        if (!Files.isExecutable(p.resolve("origin"))) {
            throw new IllegalStateException("cannot find the ./origin launcher under " + p);
        }
        return p;
    }

    /** Runs {@code ./origin ARGS} and waits until it prints its listeners (or fails). */
    public static OriginProcess start(Path workDir, Duration startTimeout, String... args) {
        return startIn(null, workDir, startTimeout, args);
    }

    /** As {@link #start}, inside the network namespace {@code netns} ({@code ip netns exec}); null: this one. */
    public static OriginProcess startIn(String netns, Path workDir, Duration startTimeout, String... args) {
        return startUnder(netns != null ? List.of("ip", "netns", "exec", netns) : List.of(), workDir, startTimeout,
                args);
    }

    /** As {@link #start}, run by the command {@code wrapper} (e.g. {@code prlimit ... --}), which execs the rest. */
    public static OriginProcess startUnder(List<String> wrapper, Path workDir, Duration startTimeout,
                                           String... args) {
        List<String> cmd = new ArrayList<>(wrapper);
        cmd.add(repoRoot().resolve("origin").toString());
        cmd.addAll(List.of(args));
        Path out = workDir.resolve("origin.stdout");
        Path err = workDir.resolve("origin.stderr");
        OriginProcess p = new OriginProcess(Proc.start(out, err, cmd), out, err);
        p.awaitListening(startTimeout);
        return p;
    }

    private void awaitListening(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            String text = stderr();
            if (text.contains("origin: ready")) {
                Matcher m = LISTENER.matcher(text);
                while (m.find()) {
                    InetSocketAddress a = new InetSocketAddress("127.0.0.1", Integer.parseInt(m.group(2)));
                    switch (m.group(1)) {
                        case "http" -> http = a;
                        case "https" -> https = a;
                        default -> admin = a;
                    }
                }
                return;
            }
            if (!process.isAlive()) {
                throw new AssertionError("origin exited with " + process.exitValue() + " before listening:\n" + text);
            }
            sleep(50);
        }
        close();
        throw new AssertionError("origin did not start within " + timeout + ":\n" + stderr());
    }

    public InetSocketAddress http() {
        return http;
    }

    public InetSocketAddress https() {
        return https;
    }

    public InetSocketAddress admin() {
        return admin;
    }

    public long pid() {
        return process.pid();
    }

    public String stderr() {
        return read(stderr);
    }

    public String stdout() {
        return read(stdout);
    }

    /** Sends SIGTERM and waits for the exit status. */
    public int terminate(Duration timeout) {
        Proc.run(Duration.ofSeconds(5), "kill", "-TERM", Long.toString(process.pid()));
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new AssertionError("origin did not exit within " + timeout + " of SIGTERM:\n" + stderr());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
        return process.exitValue();
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            try {
                process.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static String read(Path p) {
        try {
            return Files.exists(p) ? Files.readString(p) : "";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
