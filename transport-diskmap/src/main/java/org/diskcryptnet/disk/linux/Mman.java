package org.diskcryptnet.disk.linux;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/**
 * mmap(2), munmap(2) and mincore(2) (include/uapi/asm-generic/mman-common.h). The rings are shared mappings of
 * the io_uring descriptor; mincore tells how many pages of a file the page cache holds, which is how the tests
 * show that {@code storage: direct} leaves the cache alone.
 */
public final class Mman {

    public static final int PROT_READ = 0x1;
    public static final int PROT_WRITE = 0x2;
    public static final int MAP_SHARED = 0x01;
    public static final int MAP_PRIVATE = 0x02;
    public static final int MAP_POPULATE = 0x008000;
    public static final long MAP_FAILED = -1L;
    public static final int PAGE_SIZE = 4096;

    private static final MethodHandle MMAP = Native.libc("mmap",
            FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG));
    private static final MethodHandle MUNMAP = Native.libc("munmap", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG));
    private static final MethodHandle MINCORE = Native.libc("mincore",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, ADDRESS));

    private Mman() {}

    /** mmap of {@code length} bytes of {@code fd} at {@code offset}; the segment is sized to the mapping. */
    public static MemorySegment map(int fd, long length, int prot, int flags, long offset, String what)
            throws LinuxException {
        MemorySegment box = Native.errnoBox();
        try {
            MemorySegment addr = (MemorySegment) MMAP.invokeExact(box, MemorySegment.NULL, length, prot, flags, fd, offset);
            if (addr.address() == MAP_FAILED) {
                throw new LinuxException("mmap(" + what + ", " + length + " bytes)", Native.errno(box));
            }
            return addr.reinterpret(length);
        } catch (LinuxException e) {
            throw e;
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }

    public static void unmap(MemorySegment mapping) {
        try {
            int ignored = (int) MUNMAP.invokeExact(Native.errnoBox(), mapping, mapping.byteSize());
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }

    /**
     * Pages of the file {@code fd} (of {@code size} bytes) that are resident in the page cache now: the file is
     * mapped (not touched) and mincore reports residency page by page.
     */
    public static long residentPages(int fd, long size) throws LinuxException {
        if (size == 0) {
            return 0;
        }
        MemorySegment map = map(fd, size, PROT_READ, MAP_SHARED, 0, "fd " + fd);
        try (Arena arena = Arena.ofConfined()) {
            long pages = (size + PAGE_SIZE - 1) / PAGE_SIZE;
            MemorySegment vec = arena.allocate(pages);
            MemorySegment box = Native.errnoBox();
            int r = (int) MINCORE.invokeExact(box, map, size, vec);
            if (r < 0) {
                throw new LinuxException("mincore(fd " + fd + ")", Native.errno(box));
            }
            long resident = 0;
            for (long i = 0; i < pages; i++) {
                resident += vec.get(JAVA_BYTE, i) & 1;
            }
            return resident;
        } catch (LinuxException e) {
            throw e;
        } catch (Throwable t) {
            throw Native.rethrow(t);
        } finally {
            unmap(map);
        }
    }
}
