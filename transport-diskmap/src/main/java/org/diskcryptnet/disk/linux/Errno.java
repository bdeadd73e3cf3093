package org.diskcryptnet.disk.linux;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/** errno values (include/uapi/asm-generic/errno-base.h, errno.h) that the disk code answers differently. */
public final class Errno {

    public static final int EPERM = 1;
    public static final int ENOENT = 2;
    public static final int EINTR = 4;
    public static final int EIO = 5;
    public static final int ENXIO = 6;
    public static final int EBADF = 9;
    public static final int EAGAIN = 11;
    public static final int ENOMEM = 12;
    public static final int EACCES = 13;
    public static final int EFAULT = 14;
    public static final int ENOTBLK = 15;
    public static final int EBUSY = 16;
    public static final int EEXIST = 17;
    public static final int EXDEV = 18;
    public static final int ENODEV = 19;
    public static final int ENOTDIR = 20;
    public static final int EISDIR = 21;
    public static final int EINVAL = 22;
    public static final int ENFILE = 23;
    public static final int EMFILE = 24;
    public static final int ENOTTY = 25;
    public static final int ENOSPC = 28;
    public static final int ENAMETOOLONG = 36;
    public static final int ENOSYS = 38;
    public static final int ELOOP = 40;
    public static final int ENODATA = 61;
    public static final int EOPNOTSUPP = 95;
    public static final int ETIME = 62;
    public static final int ECANCELED = 125;

    private static final String[] NAMES = new String[134];

    static {
        String[] pairs = {"1 EPERM", "2 ENOENT", "3 ESRCH", "4 EINTR", "5 EIO", "6 ENXIO", "7 E2BIG", "8 ENOEXEC",
                "9 EBADF", "11 EAGAIN", "12 ENOMEM", "13 EACCES", "14 EFAULT", "15 ENOTBLK", "16 EBUSY", "17 EEXIST",
                "18 EXDEV", "19 ENODEV", "20 ENOTDIR", "21 EISDIR", "22 EINVAL", "23 ENFILE", "24 EMFILE",
                "25 ENOTTY", "27 EFBIG", "28 ENOSPC", "30 EROFS", "36 ENAMETOOLONG", "38 ENOSYS", "40 ELOOP",
                "61 ENODATA", "62 ETIME", "75 EOVERFLOW", "95 EOPNOTSUPP", "110 ETIMEDOUT", "121 EREMOTEIO",
                "125 ECANCELED"};
        for (String p : pairs) {
            int space = p.indexOf(' ');
            NAMES[Integer.parseInt(p.substring(0, space))] = p.substring(space + 1);
        }
    }

    private static final MethodHandle STRERROR = Native.libcNoErrno("strerror",
            FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.JAVA_INT));

    private Errno() {}

    /** {@code "EXDEV (Invalid cross-device link)"}. */
    public static String describe(int errno) {
        String name = errno > 0 && errno < NAMES.length && NAMES[errno] != null ? NAMES[errno] : "errno " + errno;
        try {
            MemorySegment text = (MemorySegment) STRERROR.invokeExact(errno);
            return name + " (" + text.reinterpret(256).getString(0) + ")";
        } catch (Throwable t) {
            return name;
        }
    }
}
