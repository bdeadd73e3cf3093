package org.diskcryptnet.disk.linux;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;

/**
 * statx(2) and {@code struct statx} (include/uapi/linux/stat.h). {@link #STATX_DIOALIGN} (Linux 6.1) tells the
 * alignment O_DIRECT needs for this very file: of the buffer address ({@code stx_dio_mem_align}) and of the file
 * offset and length ({@code stx_dio_offset_align}); 0 means the file cannot be read with O_DIRECT.
 */
public final class Statx {

    private static final StructLayout TIMESTAMP = MemoryLayout.structLayout(
            JAVA_LONG.withName("tv_sec"), JAVA_INT.withName("tv_nsec"), JAVA_INT.withName("reserved"));

    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            JAVA_INT.withName("stx_mask"),
            JAVA_INT.withName("stx_blksize"),
            JAVA_LONG.withName("stx_attributes"),
            JAVA_INT.withName("stx_nlink"),
            JAVA_INT.withName("stx_uid"),
            JAVA_INT.withName("stx_gid"),
            JAVA_SHORT.withName("stx_mode"),
            JAVA_SHORT.withName("spare0"),
            JAVA_LONG.withName("stx_ino"),
            JAVA_LONG.withName("stx_size"),
            JAVA_LONG.withName("stx_blocks"),
            JAVA_LONG.withName("stx_attributes_mask"),
            TIMESTAMP.withName("stx_atime"),
            TIMESTAMP.withName("stx_btime"),
            TIMESTAMP.withName("stx_ctime"),
            TIMESTAMP.withName("stx_mtime"),
            JAVA_INT.withName("stx_rdev_major"),
            JAVA_INT.withName("stx_rdev_minor"),
            JAVA_INT.withName("stx_dev_major"),
            JAVA_INT.withName("stx_dev_minor"),
            JAVA_LONG.withName("stx_mnt_id"),
            JAVA_INT.withName("stx_dio_mem_align"),
            JAVA_INT.withName("stx_dio_offset_align"),
            MemoryLayout.sequenceLayout(12, JAVA_LONG).withName("spare3"));

    private static final long MASK = off("stx_mask");
    private static final long MODE = off("stx_mode");
    private static final long INO = off("stx_ino");
    private static final long SIZE = off("stx_size");
    private static final long CTIME_SEC = LAYOUT.byteOffset(groupElement("stx_ctime"), groupElement("tv_sec"));
    private static final long CTIME_NSEC = LAYOUT.byteOffset(groupElement("stx_ctime"), groupElement("tv_nsec"));
    private static final long MTIME_SEC = LAYOUT.byteOffset(groupElement("stx_mtime"), groupElement("tv_sec"));
    private static final long MTIME_NSEC = LAYOUT.byteOffset(groupElement("stx_mtime"), groupElement("tv_nsec"));
    private static final long RDEV_MAJOR = off("stx_rdev_major");
    private static final long RDEV_MINOR = off("stx_rdev_minor");
    private static final long DEV_MAJOR = off("stx_dev_major");
    private static final long DEV_MINOR = off("stx_dev_minor");
    private static final long DIO_MEM_ALIGN = off("stx_dio_mem_align");
    private static final long DIO_OFFSET_ALIGN = off("stx_dio_offset_align");

    public static final int STATX_TYPE = 0x1;
    public static final int STATX_MODE = 0x2;
    public static final int STATX_MTIME = 0x40;
    public static final int STATX_CTIME = 0x80;
    public static final int STATX_INO = 0x100;
    public static final int STATX_SIZE = 0x200;
    public static final int STATX_BASIC_STATS = 0x7ff;
    public static final int STATX_DIOALIGN = 0x2000;

    /** File types in stx_mode (include/uapi/linux/stat.h). */
    public static final int S_IFMT = 0170000;
    public static final int S_IFREG = 0100000;
    public static final int S_IFBLK = 0060000;
    public static final int S_IFCHR = 0020000;
    public static final int S_IFDIR = 0040000;

    private static final MethodHandle STATX = Native.libc("statx",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, ADDRESS));

    private static long off(String field) {
        return LAYOUT.byteOffset(groupElement(field));
    }

    private Statx() {}

    /** What the disk code needs from one statx call. Times in nanoseconds since the epoch. */
    public record Result(int mask, int mode, long inode, long size, long mtimeNanos, long ctimeNanos,
                         int devMajor, int devMinor, int rdevMajor, int rdevMinor, int dioMemAlign, int dioOffsetAlign) {

        public boolean isRegularFile() {
            return (mode & S_IFMT) == S_IFREG;
        }

        public boolean isBlockDevice() {
            return (mode & S_IFMT) == S_IFBLK;
        }

        public boolean isCharDevice() {
            return (mode & S_IFMT) == S_IFCHR;
        }

        public boolean hasDioAlign() {
            return (mask & STATX_DIOALIGN) != 0;
        }

        /** Same file, same size and same data and metadata change times: nothing has been written since. */
        public boolean sameVersion(Result other) {
            return inode == other.inode && size == other.size && mtimeNanos == other.mtimeNanos
                    && ctimeNanos == other.ctimeNanos && devMajor == other.devMajor && devMinor == other.devMinor;
        }
    }

    /** statx of an open descriptor (AT_EMPTY_PATH). */
    public static Result of(int fd) throws LinuxException {
        return query(fd, "", Fcntl.AT_EMPTY_PATH, "statx(fd " + fd + ")");
    }

    /** statx of a path, following symbolic links. */
    public static Result of(String path) throws LinuxException {
        return query(Fcntl.AT_FDCWD, path, 0, "statx(" + path + ")");
    }

    private static Result query(int dirFd, String path, int flags, String what) throws LinuxException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(LAYOUT);
            into(dirFd, arena.allocateFrom(path), flags, buf, what);
            return read(buf);
        }
    }

    /** Fills {@code buf} (a {@link #LAYOUT}-sized segment) for {@code fd} with no allocation: for re-checks. */
    public static void into(int fd, MemorySegment emptyPath, MemorySegment buf) throws LinuxException {
        into(fd, emptyPath, Fcntl.AT_EMPTY_PATH, buf, "statx(fd " + fd + ")");
    }

    private static void into(int dirFd, MemorySegment path, int flags, MemorySegment buf, String what)
            throws LinuxException {
        MemorySegment box = Native.errnoBox();
        try {
            int r = (int) STATX.invokeExact(box, dirFd, path, flags, STATX_BASIC_STATS | STATX_DIOALIGN, buf);
            if (r < 0) {
                throw new LinuxException(what, Native.errno(box));
            }
        } catch (LinuxException e) {
            throw e;
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }

    public static Result read(MemorySegment buf) {
        return new Result(buf.get(JAVA_INT, MASK), Short.toUnsignedInt(buf.get(JAVA_SHORT, MODE)),
                buf.get(JAVA_LONG, INO), buf.get(JAVA_LONG, SIZE),
                buf.get(JAVA_LONG, MTIME_SEC) * 1_000_000_000L + buf.get(JAVA_INT, MTIME_NSEC),
                buf.get(JAVA_LONG, CTIME_SEC) * 1_000_000_000L + buf.get(JAVA_INT, CTIME_NSEC),
                buf.get(JAVA_INT, DEV_MAJOR), buf.get(JAVA_INT, DEV_MINOR),
                buf.get(JAVA_INT, RDEV_MAJOR), buf.get(JAVA_INT, RDEV_MINOR),
                buf.get(JAVA_INT, DIO_MEM_ALIGN), buf.get(JAVA_INT, DIO_OFFSET_ALIGN));
    }

    /**
     * True when {@code buf} describes the same version as {@code known} (as {@link Result#sameVersion}: inode,
     * device, size, mtime, ctime); reads fields in place, no allocation.
     */
    public static boolean sameVersion(MemorySegment buf, Result known) {
        return buf.get(JAVA_LONG, INO) == known.inode() && buf.get(JAVA_LONG, SIZE) == known.size()
                && buf.get(JAVA_INT, DEV_MAJOR) == known.devMajor() && buf.get(JAVA_INT, DEV_MINOR) == known.devMinor()
                && buf.get(JAVA_LONG, MTIME_SEC) * 1_000_000_000L + buf.get(JAVA_INT, MTIME_NSEC) == known.mtimeNanos()
                && buf.get(JAVA_LONG, CTIME_SEC) * 1_000_000_000L + buf.get(JAVA_INT, CTIME_NSEC) == known.ctimeNanos();
    }
}
