package org.diskcryptnet.netmap.port.xdp;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import org.diskcryptnet.netmap.port.PortException;
import org.diskcryptnet.netmap.port.linux.Errno;
import org.diskcryptnet.netmap.port.linux.Libc;
import org.diskcryptnet.netmap.port.linux.Sockets;

/**
 * Whether {@code xdp:} ports can be opened here: an AF_XDP socket (CONFIG_XDP_SOCKETS, CAP_NET_RAW) and an XSKMAP
 * (bpf(2), CAP_BPF and CAP_NET_ADMIN) must both be creatable.
 */
public final class Xdp {

    private static final Throwable UNAVAILABILITY_CAUSE = probe();

    private Xdp() {}

    private static Throwable probe() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = Libc.newCallState(arena);
            int fd = Libc.socket(state, Sockets.AF_XDP, Sockets.SOCK_RAW | Sockets.SOCK_CLOEXEC, 0);
            if (fd < 0) {
                int errno = Libc.errno(state);
                return errno == Errno.EAFNOSUPPORT
                        ? new PortException(PortException.Reason.UNSUPPORTED, "AF_XDP: kernel without CONFIG_XDP_SOCKETS", errno)
                        : Errno.failure("AF_XDP: socket(AF_XDP, SOCK_RAW)", errno);
            }
            Libc.close(state, fd);
            XdpRedirectProgram.load(1).close(); // map + program: bpf(2) and the verifier accept them
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
            throw new PortException(PortException.Reason.UNSUPPORTED, "AF_XDP unavailable: " + UNAVAILABILITY_CAUSE);
        }
    }
}
