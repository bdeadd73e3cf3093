package org.diskcryptnet.netmap.port.linux;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * A region mapped with mmap(2) (sys/mman.h), unmapped when closed. The segment belongs to a shared arena that
 * closes with the region, so a ring touched after its port closed fails with an exception instead of a SIGSEGV.
 */
public final class MappedRegion implements AutoCloseable {

    public static final int PROT_READ = 0x1;
    public static final int PROT_WRITE = 0x2;
    public static final int MAP_SHARED = 0x01;
    public static final int MAP_PRIVATE = 0x02;
    public static final int MAP_FIXED = 0x10;
    public static final int MAP_ANONYMOUS = 0x20;
    public static final int MAP_POPULATE = 0x8000;

    private final Arena arena;
    private final MemorySegment segment;

    private MappedRegion(Arena arena, MemorySegment segment) {
        this.arena = arena;
        this.segment = segment;
    }

    /** Maps {@code length} bytes of {@code fd} at {@code offset}, read-write and shared (a ring of the kernel's). */
    public static MappedRegion mapShared(int fd, long length, long offset, String what) {
        return map(length, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, offset, what);
    }

    /** Page-aligned anonymous memory of {@code length} bytes (zeroed by the kernel, faulted in on first touch). */
    public static MappedRegion anonymous(long length, String what) {
        return map(length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0, what);
    }

    /**
     * {@code length} bytes of {@code fd} as {@link #mapShared} maps them, followed by {@code tail} bytes of
     * anonymous memory (none if 0), in one range: offsets into the kernel's ring and into memory of the process's
     * own go through one segment. The range is reserved anonymous first, and the file mapped over its start.
     */
    public static MappedRegion mapSharedWithTail(int fd, long length, long tail, String what) {
        if (tail == 0) {
            return mapShared(fd, length, 0, what);
        }
        MappedRegion whole = anonymous(length + tail, what);
        try {
            mmap(whole.segment, length, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE | MAP_FIXED, fd, 0, what);
        } catch (RuntimeException e) {
            whole.close();
            throw e;
        }
        return whole;
    }

    private static MappedRegion map(long length, int prot, int flags, int fd, long offset, String what) {
        MemorySegment address = mmap(MemorySegment.NULL, length, prot, flags, fd, offset, what);
        Arena arena = Arena.ofShared();
        MemorySegment segment = address.reinterpret(length, arena, s -> unmap(s, length));
        return new MappedRegion(arena, segment);
    }

    /** mmap(2) at {@code at} (NULL: anywhere); the mapping's address, or an exception naming {@code what}. */
    private static MemorySegment mmap(MemorySegment at, long length, int prot, int flags, int fd, long offset,
                                      String what) {
        MemorySegment address;
        int errno;
        try (Arena call = Arena.ofConfined()) {
            MemorySegment state = Libc.newCallState(call);
            address = Libc.mmap(state, at, length, prot, flags, fd, offset);
            errno = Libc.errno(state);
        }
        if (address.address() == Libc.MAP_FAILED) {
            throw Errno.failure("mmap " + what + " (" + length + " bytes)", errno);
        }
        return address;
    }

    private static void unmap(MemorySegment address, long length) {
        try (Arena call = Arena.ofConfined()) {
            Libc.munmap(Libc.newCallState(call), address, length);
        }
    }

    public MemorySegment segment() {
        return segment;
    }

    @Override
    public void close() {
        if (arena.scope().isAlive()) {
            arena.close();
        }
    }
}
