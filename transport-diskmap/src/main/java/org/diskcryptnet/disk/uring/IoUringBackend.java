package org.diskcryptnet.disk.uring;

import static org.diskcryptnet.disk.uring.IoUringAbi.IORING_ENTER_GETEVENTS;

import java.io.IOException;
import java.nio.file.Path;

import org.diskcryptnet.disk.DiskBackend;
import org.diskcryptnet.disk.DiskFile;
import org.diskcryptnet.disk.DiskFiles;
import org.diskcryptnet.disk.DiskQueue;
import org.diskcryptnet.disk.linux.Native;
import org.diskcryptnet.disk.linux.Statx;

/**
 * io_uring with O_DIRECT on regular files and block devices: works on any Linux 6.1+ filesystem that supports
 * direct I/O (ext4, xfs, btrfs, f2fs; tmpfs since 6.6) and on block devices (NVMe, virtio, zram, loop).
 * {@link #isAvailable()} and {@link #unavailabilityCause()} report, once per process, whether this kernel lets
 * the process create a ring with the default options and run an operation through it.
 */
public final class IoUringBackend implements DiskBackend {

    private final IoUringOptions options;

    public IoUringBackend(IoUringOptions options) {
        this.options = options;
    }

    public IoUringBackend() {
        this(IoUringOptions.DEFAULT);
    }

    public IoUringOptions options() {
        return options;
    }

    /** True when io_uring works here with SINGLE_ISSUER and DEFER_TASKRUN (or their 6.0 fallback). */
    public static boolean isAvailable() {
        return Probe.CAUSE == null;
    }

    /** Why io_uring cannot be used (null when it can): disabled by sysctl or seccomp, too old a kernel, ... */
    public static Throwable unavailabilityCause() {
        return Probe.CAUSE;
    }

    @Override
    public String name() {
        return "io_uring";
    }

    @Override
    public DiskFile openFile(Path path) throws IOException {
        return DiskFiles.openFile(path, null);
    }

    @Override
    public DiskFile openBeneath(int rootFd, Path root, String relative) throws IOException {
        return DiskFiles.openBeneath(rootFd, root, relative, null);
    }

    @Override
    public DiskFile adopt(int fd, Path path, Statx.Result version) throws IOException {
        return DiskFiles.adopt(fd, path, version, null);
    }

    @Override
    public DiskFile openDevice(Path path) throws IOException {
        return DiskFiles.openDevice(path);
    }

    @Override
    public DiskQueue newQueue(int depth) throws IOException {
        return new IoUringDiskQueue(options, depth);
    }

    private static final class Probe {
        static final Throwable CAUSE = probe();

        private static Throwable probe() {
            if (!Native.supportedArchitecture()) {
                return new UnsupportedOperationException("io_uring bindings exist for Linux x86_64 only, not "
                        + System.getProperty("os.name") + " " + System.getProperty("os.arch"));
            }
            try (IoUring ring = IoUring.setup(4, IoUringOptions.DEFAULT.setupFlags(0), 0)) {
                long sqe = ring.nextSqe();
                IoUringAbi.prepareNop(ring.sqes(), sqe, 42);
                ring.flush();
                ring.enter(1, 1, IORING_ENTER_GETEVENTS);
                if (ring.cqReady() != 1 || IoUringAbi.cqeUserData(ring.cqRing(), ring.cqe(0)) != 42) {
                    return new IllegalStateException("io_uring ran a NOP but posted no completion for it");
                }
                return null;
            } catch (Throwable t) {
                return t;
            }
        }
    }
}
