package org.diskcryptnet.disk.linux;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/**
 * open(2) flags for x86_64 (include/uapi/asm-generic/fcntl.h, with x86's own O_DIRECT) and the file calls
 * built on them: openat, fcntl, close, pread. O_DIRECT is the point of this module: reads go from the device to
 * the caller's buffer without passing through the page cache.
 */
public final class Fcntl {

    public static final int O_RDONLY = 0;
    public static final int O_RDWR = 02;
    public static final int O_NOCTTY = 0400;
    public static final int O_NONBLOCK = 04000;
    public static final int O_DIRECT = 040000;
    public static final int O_DIRECTORY = 0200000;
    public static final int O_NOFOLLOW = 0400000;
    public static final int O_CLOEXEC = 02000000;
    public static final int O_PATH = 010000000;

    public static final int AT_FDCWD = -100;
    public static final int AT_EMPTY_PATH = 0x1000;
    public static final int AT_SYMLINK_NOFOLLOW = 0x100;

    /** {@code int openat(int dirfd, const char *path, int flags, ...)}: the mode is variadic. */
    private static final MethodHandle OPENAT = Native.libcVariadic("openat",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT), 3);
    /** {@code int fcntl(int fd, int cmd, ...)}: the argument is variadic. */
    private static final MethodHandle FCNTL = Native.libcVariadic("fcntl",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT), 2);
    private static final int F_DUPFD_CLOEXEC = 1030;
    private static final int F_SETFL = 4;
    private static final MethodHandle CLOSE = Native.libc("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle PREAD = Native.libc("pread64",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_LONG));

    /** posix_fadvise advice (include/uapi/linux/fadvise.h): drop the range from the page cache. */
    public static final int POSIX_FADV_DONTNEED = 4;

    private static final MethodHandle FDATASYNC = Native.libc("fdatasync", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    /** posix_fadvise returns the error number instead of setting errno. */
    private static final MethodHandle FADVISE = Native.libcNoErrno("posix_fadvise",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_INT));

    private Fcntl() {}

    /**
     * Writes the file's dirty pages back and drops its clean pages from the page cache: how tests and benchmarks
     * start from a cold cache for one file without touching the rest of the machine's cache.
     */
    public static void dropFromPageCache(int fd) throws LinuxException {
        try {
            if ((int) FDATASYNC.invokeExact(Native.errnoBox(), fd) < 0) {
                throw new LinuxException("fdatasync(fd " + fd + ")", Native.errno(Native.errnoBox()));
            }
            int r = (int) FADVISE.invokeExact(fd, 0L, 0L, POSIX_FADV_DONTNEED);
            if (r != 0) {
                throw new LinuxException("posix_fadvise(fd " + fd + ", DONTNEED)", r);
            }
        } catch (LinuxException e) {
            throw e;
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }

    /** openat(2) relative to {@code dirFd} (or {@link #AT_FDCWD}); returns the descriptor. */
    public static int openAt(int dirFd, String path, int flags) throws LinuxException {
        MemorySegment box = Native.errnoBox();
        try (Arena arena = Arena.ofConfined()) {
            int fd = (int) OPENAT.invokeExact(box, dirFd, arena.allocateFrom(path), flags, 0);
            if (fd < 0) {
                throw new LinuxException("open(" + path + ")", Native.errno(box));
            }
            return fd;
        } catch (LinuxException e) {
            throw e;
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }

    public static int open(String path, int flags) throws LinuxException {
        return openAt(AT_FDCWD, path, flags);
    }

    /**
     * fcntl(F_SETFL): replaces the descriptor's changeable status flags (O_APPEND, O_ASYNC, O_DIRECT, O_NOATIME,
     * O_NONBLOCK) with {@code flags}; the open file description is shared by every duplicate of the descriptor.
     */
    public static void setStatusFlags(int fd, int flags) throws LinuxException {
        fcntl(fd, F_SETFL, flags, "F_SETFL");
    }

    /** A duplicate of {@code fd} (the same open file description) with FD_CLOEXEC set. */
    public static int duplicate(int fd) throws LinuxException {
        return fcntl(fd, F_DUPFD_CLOEXEC, 0, "F_DUPFD_CLOEXEC");
    }

    private static int fcntl(int fd, int cmd, int arg, String name) throws LinuxException {
        MemorySegment box = Native.errnoBox();
        try {
            int r = (int) FCNTL.invokeExact(box, fd, cmd, arg);
            if (r < 0) {
                throw new LinuxException("fcntl(fd " + fd + ", " + name + ")", Native.errno(box));
            }
            return r;
        } catch (LinuxException e) {
            throw e;
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }

    /** close(2); a failure is returned, not thrown: there is nothing a caller can do about it. */
    public static int close(int fd) {
        try {
            int r = (int) CLOSE.invokeExact(Native.errnoBox(), fd);
            return r < 0 ? -Native.errno(Native.errnoBox()) : 0;
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }

    /**
     * pread(2) of {@code length} bytes at {@code offset} into {@code dst} (native memory); returns the bytes read,
     * which is less than asked at end of file. Retries EINTR. Blocks the calling thread: only for paths that may.
     */
    public static long pread(int fd, MemorySegment dst, long length, long offset) throws LinuxException {
        MemorySegment box = Native.errnoBox();
        try {
            while (true) {
                long r = (long) PREAD.invokeExact(box, fd, dst, length, offset);
                if (r >= 0) {
                    return r;
                }
                int errno = Native.errno(box);
                if (errno != Errno.EINTR) {
                    throw new LinuxException("pread(fd " + fd + ", " + length + " bytes at " + offset + ")", errno);
                }
            }
        } catch (LinuxException e) {
            throw e;
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }
}
