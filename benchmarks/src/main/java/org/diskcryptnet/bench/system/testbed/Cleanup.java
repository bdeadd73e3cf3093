package org.diskcryptnet.bench.system.testbed;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * Everything the run made that outlives a process of its own — namespaces, cgroups, mounts, zram devices,
 * server processes — as an undo stack, mirrored line by line in a state file.
 *
 * <p>The JVM undoes the stack in reverse order on a normal end and from a shutdown hook (SIGINT, SIGTERM). The
 * state file is for the case the JVM cannot handle (SIGKILL, a crash): {@code benchmarks/lib/cleanup-state}, run by
 * the wrapper's trap, undoes whatever lines are left. A line is removed as soon as its step is undone, so neither
 * undoes twice something that another user of the machine may have created since (a zram device number, a pid).
 *
 * <p>Once closed, anything added is undone at once: a thread that races the shutdown hook cannot leak.
 */
public final class Cleanup implements AutoCloseable {

    /** One thing to undo. */
    @FunctionalInterface
    public interface Undo {
        void run() throws Exception;
    }

    private record Step(String stateLine, String what, Undo undo) {}

    private final Path stateFile;
    private final PrintStream log;
    private final Deque<Step> steps = new ArrayDeque<>();
    private final List<String> failed = new ArrayList<>();
    private boolean closed;

    public Cleanup(Path stateFile, PrintStream log) throws IOException {
        this.stateFile = stateFile;
        this.log = log;
        Files.createDirectories(stateFile.toAbsolutePath().getParent());
        writeState();
    }

    /** Installs a shutdown hook that closes this (SIGINT, SIGTERM, System.exit). */
    public Cleanup onShutdown() {
        Runtime.getRuntime().addShutdownHook(new Thread(this::close, "dcnb-cleanup"));
        return this;
    }

    /**
     * Records a step. {@code stateLine} is what the shell fallback reads ({@code netns NAME}, {@code cgroup DIR},
     * {@code mount DIR}, {@code zram DEV}, {@code pid PID STARTTIME}); null if the JVM alone can undo it.
     */
    public void add(String stateLine, String what, Undo undo) {
        boolean undoNow;
        synchronized (this) {
            undoNow = closed;
            if (!undoNow) {
                steps.push(new Step(stateLine, what, undo));
                writeStateQuietly();
            }
        }
        if (undoNow) {
            runStep(new Step(stateLine, what, undo));
        }
    }

    public synchronized boolean isClosed() {
        return closed;
    }

    /** Undoes the most recent step whose description is {@code what} (e.g. a server stopped between phases). */
    public void undo(String what) {
        Step found = null;
        synchronized (this) {
            for (Step s : steps) {
                if (s.what.equals(what)) {
                    found = s;
                    break;
                }
            }
            if (found == null) {
                return;
            }
        }
        runStep(found);
        synchronized (this) {
            steps.remove(found);
            writeStateQuietly();
        }
    }

    @Override
    public void close() {
        Exec.killAll(); // a client or probe still running would otherwise outlive the run
        while (true) {
            Step s;
            synchronized (this) {
                closed = true;
                s = steps.peek();
                if (s == null) {
                    writeStateQuietly();
                    return;
                }
            }
            runStep(s); // undone first, then dropped from the state file: a kill in between leaves it to the shell
            synchronized (this) {
                steps.remove(s);
                writeStateQuietly();
            }
        }
    }

    /** Runs it; a step that failed stays in the state file for the shell fallback. */
    private void runStep(Step s) {
        try {
            s.undo.run();
        } catch (Exception e) {
            log.println("cleanup: " + s.what + ": " + e.getMessage());
            if (s.stateLine != null) {
                synchronized (this) {
                    failed.add(s.stateLine);
                }
            }
        }
    }

    private void writeStateQuietly() {
        try {
            writeState();
        } catch (IOException e) {
            log.println("cleanup: cannot write " + stateFile + ": " + e.getMessage());
        }
    }

    /** Oldest first, as created; the shell fallback reads it backwards. */
    private void writeState() throws IOException {
        List<String> lines = new ArrayList<>(failed);
        steps.descendingIterator().forEachRemaining(s -> {
            if (s.stateLine != null) {
                lines.add(s.stateLine);
            }
        });
        Path tmp = stateFile.resolveSibling(stateFile.getFileName() + ".tmp");
        Files.write(tmp, lines, StandardCharsets.UTF_8);
        Files.move(tmp, stateFile, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
