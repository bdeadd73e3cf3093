package org.diskcryptnet.disk.linux;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

/**
 * The plumbing every kernel binding of this package shares: the C linker, libc's symbols and the errno that a
 * failed call leaves behind. Not an ABI of its own: the structures and constants live in one class per kernel
 * interface ({@link Statx}, {@link Fiemap}, ...). Functions are bound with errno capture, so a caller passes a
 * small capture segment first: {@link #errnoBox()} gives each thread its own, reused, so a call allocates nothing.
 */
public final class Native {

    static final Linker LINKER = Linker.nativeLinker();
    static final SymbolLookup LIBC = LINKER.defaultLookup();
    private static final StructLayout CAPTURE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CAPTURE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final Linker.Option CAPTURE_ERRNO = Linker.Option.captureCallState("errno");
    private static final ThreadLocal<MemorySegment> BOXES =
            ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(CAPTURE));

    /** x86_64 system call numbers (arch/x86/entry/syscalls/syscall_64.tbl) for calls glibc 2.36 does not wrap. */
    static final long SYS_IO_URING_SETUP = 425;
    static final long SYS_IO_URING_ENTER = 426;
    static final long SYS_IO_URING_REGISTER = 427;
    static final long SYS_OPENAT2 = 437;

    private Native() {}

    /** True on the one architecture whose system call numbers this package knows. */
    public static boolean supportedArchitecture() {
        String arch = System.getProperty("os.arch", "");
        return System.getProperty("os.name", "").equals("Linux") && (arch.equals("amd64") || arch.equals("x86_64"));
    }

    /** A capture segment for this thread's calls; read it with {@link #errno(MemorySegment)} right after a call. */
    public static MemorySegment errnoBox() {
        return BOXES.get();
    }

    /** A capture segment owned by the caller (a ring keeps its own, so its hot path skips the thread-local). */
    public static MemorySegment newErrnoBox(Arena arena) {
        return arena.allocate(CAPTURE);
    }

    public static int errno(MemorySegment box) {
        return (int) ERRNO.get(box, 0L);
    }

    /** A libc function whose first parameter becomes the errno capture segment. */
    static MethodHandle libc(String name, FunctionDescriptor descriptor) {
        MemorySegment symbol = LIBC.find(name).orElseThrow(() -> new UnsatisfiedLinkError("libc has no " + name));
        return LINKER.downcallHandle(symbol, descriptor, CAPTURE_ERRNO);
    }

    /** A variadic libc function (its fixed parameters end before {@code firstVariadic}), with errno capture. */
    static MethodHandle libcVariadic(String name, FunctionDescriptor descriptor, int firstVariadic) {
        MemorySegment symbol = LIBC.find(name).orElseThrow(() -> new UnsatisfiedLinkError("libc has no " + name));
        return LINKER.downcallHandle(symbol, descriptor, CAPTURE_ERRNO, Linker.Option.firstVariadicArg(firstVariadic));
    }

    /** A libc function that cannot fail (or whose failure carries no errno worth reading). */
    static MethodHandle libcNoErrno(String name, FunctionDescriptor descriptor) {
        MemorySegment symbol = LIBC.find(name).orElseThrow(() -> new UnsatisfiedLinkError("libc has no " + name));
        return LINKER.downcallHandle(symbol, descriptor);
    }

    /**
     * {@code long syscall(long number, ...)} with {@code args} long arguments after the number
     * (syscall(2): variadic, so the linker is told where the variadic part starts).
     */
    static MethodHandle syscall(int args) {
        MemoryLayout[] params = new MemoryLayout[args + 1];
        java.util.Arrays.fill(params, ValueLayout.JAVA_LONG);
        MemorySegment symbol = LIBC.find("syscall").orElseThrow();
        return LINKER.downcallHandle(symbol, FunctionDescriptor.of(ValueLayout.JAVA_LONG, params),
                CAPTURE_ERRNO, Linker.Option.firstVariadicArg(1));
    }

    /** Rethrows what a downcall threw: they declare Throwable, but only fail on linkage or argument errors. */
    static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) {
            return r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        return new IllegalStateException(t);
    }
}
