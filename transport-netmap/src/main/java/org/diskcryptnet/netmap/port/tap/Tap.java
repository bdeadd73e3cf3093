package org.diskcryptnet.netmap.port.tap;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import org.diskcryptnet.netmap.port.PortException;
import org.diskcryptnet.netmap.port.linux.Errno;
import org.diskcryptnet.netmap.port.linux.Libc;
import org.diskcryptnet.netmap.port.linux.Sockets;

/** Whether {@code tap:} ports can be opened here: {@code /dev/net/tun} must open (CONFIG_TUN, CAP_NET_ADMIN to create). */
public final class Tap {

    private static final Throwable UNAVAILABILITY_CAUSE = probe();

    private Tap() {}

    private static Throwable probe() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = Libc.newCallState(arena);
            int fd = Libc.open(state, arena.allocateFrom(TunAbi.DEVICE), Sockets.O_RDWR | Sockets.O_CLOEXEC);
            if (fd < 0) {
                int errno = Libc.errno(state);
                return errno == Errno.ENOENT || errno == Errno.ENODEV
                        ? new PortException(PortException.Reason.UNSUPPORTED,
                                TunAbi.DEVICE + " missing: kernel without CONFIG_TUN (modprobe tun)", errno)
                        : Errno.failure("open " + TunAbi.DEVICE, errno);
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

    public static Throwable unavailabilityCause() {
        return UNAVAILABILITY_CAUSE;
    }

    public static void ensureAvailability() {
        if (UNAVAILABILITY_CAUSE instanceof PortException e) {
            throw new PortException(e.reason(), e.getMessage(), e.errno());
        }
        if (UNAVAILABILITY_CAUSE != null) {
            throw new PortException(PortException.Reason.UNSUPPORTED, "TAP unavailable: " + UNAVAILABILITY_CAUSE);
        }
    }
}
