package org.diskcryptnet.netmap.port.linux;

import java.lang.foreign.MemorySegment;

import org.diskcryptnet.netmap.port.PortException;
import org.diskcryptnet.netmap.port.PortException.Reason;

/**
 * Linux errno values (asm-generic/errno-base.h, asm-generic/errno.h) the ports react to, and the translation of a
 * failed control-path call into a {@link PortException} whose message names the call, the object and the cure.
 */
public final class Errno {

    public static final int EPERM = 1;
    public static final int ENOENT = 2;
    public static final int EINTR = 4;
    public static final int ENXIO = 6;
    public static final int EBADF = 9;
    public static final int EAGAIN = 11;
    public static final int ENOMEM = 12;
    public static final int EACCES = 13;
    public static final int EBUSY = 16;
    public static final int EEXIST = 17;
    public static final int ENODEV = 19;
    public static final int EINVAL = 22;
    public static final int ENOSPC = 28;
    public static final int ENOSYS = 38;
    public static final int ENOTSUP = 95;
    public static final int EAFNOSUPPORT = 97;
    public static final int ENETDOWN = 100;
    public static final int ENOBUFS = 105;

    private Errno() {}

    /** Symbolic name and text, e.g. {@code ENODEV (No such device)}. */
    public static String describe(int errno) {
        String name = switch (errno) {
            case EPERM -> "EPERM";
            case ENOENT -> "ENOENT";
            case EINTR -> "EINTR";
            case ENXIO -> "ENXIO";
            case EBADF -> "EBADF";
            case EAGAIN -> "EAGAIN";
            case ENOMEM -> "ENOMEM";
            case EACCES -> "EACCES";
            case EBUSY -> "EBUSY";
            case EEXIST -> "EEXIST";
            case ENODEV -> "ENODEV";
            case EINVAL -> "EINVAL";
            case ENOSPC -> "ENOSPC";
            case ENOSYS -> "ENOSYS";
            case ENOTSUP -> "EOPNOTSUPP";
            case EAFNOSUPPORT -> "EAFNOSUPPORT";
            case ENETDOWN -> "ENETDOWN";
            case ENOBUFS -> "ENOBUFS";
            default -> "errno " + errno;
        };
        return name + " (" + Libc.strerror(errno) + ")";
    }

    /** The usual reading of an errno from a control call; a caller that knows better passes its own. */
    public static Reason reasonOf(int errno) {
        return switch (errno) {
            case EPERM, EACCES -> Reason.PERMISSION;
            case ENODEV, ENXIO -> Reason.NO_SUCH_INTERFACE;
            case EAFNOSUPPORT, ENOSYS, ENOTSUP -> Reason.UNSUPPORTED;
            case EBUSY, EEXIST -> Reason.BUSY;
            case EINVAL -> Reason.INVALID;
            default -> Reason.OTHER;
        };
    }

    /** {@code what} failed with {@code errno}: the exception, with a hint for a missing privilege. */
    public static PortException failure(String what, int errno) {
        Reason reason = reasonOf(errno);
        String hint = reason == Reason.PERMISSION ? ": run as root (or with CAP_NET_RAW, CAP_NET_ADMIN and CAP_BPF)" : "";
        return new PortException(reason, what + ": " + describe(errno) + hint, errno);
    }

    /** Returns {@code result}, or throws {@link #failure} with the errno captured in {@code state} if it is negative. */
    public static long check(long result, MemorySegment state, String what) {
        if (result < 0) {
            throw failure(what, Libc.errno(state));
        }
        return result;
    }

    public static int check(int result, MemorySegment state, String what) {
        if (result < 0) {
            throw failure(what, Libc.errno(state));
        }
        return result;
    }
}
