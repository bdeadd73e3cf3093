package org.diskcryptnet.origin.accesslog;

import java.io.BufferedWriter;
import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Queue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import io.netty.util.internal.PlatformDependent;
import io.netty.util.internal.logging.InternalLogger;
import io.netty.util.internal.logging.InternalLoggerFactory;

import org.diskcryptnet.origin.metrics.OriginMetrics;

/**
 * One line per response, written by a thread of its own. Event loops only offer an entry to a bounded
 * lock-free queue; when the writer falls behind, lines are dropped and counted, never waited for.
 *
 * <p>Format (one line, fields separated by single spaces):
 * <pre>
 * client - - [time] "METHOD target VERSION" status body_bytes_sent "range" duration_s tls outcome
 * 198.18.0.1 - - [26/Nov/2026:09:12:03 +0000] "GET /hls/v1/seg2.m4s HTTP/1.1" 206 1000 "bytes=0-999" 0.004 TLSv1.3/TLS_AES_128_GCM_SHA256 complete
 * </pre>
 * {@code range} is the request's Range field or {@code -}; {@code tls} is protocol/cipher or {@code -};
 * {@code outcome} is {@code complete}, or {@code aborted} when the connection ended before the last byte.
 */
public final class AccessLog implements Closeable {

    private static final InternalLogger LOG = InternalLoggerFactory.getInstance(AccessLog.class);
    private static final int QUEUE_CAPACITY = 64 * 1024;

    private final Queue<AccessLogEntry> queue = PlatformDependent.newFixedMpscQueue(QUEUE_CAPACITY);
    private final OriginMetrics metrics;
    /** The file written to, or null for standard output. */
    private final Path file;
    /** Written by the writer thread alone once it runs (a reopen swaps it there). */
    private Writer out;
    private final Thread writer;
    private volatile boolean running = true;
    private volatile boolean reopenRequested;

    private AccessLog(Writer out, Path file, OriginMetrics metrics) {
        this.out = out;
        this.file = file;
        this.metrics = metrics;
        this.writer = Thread.ofPlatform().daemon().name("access-log").unstarted(this::drain);
        this.writer.start();
    }

    /** {@code "off"} → null; {@code "stdout"} → standard output; anything else a file, appended to. */
    public static AccessLog open(String target, OriginMetrics metrics) throws IOException {
        if (target.equals("off")) {
            return null;
        }
        if (target.equals("stdout")) {
            return new AccessLog(new BufferedWriter(new OutputStreamWriter(System.out, StandardCharsets.UTF_8)), null,
                    metrics);
        }
        Path file = Path.of(target);
        return new AccessLog(append(file), file, metrics);
    }

    private static Writer append(Path file) throws IOException {
        return Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                StandardOpenOption.APPEND, StandardOpenOption.WRITE);
    }

    /**
     * Asks the writer to open the file again by its path, after the lines offered so far (SIGUSR1: logrotate has
     * renamed it, and lines would otherwise go on into the renamed file). If the path cannot be opened, the writer
     * logs a warning and keeps the file it has. False for standard output.
     */
    public boolean reopen() {
        if (file == null) {
            return false;
        }
        reopenRequested = true;
        LockSupport.unpark(writer);
        return true;
    }

    private void reopenNow() {
        reopenRequested = false;
        try {
            Writer next = append(file);
            try {
                out.close();
            } catch (IOException e) {
                LOG.warn("closing the access log {} before reopening it failed", file, e);
            }
            out = next;
        } catch (IOException e) {
            LOG.warn("cannot reopen the access log {}: still writing to the file it had", file, e);
        }
    }

    /** Called on an event loop: never blocks. */
    public void log(AccessLogEntry entry) {
        if (!queue.offer(entry)) {
            metrics.accessLogDropped();
        }
    }

    private void drain() {
        StringBuilder line = new StringBuilder(256);
        while (running || !queue.isEmpty()) {
            AccessLogEntry e = queue.poll();
            if (e == null && reopenRequested) {
                reopenNow(); // the queue is empty: the lines offered before the request are in the old file
                continue;
            }
            if (e == null) {
                try {
                    out.flush();
                } catch (IOException ignored) {
                    // the next write reports it
                }
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
                continue;
            }
            line.setLength(0);
            e.appendTo(line);
            line.append('\n');
            try {
                out.append(line);
            } catch (IOException ex) {
                metrics.accessLogDropped();
            }
        }
    }

    @Override
    public void close() throws IOException {
        running = false;
        LockSupport.unpark(writer);
        try {
            writer.join(TimeUnit.SECONDS.toMillis(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        out.flush();
        if (file != null) {
            out.close();
        }
    }
}
