package org.diskcryptnet.bench.system.testbed;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Path;

/**
 * Drops the page-cache pages of one file, whoever's cgroup they are charged to: {@code posix_fadvise(fd, 0, 0,
 * POSIX_FADV_DONTNEED)} (posix_fadvise(2)). Clean pages go at once; the catalog is written with O_DIRECT and never
 * dirtied, so that is all of them. This class owns the constants of that ABI (fcntl.h).
 */
public final class PageCache {

    /** fcntl.h: open(2) flags. */
    private static final int O_RDONLY = 0, O_CLOEXEC = 0x80000;
    /** fcntl.h: posix_fadvise(2) advice. */
    private static final int POSIX_FADV_DONTNEED = 4;

    private static final MethodHandle OPEN, FADVISE, CLOSE;

    static {
        Linker linker = Linker.nativeLinker();
        SymbolLookup libc = linker.defaultLookup();
        OPEN = linker.downcallHandle(libc.find("open").orElseThrow(),
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT),
                Linker.Option.firstVariadicArg(2));
        FADVISE = linker.downcallHandle(libc.find("posix_fadvise").orElseThrow(),
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG,
                        ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT));
        CLOSE = linker.downcallHandle(libc.find("close").orElseThrow(),
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
    }

    private PageCache() {}

    /** Evicts the file's cached pages; false if it could not be opened or advised. */
    public static boolean evict(Path file) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment name = arena.allocateFrom(file.toString());
            int fd = (int) OPEN.invokeExact(name, O_RDONLY | O_CLOEXEC);
            if (fd < 0) {
                return false;
            }
            try {
                return (int) FADVISE.invokeExact(fd, 0L, 0L, POSIX_FADV_DONTNEED) == 0;
            } finally {
                int ignored = (int) CLOSE.invokeExact(fd);
            }
        } catch (Throwable t) {
            throw new IllegalStateException("posix_fadvise through FFM failed", t);
        }
    }
}
