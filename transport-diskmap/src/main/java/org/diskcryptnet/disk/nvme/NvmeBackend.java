package org.diskcryptnet.disk.nvme;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.stream.Stream;

import io.netty.util.internal.logging.InternalLogger;
import io.netty.util.internal.logging.InternalLoggerFactory;

import org.diskcryptnet.disk.DiskBackend;
import org.diskcryptnet.disk.DiskFile;
import org.diskcryptnet.disk.DiskFiles;
import org.diskcryptnet.disk.DiskQueue;
import org.diskcryptnet.disk.linux.Fiemap;
import org.diskcryptnet.disk.linux.LinuxException;
import org.diskcryptnet.disk.linux.Statx;
import org.diskcryptnet.disk.uring.IoUring;
import org.diskcryptnet.disk.uring.IoUringAbi;
import org.diskcryptnet.disk.uring.IoUringBackend;
import org.diskcryptnet.disk.uring.IoUringOptions;

/**
 * NVMe passthrough: files on an NVMe filesystem are mapped to logical block addresses with FIEMAP and read by
 * NVMe Read commands through io_uring ({@link NvmeDiskQueue}); NVMe block devices are read the same way. A file
 * that cannot be mapped (see {@link ExtentMap}) or that lives on another kind of device is read with O_DIRECT on
 * the same ring instead; each such fallback is logged once with its reason and counted.
 */
public final class NvmeBackend implements DiskBackend {

    private static final InternalLogger LOG = InternalLoggerFactory.getInstance(NvmeBackend.class);

    private final IoUringOptions options;
    private final Path sysfs;
    private final ConcurrentHashMap<Long, Object> namespaces = new ConcurrentHashMap<>(); // NvmeNamespace or IOException
    private final LongAdder fallbacks = new LongAdder();

    public NvmeBackend(IoUringOptions options) {
        this(options, Path.of("/sys"));
    }

    NvmeBackend(IoUringOptions options, Path sysfs) {
        this.options = options;
        this.sysfs = sysfs;
    }

    public NvmeBackend() {
        this(IoUringOptions.DEFAULT);
    }

    /** True when io_uring works with 128-byte SQEs and an NVMe generic device can be opened. */
    public static boolean isAvailable() {
        return Probe.CAUSE == null;
    }

    /** Why passthrough cannot be used: no io_uring, no NVMe namespace, no permission on /dev/ngXnY, ... */
    public static Throwable unavailabilityCause() {
        return Probe.CAUSE;
    }

    @Override
    public String name() {
        return "nvme";
    }

    /** Files opened so far that are read with O_DIRECT instead of passthrough. */
    public long fallbacks() {
        return fallbacks.sum();
    }

    @Override
    public DiskFile openFile(Path path) throws IOException {
        return map(DiskFiles.openFile(path, null));
    }

    @Override
    public DiskFile openBeneath(int rootFd, Path root, String relative) throws IOException {
        return map(DiskFiles.openBeneath(rootFd, root, relative, null));
    }

    @Override
    public DiskFile adopt(int fd, Path path, Statx.Result version) throws IOException {
        return map(DiskFiles.adopt(fd, path, version, null));
    }

    @Override
    public DiskFile openDevice(Path path) throws IOException {
        DiskFile dev = DiskFiles.openDevice(path);
        try {
            NvmeNamespace ns = namespace(dev.version().rdevMajor(), dev.version().rdevMinor());
            return dev.withBackendState(new PassthroughFile(ns, ExtentMap.whole(dev.size(), ns.partitionStart()), null));
        } catch (IOException e) {
            return fallback(dev, e.getMessage());
        }
    }

    private DiskFile map(DiskFile file) throws IOException {
        try {
            NvmeNamespace ns = namespace(file.version().devMajor(), file.version().devMinor());
            if (file.blockSize() % ns.lbaSize() != 0) {
                return fallback(file, "direct I/O granularity " + file.blockSize() + " is finer than the namespace's "
                        + ns.lbaSize() + "-byte blocks");
            }
            ExtentMap map = ExtentMap.of(Fiemap.extents(file.fd(), true), file.size(), ns.lbaSize(), ns.partitionStart());
            return file.withBackendState(new PassthroughFile(ns, map, null));
        } catch (ExtentMap.UnmappableException | LinuxException e) {
            return fallback(file, e.getMessage());
        } catch (IOException e) {
            return fallback(file, e.getMessage());
        } catch (RuntimeException e) {
            file.close();
            throw e;
        }
    }

    private DiskFile fallback(DiskFile file, String reason) {
        fallbacks.increment();
        LOG.info("{}: read with O_DIRECT, not NVMe passthrough: {}", file.path(), reason);
        return file.withBackendState(new PassthroughFile(null, null, reason));
    }

    /** Why {@code file} is not read by passthrough, or null when it is. */
    public static String refusal(DiskFile file) {
        return file.backendState() instanceof PassthroughFile pf ? pf.refusal() : "not opened by the NVMe backend";
    }

    private NvmeNamespace namespace(int major, int minor) throws IOException {
        long key = ((long) major << 32) | minor;
        Object ns = namespaces.computeIfAbsent(key, k -> {
            try {
                return NvmeNamespace.of(major, minor, sysfs);
            } catch (IOException e) {
                return e;
            }
        });
        if (ns instanceof IOException e) {
            throw new IOException(e.getMessage(), e);
        }
        return (NvmeNamespace) ns;
    }

    @Override
    public DiskQueue newQueue(int depth) throws IOException {
        return new NvmeDiskQueue(options, depth);
    }

    @Override
    public void close() {
        for (Object o : namespaces.values()) {
            if (o instanceof NvmeNamespace ns) {
                ns.close();
            }
        }
        namespaces.clear();
    }

    private static final class Probe {
        static final Throwable CAUSE = probe();

        private static Throwable probe() {
            if (!IoUringBackend.isAvailable()) {
                return new IllegalStateException("io_uring is unavailable: " + IoUringBackend.unavailabilityCause().getMessage(),
                        IoUringBackend.unavailabilityCause());
            }
            Path generic = Path.of("/sys/class/nvme-generic");
            String first;
            try (Stream<Path> s = Files.list(generic)) {
                first = s.map(p -> p.getFileName().toString()).sorted().findFirst().orElse(null);
            } catch (IOException e) {
                first = null;
            }
            if (first == null) {
                return new IllegalStateException("no NVMe namespace: " + generic + " is empty or missing (no NVMe "
                        + "controller, or the nvme driver is not loaded)");
            }
            try {
                int fd = org.diskcryptnet.disk.linux.Fcntl.open("/dev/" + first,
                        org.diskcryptnet.disk.linux.Fcntl.O_RDONLY | org.diskcryptnet.disk.linux.Fcntl.O_CLOEXEC);
                org.diskcryptnet.disk.linux.Fcntl.close(fd);
            } catch (LinuxException e) {
                return new IllegalStateException("cannot open /dev/" + first + " for passthrough (missing permission? "
                        + "reads need read access to the generic device): " + e.getMessage(), e);
            }
            try (IoUring ring = IoUring.setup(4, IoUringAbi.IORING_SETUP_SQE128 | IoUringAbi.IORING_SETUP_CQE32
                    | IoUringAbi.IORING_SETUP_SINGLE_ISSUER, 0)) {
                return null;
            } catch (Throwable t) {
                return new IllegalStateException("this kernel cannot set up a ring with 128-byte SQEs: " + t.getMessage(), t);
            }
        }
    }
}
