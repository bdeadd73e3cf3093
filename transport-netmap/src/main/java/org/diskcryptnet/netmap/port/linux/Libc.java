package org.diskcryptnet.netmap.port.linux;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

/**
 * The C library calls the packet ports make, as Panama downcalls (no JNI). Every call that can fail takes a
 * call-state segment ({@link #newCallState}) into which the linker captures {@code errno} right after the call,
 * so a failure is reported with the errno of that very call even when the JVM makes calls of its own in between.
 * Data-path callers allocate their call state once per ring and pass it on every call: nothing is allocated per
 * call.
 *
 * <p>Return values follow the C functions: {@code -1} (or {@code MAP_FAILED}) on failure, then
 * {@link #errno(MemorySegment)} says why.
 */
public final class Libc {

    private static final Linker LINKER = Linker.nativeLinker();
    private static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CALL_STATE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final Linker.Option CAPTURE_ERRNO = Linker.Option.captureCallState("errno");

    private static final MethodHandle SOCKET = capturing("socket", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle BIND = capturing("bind", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle SETSOCKOPT = capturing("setsockopt",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle GETSOCKOPT = capturing("getsockopt",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
    private static final MethodHandle SENDTO = capturing("sendto",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle RECVFROM = capturing("recvfrom",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT, ADDRESS, ADDRESS));
    private static final MethodHandle READ = capturing("read", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));
    private static final MethodHandle WRITE = capturing("write", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));
    // The same two with the buffer as a plain address: a frame inside a large region is passed as base + offset
    // without creating a slice object per call (the callers check the bounds).
    private static final MethodHandle READ_AT = capturing("read", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_LONG));
    private static final MethodHandle WRITE_AT = capturing("write", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_LONG));
    private static final MethodHandle POLL = capturing("poll", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
    private static final MethodHandle MMAP = capturing("mmap",
            FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG));
    private static final MethodHandle MUNMAP = capturing("munmap", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG));
    // ioctl(int, unsigned long, ...) and open(const char *, int, ...) are variadic: the linker must be told where
    // the variadic part starts even for a pointer (x86-64 SysV passes it the same way, other ABIs may not).
    private static final MethodHandle IOCTL_PTR = capturing("ioctl",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS), Linker.Option.firstVariadicArg(2));
    private static final MethodHandle IOCTL_INT = capturing("ioctl",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG), Linker.Option.firstVariadicArg(2));
    private static final MethodHandle OPEN = capturing("open",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT), Linker.Option.firstVariadicArg(2));
    private static final MethodHandle CLOSE = capturing("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle SETNS = capturing("setns", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle SYSCALL4 = capturing("syscall",
            FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, ADDRESS, JAVA_LONG), Linker.Option.firstVariadicArg(1));
    private static final MethodHandle STRERROR = LINKER.downcallHandle(
            LINKER.defaultLookup().findOrThrow("strerror"), FunctionDescriptor.of(ADDRESS, JAVA_INT));
    private static final MethodHandle GETPAGESIZE = LINKER.downcallHandle(
            LINKER.defaultLookup().findOrThrow("getpagesize"), FunctionDescriptor.of(JAVA_INT));

    /** {@code MAP_FAILED} of mmap(2). */
    public static final long MAP_FAILED = -1L;

    private Libc() {}

    private static MethodHandle capturing(String name, FunctionDescriptor descriptor, Linker.Option... more) {
        Linker.Option[] options = new Linker.Option[more.length + 1];
        options[0] = CAPTURE_ERRNO;
        System.arraycopy(more, 0, options, 1, more.length);
        return LINKER.downcallHandle(LINKER.defaultLookup().findOrThrow(name), descriptor, options);
    }

    /** A place for the errno of the calls of one thread (a ring, a control operation). */
    public static MemorySegment newCallState(Arena arena) {
        return arena.allocate(CALL_STATE);
    }

    /** The errno captured by the last call made with {@code state}. */
    public static int errno(MemorySegment state) {
        return (int) ERRNO.get(state, 0L);
    }

    public static int socket(MemorySegment state, int domain, int type, int protocol) {
        try {
            return (int) SOCKET.invokeExact(state, domain, type, protocol);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static int bind(MemorySegment state, int fd, MemorySegment address, int length) {
        try {
            return (int) BIND.invokeExact(state, fd, address, length);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static int setsockopt(MemorySegment state, int fd, int level, int name, MemorySegment value, int length) {
        try {
            return (int) SETSOCKOPT.invokeExact(state, fd, level, name, value, length);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static int getsockopt(MemorySegment state, int fd, int level, int name, MemorySegment value, MemorySegment length) {
        try {
            return (int) GETSOCKOPT.invokeExact(state, fd, level, name, value, length);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static long sendto(MemorySegment state, int fd, MemorySegment buffer, long length, int flags,
                              MemorySegment address, int addressLength) {
        try {
            return (long) SENDTO.invokeExact(state, fd, buffer, length, flags, address, addressLength);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static long recvfrom(MemorySegment state, int fd, MemorySegment buffer, long length, int flags) {
        try {
            return (long) RECVFROM.invokeExact(state, fd, buffer, length, flags, MemorySegment.NULL, MemorySegment.NULL);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static long read(MemorySegment state, int fd, MemorySegment buffer, long length) {
        try {
            return (long) READ.invokeExact(state, fd, buffer, length);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static long write(MemorySegment state, int fd, MemorySegment buffer, long length) {
        try {
            return (long) WRITE.invokeExact(state, fd, buffer, length);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** read(2) into {@code region[offset, offset + length)}; the range is checked, nothing is allocated. */
    public static long readAt(MemorySegment state, int fd, MemorySegment region, long offset, long length) {
        java.util.Objects.checkFromIndexSize(offset, length, region.byteSize());
        try {
            return (long) READ_AT.invokeExact(state, fd, region.address() + offset, length);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** write(2) from {@code region[offset, offset + length)}; the range is checked, nothing is allocated. */
    public static long writeAt(MemorySegment state, int fd, MemorySegment region, long offset, long length) {
        java.util.Objects.checkFromIndexSize(offset, length, region.byteSize());
        try {
            return (long) WRITE_AT.invokeExact(state, fd, region.address() + offset, length);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static int poll(MemorySegment state, MemorySegment fds, long count, int timeoutMillis) {
        try {
            return (int) POLL.invokeExact(state, fds, count, timeoutMillis);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * mmap(2) at {@code address} ({@link MemorySegment#NULL}: anywhere; with MAP_FIXED: there). The result is
     * NULL-based, so compare its address with {@link #MAP_FAILED}.
     */
    public static MemorySegment mmap(MemorySegment state, MemorySegment address, long length, int protection, int flags,
                                     int fd, long offset) {
        try {
            return (MemorySegment) MMAP.invokeExact(state, address, length, protection, flags, fd, offset);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static int munmap(MemorySegment state, MemorySegment address, long length) {
        try {
            return (int) MUNMAP.invokeExact(state, address, length);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static int ioctl(MemorySegment state, int fd, long request, MemorySegment argument) {
        try {
            return (int) IOCTL_PTR.invokeExact(state, fd, request, argument);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** ioctl(2) whose argument is a number (or unused, then 0), e.g. TUNSETOFFLOAD, NIOCTXSYNC. */
    public static int ioctl(MemorySegment state, int fd, long request, long argument) {
        try {
            return (int) IOCTL_INT.invokeExact(state, fd, request, argument);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static int open(MemorySegment state, MemorySegment path, int flags) {
        try {
            return (int) OPEN.invokeExact(state, path, flags, 0);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static int close(MemorySegment state, int fd) {
        try {
            return (int) CLOSE.invokeExact(state, fd);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** setns(2): moves the calling thread (only it) into the namespace {@code fd} refers to. */
    public static int setns(MemorySegment state, int fd, int type) {
        try {
            return (int) SETNS.invokeExact(state, fd, type);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** syscall(2) with an int, a pointer and a size, the shape of bpf(2): {@code bpf(cmd, attr, size)}. */
    public static long syscall(MemorySegment state, long number, long a, MemorySegment b, long c) {
        try {
            return (long) SYSCALL4.invokeExact(state, number, a, b, c);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** The C library's text for an errno value, e.g. "No such device". */
    public static String strerror(int errno) {
        try {
            MemorySegment text = (MemorySegment) STRERROR.invokeExact(errno);
            return text.reinterpret(256).getString(0);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static int pageSize() {
        try {
            return (int) GETPAGESIZE.invokeExact();
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    private static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) {
            throw r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        throw new IllegalStateException(t);
    }
}
