package org.diskcryptnet.netmap.channel;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

import org.diskcryptnet.netmap.port.linux.Libc;

/**
 * An eventfd(2) counter, the cross-thread wake-up of a loop that blocks in poll(2) on its port: another thread
 * adds 1, poll reports the descriptor readable, the loop reads the counter back to 0. Non-blocking, so neither
 * side can hang on it. This class owns the eventfd ABI (sys/eventfd.h) for the transport.
 */
final class EventFd implements AutoCloseable {

    /** EFD_NONBLOCK and EFD_CLOEXEC of sys/eventfd.h (the O_ values on x86-64 and arm64). */
    static final int EFD_NONBLOCK = 04000;
    static final int EFD_CLOEXEC = 02000000;

    private static final MethodHandle EVENTFD = Linker.nativeLinker().downcallHandle(
            Linker.nativeLinker().defaultLookup().findOrThrow("eventfd"),
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT),
            Linker.Option.captureCallState("errno"));

    private final Arena arena = Arena.ofShared();
    private final int fd;
    /** Per side, so that the loop and a waking thread never share the errno capture or the 8-byte buffer. */
    private final MemorySegment loopState;
    private final MemorySegment loopBuffer;
    private final MemorySegment wakerState;
    private final MemorySegment one;

    EventFd() {
        MemorySegment openState = Libc.newCallState(arena);
        int f;
        try {
            f = (int) EVENTFD.invokeExact(openState, 0, EFD_NONBLOCK | EFD_CLOEXEC);
        } catch (Throwable t) {
            arena.close();
            throw new IllegalStateException("eventfd: " + t, t);
        }
        if (f < 0) {
            int errno = Libc.errno(openState);
            arena.close();
            throw new IllegalStateException("eventfd: " + Libc.strerror(errno));
        }
        this.fd = f;
        this.loopState = Libc.newCallState(arena);
        this.loopBuffer = arena.allocate(JAVA_LONG);
        this.wakerState = Libc.newCallState(arena);
        this.one = arena.allocateFrom(JAVA_LONG, 1L);
    }

    /** Creates and closes one, for {@link Netmap}'s probe. */
    static void probe() {
        new EventFd().close();
    }

    int fd() {
        return fd;
    }

    /**
     * Adds 1 (any thread). Wakers are serialised by the caller's flag (at most one signal per sleep), so the
     * shared state segment is never written by two threads at once.
     */
    void signal() {
        Libc.write(wakerState, fd, one, 8);
    }

    /** Resets the counter to 0 (loop thread); harmless when it already is. */
    void drain() {
        Libc.read(loopState, fd, loopBuffer, 8);
    }

    @Override
    public void close() {
        Libc.close(loopState, fd);
        arena.close();
    }
}
