package org.diskcryptnet.netmap.port.packet;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import org.diskcryptnet.netmap.port.PortException;
import org.diskcryptnet.netmap.port.linux.Errno;
import org.diskcryptnet.netmap.port.linux.Libc;
import org.diskcryptnet.netmap.port.linux.Sockets;

/**
 * Whether {@code packet:} ports can be opened here (like Netty's {@code Epoll}): an AF_PACKET socket needs
 * CAP_NET_RAW and a kernel with CONFIG_PACKET.
 */
public final class AfPacket {

    private static final Throwable UNAVAILABILITY_CAUSE = probe();

    private AfPacket() {}

    private static Throwable probe() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = Libc.newCallState(arena);
            int fd = Libc.socket(state, Sockets.AF_PACKET, Sockets.SOCK_RAW | Sockets.SOCK_CLOEXEC, 0);
            if (fd < 0) {
                int errno = Libc.errno(state);
                return errno == Errno.EAFNOSUPPORT
                        ? new PortException(PortException.Reason.UNSUPPORTED, "AF_PACKET: kernel without CONFIG_PACKET", errno)
                        : Errno.failure("AF_PACKET: socket(AF_PACKET, SOCK_RAW)", errno);
            }
            Libc.close(state, fd);
            return null;
        } catch (Throwable t) {
            return t;
        }
    }

    public static boolean isAvailable() {
        return UNAVAILABILITY_CAUSE == null;
    }

    /** Why {@link #isAvailable()} is false, or null. */
    public static Throwable unavailabilityCause() {
        return UNAVAILABILITY_CAUSE;
    }

    public static void ensureAvailability() {
        if (UNAVAILABILITY_CAUSE instanceof PortException e) {
            throw new PortException(e.reason(), e.getMessage(), e.errno());
        }
        if (UNAVAILABILITY_CAUSE != null) {
            throw new PortException(PortException.Reason.UNSUPPORTED, "AF_PACKET unavailable: " + UNAVAILABILITY_CAUSE);
        }
    }
}
