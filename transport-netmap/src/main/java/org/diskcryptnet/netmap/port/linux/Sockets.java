package org.diskcryptnet.netmap.port.linux;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.Arena;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;

/**
 * Socket-level constants shared by the AF_PACKET and AF_XDP ports (linux/socket.h, bits/socket_type.h,
 * asm-generic/fcntl.h), {@code struct pollfd} (poll.h), and small control-path helpers around setsockopt.
 */
public final class Sockets {

    public static final int AF_PACKET = 17;
    public static final int AF_XDP = 44;
    public static final int SOCK_RAW = 3;
    public static final int SOCK_NONBLOCK = 0x800;
    public static final int SOCK_CLOEXEC = 0x80000;
    public static final int SOL_SOCKET = 1;
    public static final int SO_RCVBUF = 8;
    /** SO_RCVBUF past net.core.rmem_max (CAP_NET_ADMIN). */
    public static final int SO_RCVBUFFORCE = 33;
    public static final int SO_SNDBUF = 7;
    public static final int SO_BUSY_POLL = 46;
    public static final int MSG_DONTWAIT = 0x40;

    public static final int O_RDWR = 02;
    public static final int O_NONBLOCK = 04000;
    public static final int O_CLOEXEC = 02000000;

    /** CLONE_NEWNET for setns(2) (linux/sched.h). */
    public static final int CLONE_NEWNET = 0x40000000;

    public static final StructLayout POLLFD = MemoryLayout.structLayout(
            JAVA_INT.withName("fd"), JAVA_SHORT.withName("events"), JAVA_SHORT.withName("revents"));
    public static final long POLLFD_EVENTS = POLLFD.byteOffset(MemoryLayout.PathElement.groupElement("events"));
    public static final long POLLFD_REVENTS = POLLFD.byteOffset(MemoryLayout.PathElement.groupElement("revents"));
    public static final short POLLIN = 0x1;
    public static final short POLLOUT = 0x4;
    public static final short POLLERR = 0x8;

    private Sockets() {}

    /** setsockopt with an int value, throwing a {@code PortException} that names {@code what}. */
    public static void setInt(MemorySegment state, Arena arena, int fd, int level, int name, int value, String what) {
        MemorySegment v = arena.allocateFrom(JAVA_INT, value);
        Errno.check(Libc.setsockopt(state, fd, level, name, v, 4), state, what);
    }

    /** Closes {@code fd} if it is open (>= 0), ignoring errors: for cleanup paths. */
    public static void closeQuietly(int fd) {
        if (fd >= 0) {
            try (Arena call = Arena.ofConfined()) {
                Libc.close(Libc.newCallState(call), fd);
            }
        }
    }
}
