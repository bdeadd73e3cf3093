package org.diskcryptnet.disk.linux;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/**
 * ioctl(2) and the request-number encoding of include/uapi/asm-generic/ioctl.h:
 * {@code dir << 30 | size << 16 | type << 8 | nr}, with dir 1 = write (to the kernel), 2 = read.
 */
public final class Ioctl {

    private static final int NONE = 0;
    private static final int WRITE = 1;
    private static final int READ = 2;

    /** {@code int ioctl(int fd, unsigned long request, ...)}: variadic from the third argument. */
    private static final MethodHandle IOCTL = Native.libcVariadic("ioctl",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS), 2);

    private Ioctl() {}

    public static long io(int type, int nr) {
        return encode(NONE, type, nr, 0);
    }

    public static long ior(int type, int nr, long size) {
        return encode(READ, type, nr, size);
    }

    public static long iowr(int type, int nr, long size) {
        return encode(READ | WRITE, type, nr, size);
    }

    private static long encode(int dir, int type, int nr, long size) {
        return ((long) dir << 30) | (size << 16) | ((long) type << 8) | nr;
    }

    /** ioctl(fd, request, arg) returning its non-negative result, or throwing with errno. */
    public static int ioctl(int fd, long request, MemorySegment arg, String what) throws LinuxException {
        MemorySegment box = Native.errnoBox();
        try {
            int r = (int) IOCTL.invokeExact(box, fd, request, arg);
            if (r < 0) {
                throw new LinuxException(what, Native.errno(box));
            }
            return r;
        } catch (LinuxException e) {
            throw e;
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }
}
