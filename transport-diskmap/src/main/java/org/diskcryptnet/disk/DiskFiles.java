package org.diskcryptnet.disk;

import java.io.IOException;
import java.nio.file.Path;

import org.diskcryptnet.disk.linux.BlockIoctl;
import org.diskcryptnet.disk.linux.Errno;
import org.diskcryptnet.disk.linux.Fcntl;
import org.diskcryptnet.disk.linux.LinuxException;
import org.diskcryptnet.disk.linux.OpenHow;
import org.diskcryptnet.disk.linux.Statx;

/**
 * Opening for direct reads, shared by the kernel-backed backends: O_DIRECT descriptors, the file-type checks
 * with their refusals, and the alignment from statx STATX_DIOALIGN.
 */
public final class DiskFiles {

    static final int DIRECT_READ = Fcntl.O_RDONLY | Fcntl.O_DIRECT | Fcntl.O_CLOEXEC;
    /** Alignment assumed when the filesystem does not report STATX_DIOALIGN (Linux < 6.1 or a filesystem without it). */
    static final int FALLBACK_ALIGNMENT = 4096;

    private DiskFiles() {}

    /** Opens a regular file O_DIRECT by absolute path and checks it. */
    public static DiskFile openFile(Path path, Object state) throws IOException {
        int fd = openOrExplain(Fcntl.AT_FDCWD, path.toString(), path, null);
        return regular(fd, path, state);
    }

    /** Opens {@code relative} below {@code rootFd} (openat2 RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS). */
    public static DiskFile openBeneath(int rootFd, Path root, String relative, Object state) throws IOException {
        int fd = openOrExplain(rootFd, relative, root.resolve(relative), root);
        return regular(fd, root.resolve(relative), state);
    }

    /**
     * Takes over {@code fd}, a regular file its caller opened (without O_DIRECT) and described by {@code version}
     * (a statx of the descriptor with {@link Statx#STATX_DIOALIGN}), for direct reads: one fcntl sets O_DIRECT on
     * it, and clears O_NONBLOCK, which io_uring would otherwise honour as "fail with EAGAIN rather than wait". The
     * descriptor is the caller's no longer: it is closed here if it cannot be taken.
     */
    public static DiskFile adopt(int fd, Path path, Statx.Result version, Object state) throws IOException {
        try {
            Fcntl.setStatusFlags(fd, Fcntl.O_DIRECT);
        } catch (LinuxException e) {
            Fcntl.close(fd);
            if (e.errno() == Errno.EINVAL) {
                throw new IOException(path + " cannot be read with O_DIRECT: its filesystem does not support direct "
                        + "I/O", e);
            }
            throw e;
        }
        return regular(fd, path, version, state);
    }

    /** Opens a block device O_DIRECT; refuses anything else before opening it. */
    public static DiskFile openDevice(Path path) throws IOException {
        Statx.Result st = Statx.of(path.toString());
        if (!st.isBlockDevice()) {
            throw new IOException(path + " is not a block device (" + typeName(st.mode()) + "): a device path must "
                    + "name a block device such as /dev/nvme0n1 or /dev/zram0");
        }
        int fd = openOrExplain(Fcntl.AT_FDCWD, path.toString(), path, null);
        try {
            Statx.Result opened = Statx.of(fd);
            if (!opened.isBlockDevice()) {
                throw new IOException(path + " is not a block device any more");
            }
            int block = BlockIoctl.logicalBlockSize(fd);
            long size = BlockIoctl.sizeBytes(fd);
            int off = opened.hasDioAlign() && opened.dioOffsetAlign() > 0 ? opened.dioOffsetAlign() : block;
            int mem = DirectReadAlignment.verified(fd, opened.rdevMajor(), opened.rdevMinor(),
                    opened.hasDioAlign() && opened.dioMemAlign() > 0 ? opened.dioMemAlign() : block, off, size, path);
            return new DiskFile(path, fd, DiskFile.Kind.BLOCK_DEVICE, size, mem, off, opened, null);
        } catch (IOException | RuntimeException e) {
            Fcntl.close(fd);
            throw e;
        }
    }

    private static int openOrExplain(int dirFd, String name, Path shown, Path root) throws IOException {
        try {
            if (root != null) {
                return OpenHow.openat2(dirFd, name, DIRECT_READ, OpenHow.RESOLVE_BENEATH | OpenHow.RESOLVE_NO_MAGICLINKS);
            }
            return Fcntl.openAt(dirFd, name, DIRECT_READ);
        } catch (LinuxException e) {
            if (e.errno() == Errno.EXDEV && root != null) {
                throw new IOException(shown + " is outside the content root " + root + ": refused", e);
            }
            if (e.errno() == Errno.EINVAL) {
                throw new IOException(shown + " cannot be opened with O_DIRECT: its filesystem does not support "
                        + "direct I/O", e);
            }
            throw e;
        }
    }

    private static DiskFile regular(int fd, Path path, Object state) throws IOException {
        Statx.Result st;
        try {
            st = Statx.of(fd);
        } catch (LinuxException e) {
            Fcntl.close(fd);
            throw e;
        }
        return regular(fd, path, st, state);
    }

    private static DiskFile regular(int fd, Path path, Statx.Result st, Object state) throws IOException {
        try {
            if (!st.isRegularFile()) {
                throw new IOException(path + " is not a regular file (" + typeName(st.mode()) + ")");
            }
            int mem = FALLBACK_ALIGNMENT;
            int off = FALLBACK_ALIGNMENT;
            if (st.hasDioAlign()) {
                if (st.dioOffsetAlign() == 0) {
                    throw new IOException(path + " does not support direct I/O (statx reports no DIO alignment)");
                }
                mem = DirectReadAlignment.verified(fd, st.devMajor(), st.devMinor(), st.dioMemAlign(),
                        st.dioOffsetAlign(), st.size(), path);
                off = st.dioOffsetAlign();
            }
            return new DiskFile(path, fd, DiskFile.Kind.REGULAR_FILE, st.size(), mem, off, st, state);
        } catch (IOException | RuntimeException e) {
            Fcntl.close(fd);
            throw e;
        }
    }

    static String typeName(int mode) {
        return switch (mode & Statx.S_IFMT) {
            case Statx.S_IFREG -> "a regular file";
            case Statx.S_IFDIR -> "a directory";
            case Statx.S_IFCHR -> "a character device";
            case Statx.S_IFBLK -> "a block device";
            default -> "file type " + Integer.toOctalString(mode & Statx.S_IFMT);
        };
    }
}
