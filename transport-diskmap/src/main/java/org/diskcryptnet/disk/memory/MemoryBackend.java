package org.diskcryptnet.disk.memory;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.function.LongSupplier;

import org.diskcryptnet.disk.DiskBackend;
import org.diskcryptnet.disk.DiskFile;
import org.diskcryptnet.disk.DiskQueue;
import org.diskcryptnet.disk.linux.Fcntl;
import org.diskcryptnet.disk.linux.OpenHow;
import org.diskcryptnet.disk.linux.Statx;

/**
 * A backend for unit tests: a file's bytes are loaded into memory when it is opened, and reads are served
 * from there through {@link MemoryDiskQueue}, with the faults a {@link FaultPlan} injects (errors, short
 * reads, delays). It enforces the same alignment rules and the same content-root confinement (openat2
 * RESOLVE_BENEATH) as the kernel backends, so code tested against it behaves the same on them. Always available.
 * A test may change an open file ({@link #write}, {@link #truncate}) as another process would.
 */
public final class MemoryBackend implements DiskBackend {

    private final FaultPlan faults;
    private final int blockSize;
    private final int memoryAlignment;
    private final LongSupplier clock;

    public MemoryBackend(FaultPlan faults, int blockSize, int memoryAlignment, LongSupplier clock) {
        this.faults = faults;
        this.blockSize = blockSize;
        this.memoryAlignment = memoryAlignment;
        this.clock = clock;
    }

    /** 512-byte blocks and alignment, as ext4 on a typical disk reports, and the real clock. */
    public MemoryBackend(FaultPlan faults) {
        this(faults, 512, 512, System::nanoTime);
    }

    @Override
    public String name() {
        return "memory";
    }

    @Override
    public DiskFile openFile(Path path) throws IOException {
        int fd = Fcntl.open(path.toString(), Fcntl.O_RDONLY | Fcntl.O_CLOEXEC);
        return load(fd, path);
    }

    @Override
    public DiskFile openBeneath(int rootFd, Path root, String relative) throws IOException {
        int fd;
        try {
            fd = OpenHow.openat2(rootFd, relative, Fcntl.O_RDONLY | Fcntl.O_CLOEXEC,
                    OpenHow.RESOLVE_BENEATH | OpenHow.RESOLVE_NO_MAGICLINKS);
        } catch (org.diskcryptnet.disk.linux.LinuxException e) {
            if (e.errno() == org.diskcryptnet.disk.linux.Errno.EXDEV) {
                throw new IOException(root.resolve(relative) + " is outside the content root " + root + ": refused", e);
            }
            throw e;
        }
        return load(fd, root.resolve(relative));
    }

    @Override
    public DiskFile adopt(int fd, Path path, Statx.Result version) throws IOException {
        return load(fd, path);
    }

    private DiskFile load(int fd, Path path) throws IOException {
        try {
            Statx.Result st = Statx.of(fd);
            if (!st.isRegularFile()) {
                throw new IOException(path + " is not a regular file");
            }
            MemorySegment bytes = Arena.ofAuto().allocate(Math.max(1, st.size()), 8);
            long done = 0;
            while (done < st.size()) {
                long n = Fcntl.pread(fd, bytes.asSlice(done), st.size() - done, done);
                if (n == 0) {
                    break;
                }
                done += n;
            }
            return new DiskFile(path, -1, DiskFile.Kind.REGULAR_FILE, done, memoryAlignment, blockSize, st,
                    new MemoryFile(bytes.asSlice(0, done), st));
        } finally {
            Fcntl.close(fd);
        }
    }

    /**
     * Writes {@code bytes} at {@code offset} of an open in-memory file, as another process writing the file would:
     * later reads see the new bytes, and its version (size, modification and change times) moves, so
     * {@link org.diskcryptnet.disk.DiskQueue#fileChanged} reports it. Called on the thread that reads the file.
     */
    public static void write(DiskFile file, long offset, byte[] bytes) {
        state(file).write(offset, bytes);
    }

    /** Truncates an open in-memory file to {@code size} bytes: later reads past it come back short. See {@link #write}. */
    public static void truncate(DiskFile file, long size) {
        state(file).truncate(size);
    }

    private static MemoryFile state(DiskFile file) {
        if (!(file.backendState() instanceof MemoryFile m)) {
            throw new IllegalArgumentException(file + " was not opened by the in-memory backend");
        }
        return m;
    }

    @Override
    public DiskFile openDevice(Path path) throws IOException {
        Statx.Result st = Statx.of(path.toString());
        if (!st.isBlockDevice()) {
            throw new IOException(path + " is not a block device: a device path must name a block device");
        }
        throw new IOException("the in-memory backend serves files, not devices: " + path);
    }

    @Override
    public DiskQueue newQueue(int depth) {
        return new MemoryDiskQueue(depth, faults, clock);
    }
}
