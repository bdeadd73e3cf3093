package org.diskcryptnet.disk;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import io.netty.channel.EventLoop;
import io.netty.util.concurrent.FastThreadLocal;

import org.diskcryptnet.disk.linux.Fcntl;
import org.diskcryptnet.disk.linux.Statx;

/**
 * Page-cache-free file serving for a set of event loops: a {@link DiskBackend}, an optional content root that
 * confines what may be opened, and one {@link DiskLoop} per event loop, made on first use in that loop. Makes
 * the {@link DiskRegion}s that servers write to channels. Thread-safe; the loops it makes are not shared.
 */
public final class DiskStorage implements AutoCloseable {

    /**
     * @param queueDepth  reads in flight per loop
     * @param chunkSize   bytes per read and per pooled buffer (a multiple of 4 KiB)
     * @param poolChunks  pooled buffers per loop: chunkSize x poolChunks is the loop's budget of file bytes held
     *                    between disk and socket
     * @param readAhead   chunks a single response may have in flight (read or being written) at once
     */
    public record Config(int queueDepth, int chunkSize, int poolChunks, int readAhead) {
        public static final Config DEFAULT = new Config(128, 256 * 1024, 64, 2);

        public Config {
            if (queueDepth < 4 || chunkSize < 4096 || chunkSize % 4096 != 0 || poolChunks < 1 || readAhead < 1) {
                throw new IllegalArgumentException("bad disk storage config " + this);
            }
        }
    }

    private final DiskBackend backend;
    private final Config config;
    private final Path root;
    private final int rootFd;
    private final List<DiskLoop> loops = new CopyOnWriteArrayList<>();
    private final FastThreadLocal<DiskLoop> current = new FastThreadLocal<>() {
        @Override
        protected void onRemoval(DiskLoop loop) {
            loops.remove(loop);
            loop.close();
        }
    };
    private volatile boolean closed;

    /**
     * @param contentRoot the only directory files may be opened from (null: any absolute path)
     */
    public DiskStorage(DiskBackend backend, Path contentRoot, Config config) throws IOException {
        this.backend = backend;
        this.config = config;
        if (contentRoot != null) {
            this.root = contentRoot.toRealPath();
            this.rootFd = Fcntl.open(root.toString(), Fcntl.O_PATH | Fcntl.O_DIRECTORY | Fcntl.O_CLOEXEC);
        } else {
            this.root = null;
            this.rootFd = -1;
        }
    }

    public DiskBackend backend() {
        return backend;
    }

    public Config config() {
        return config;
    }

    /** The content root's real path, or null. */
    public Path root() {
        return root;
    }

    /** The disk side of {@code loop}; call on that loop's thread. */
    public DiskLoop loop(EventLoop loop) throws IOException {
        if (!loop.inEventLoop()) {
            throw new IllegalStateException("DiskStorage.loop must be called on the loop's own thread");
        }
        if (closed) {
            throw new IOException("disk storage is closed");
        }
        DiskLoop dl = current.get();
        if (dl == null) {
            dl = new DiskLoop(loop, backend, config);
            current.set(dl);
            loops.add(dl);
        }
        return dl;
    }

    /**
     * Opens {@code file} for direct reads: below the content root only, when there is one (a path outside it, also
     * through a symbolic link, is refused with a message naming the root).
     */
    public DiskFile open(Path file) throws IOException {
        if (root == null) {
            return backend.openFile(file.toAbsolutePath());
        }
        Path abs = file.toAbsolutePath().normalize();
        if (!abs.startsWith(root)) {
            throw new IOException(file + " is outside the content root " + root + ": refused");
        }
        String relative = root.relativize(abs).toString();
        if (relative.isEmpty()) {
            throw new IOException(file + " is the content root itself, not a file in it");
        }
        return backend.openBeneath(rootFd, root, relative);
    }

    /**
     * Takes over {@code fd}, a regular file the caller opened for reading (and confined as it saw fit) and
     * described with {@code version} (a statx of it), for direct reads: see {@link DiskBackend#adopt}.
     */
    public DiskFile adopt(int fd, Path path, Statx.Result version) throws IOException {
        if (closed) {
            Fcntl.close(fd);
            throw new IOException("disk storage is closed");
        }
        return backend.adopt(fd, path, version);
    }

    /** A region of {@code count} bytes at {@code position} of {@code file}, which it opens (see {@link #open}). */
    public DiskRegion region(Path file, long position, long count) throws IOException {
        return region(open(file), position, count);
    }

    /** A region of {@code count} bytes at {@code position} of {@code file}, which it then owns (and closes). */
    public DiskRegion region(DiskFile file, long position, long count) {
        try {
            return new DiskRegion(this, file, position, count);
        } catch (RuntimeException e) {
            file.close();
            throw e;
        }
    }

    /** The stats of every loop that has read so far, for a metrics scrape. */
    public List<DiskStats> stats() {
        List<DiskStats> out = new ArrayList<>();
        for (DiskLoop l : loops) {
            out.add(l.stats());
        }
        return out;
    }

    public String backendName() {
        return backend.name();
    }

    /** Closes every loop's queue (on its loop when that loop still runs) and the content root. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (DiskLoop l : loops) {
            EventLoop el = l.eventLoop();
            if (el.inEventLoop() || el.isShutdown()) {
                l.close();
            } else {
                try {
                    el.submit(l::close).syncUninterruptibly();
                } catch (RuntimeException e) {
                    l.close();
                }
            }
        }
        loops.clear();
        if (rootFd >= 0) {
            Fcntl.close(rootFd);
        }
        backend.close();
    }
}
