package org.diskcryptnet.disk.linux;

import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/**
 * The three io_uring system calls (io_uring_setup(2), io_uring_enter(2), io_uring_register(2)), which glibc
 * does not wrap: called through syscall(2). Structures and constants are in
 * {@code org.diskcryptnet.disk.uring.IoUringAbi}.
 */
public final class IoUringSyscalls {

    private static final MethodHandle SYSCALL2 = Native.syscall(2);
    private static final MethodHandle SYSCALL4 = Native.syscall(4);
    private static final MethodHandle SYSCALL6 = Native.syscall(6);

    private IoUringSyscalls() {}

    /** Returns the ring's descriptor; {@code params} is an io_uring_params the kernel completes. */
    public static long setup(int entries, MemorySegment params) throws LinuxException {
        MemorySegment box = Native.errnoBox();
        try {
            long r = (long) SYSCALL2.invokeExact(box, Native.SYS_IO_URING_SETUP, (long) entries, params.address());
            if (r < 0) {
                int errno = Native.errno(box);
                throw new LinuxException("io_uring_setup", errno, switch (errno) {
                    case Errno.EPERM -> "io_uring is disabled for this process (kernel.io_uring_disabled, seccomp or a container policy)";
                    case Errno.ENOSYS -> "the kernel has no io_uring";
                    case Errno.EINVAL -> "a setup flag is not supported by this kernel";
                    case Errno.ENOMEM -> "not enough locked memory for the rings (RLIMIT_MEMLOCK)";
                    default -> "cannot create a ring";
                });
            }
            return r;
        } catch (LinuxException e) {
            throw e;
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }

    /** Returns the raw result: >= 0 SQEs consumed, -1 with errno in {@code box}. No sigset (argument 5 null). */
    public static long enter(MemorySegment box, int ringFd, int toSubmit, int minComplete, int flags) {
        try {
            return (long) SYSCALL6.invokeExact(box, Native.SYS_IO_URING_ENTER, (long) ringFd, (long) toSubmit,
                    (long) minComplete, (long) flags, 0L, 0L);
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }

    /** Returns the raw result: >= 0 success, -1 with errno in {@code box}. */
    public static long register(MemorySegment box, int ringFd, int opcode, MemorySegment arg, int nrArgs) {
        try {
            return (long) SYSCALL4.invokeExact(box, Native.SYS_IO_URING_REGISTER, (long) ringFd, (long) opcode,
                    arg.address(), (long) nrArgs);
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }
}
