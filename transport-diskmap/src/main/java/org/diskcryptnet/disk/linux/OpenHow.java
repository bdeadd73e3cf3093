package org.diskcryptnet.disk.linux;

import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;

/**
 * openat2(2) and its {@code struct open_how} (include/uapi/linux/openat2.h). The origin opens content with
 * {@link #RESOLVE_BENEATH}: the kernel itself refuses any path that leaves the content root's directory
 * descriptor, through "..", an absolute path or a symbolic link, with EXDEV; no race between check and open.
 */
public final class OpenHow {

    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            JAVA_LONG.withName("flags"),
            JAVA_LONG.withName("mode"),
            JAVA_LONG.withName("resolve"));

    private static final long FLAGS = LAYOUT.byteOffset(MemoryLayout.PathElement.groupElement("flags"));
    private static final long RESOLVE = LAYOUT.byteOffset(MemoryLayout.PathElement.groupElement("resolve"));

    public static final long RESOLVE_NO_XDEV = 0x01;
    public static final long RESOLVE_NO_MAGICLINKS = 0x02;
    public static final long RESOLVE_NO_SYMLINKS = 0x04;
    public static final long RESOLVE_BENEATH = 0x08;
    public static final long RESOLVE_IN_ROOT = 0x10;

    private static final MethodHandle SYSCALL4 = Native.syscall(4);

    private OpenHow() {}

    /** openat2(dirFd, path, {flags, 0, resolve}); returns the descriptor. */
    public static int openat2(int dirFd, String path, int flags, long resolve) throws LinuxException {
        MemorySegment box = Native.errnoBox();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment how = arena.allocate(LAYOUT);
            how.set(JAVA_LONG, FLAGS, flags & 0xFFFF_FFFFL);
            how.set(JAVA_LONG, RESOLVE, resolve);
            MemorySegment p = arena.allocateFrom(path);
            long fd = (long) SYSCALL4.invokeExact(box, Native.SYS_OPENAT2, (long) dirFd, p.address(), how.address(),
                    LAYOUT.byteSize());
            if (fd < 0) {
                throw new LinuxException("openat2(" + path + ")", Native.errno(box));
            }
            return (int) fd;
        } catch (LinuxException e) {
            throw e;
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }
}
