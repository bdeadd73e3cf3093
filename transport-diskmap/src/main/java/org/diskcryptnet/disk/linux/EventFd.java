package org.diskcryptnet.disk.linux;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/**
 * eventfd(2): a counter the kernel bumps when a ring posts a completion (IORING_REGISTER_EVENTFD), so an
 * event loop can wait for disk completions in the same epoll_wait as its sockets. Owned by one thread.
 */
public final class EventFd implements AutoCloseable {

    public static final int EFD_CLOEXEC = 02000000;
    public static final int EFD_NONBLOCK = 04000;

    private static final MethodHandle EVENTFD = Native.libc("eventfd", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle READ = Native.libc("read", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));
    private static final MethodHandle WRITE = Native.libc("write", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));

    private final int fd;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment value = arena.allocate(JAVA_LONG);
    private final MemorySegment box = Native.newErrnoBox(arena);

    private EventFd(int fd) {
        this.fd = fd;
    }

    /** A non-blocking eventfd, or a blocking one for a thread that waits on it. */
    public static EventFd create(boolean nonBlocking) throws LinuxException {
        MemorySegment box = Native.errnoBox();
        try {
            int fd = (int) EVENTFD.invokeExact(box, 0, EFD_CLOEXEC | (nonBlocking ? EFD_NONBLOCK : 0));
            if (fd < 0) {
                throw new LinuxException("eventfd", Native.errno(box));
            }
            return new EventFd(fd);
        } catch (LinuxException e) {
            throw e;
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }

    public int fd() {
        return fd;
    }

    /** Reads and resets the counter; 0 when it was already 0 (non-blocking) or the descriptor is closed. */
    public long drain() {
        try {
            long r = (long) READ.invokeExact(box, fd, value, 8L);
            return r == 8 ? value.get(JAVA_LONG, 0) : 0;
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }

    /** Adds {@code n} to the counter, waking a reader. */
    public void signal(long n) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment v = a.allocate(JAVA_LONG);
            v.set(JAVA_LONG, 0, n);
            long ignored = (long) WRITE.invokeExact(Native.errnoBox(), fd, v, 8L);
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }

    @Override
    public void close() {
        Fcntl.close(fd);
        arena.close();
    }
}
