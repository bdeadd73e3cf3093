package org.diskcryptnet.netmap.channel;

import java.util.Locale;

import org.diskcryptnet.netmap.port.PortUri;
import org.diskcryptnet.netmap.port.Ports;

/**
 * Whether the netmap transport can run here, in the manner of Netty's {@code Epoll.isAvailable()}: the transport
 * needs Linux and Panama native access (FFM downcalls for poll(2), eventfd(2) and the kernel ports); each port
 * kind then has its own probe ({@link #unavailabilityCause(PortUri.Kind)}: AF_XDP, TAP, AF_PACKET, the netmap
 * module). {@code pipe:} ports need nothing beyond the JVM.
 */
public final class Netmap {

    private static final Throwable UNAVAILABILITY_CAUSE = probe();

    private Netmap() {
    }

    private static Throwable probe() {
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        if (!os.contains("linux")) {
            return new UnsupportedOperationException("the netmap transport runs on Linux only, not " + os);
        }
        Module module = Netmap.class.getModule();
        if (!module.isNativeAccessEnabled()) {
            return new UnsupportedOperationException("native access is not enabled for " + module
                    + ": start the JVM with --enable-native-access=ALL-UNNAMED");
        }
        try {
            EventFd.probe();
        } catch (Throwable t) {
            return new UnsupportedOperationException("eventfd(2) through FFM failed: " + t, t);
        }
        return null;
    }

    /** Whether the transport itself (with {@code pipe:} ports) works in this JVM. */
    public static boolean isAvailable() {
        return UNAVAILABILITY_CAUSE == null;
    }

    /** Why the transport cannot run here, or null. */
    public static Throwable unavailabilityCause() {
        return UNAVAILABILITY_CAUSE;
    }

    /** Throws {@link UnsatisfiedLinkError} carrying the cause if the transport cannot run here. */
    public static void ensureAvailability() {
        if (UNAVAILABILITY_CAUSE != null) {
            throw (Error) new UnsatisfiedLinkError("the netmap transport is unavailable: "
                    + UNAVAILABILITY_CAUSE.getMessage()).initCause(UNAVAILABILITY_CAUSE);
        }
    }

    /** Whether ports of {@code kind} can be opened here (and the transport runs at all). */
    public static boolean isAvailable(PortUri.Kind kind) {
        return unavailabilityCause(kind) == null;
    }

    /** Why ports of {@code kind} cannot be used here (human-readable, naming the cure), or null. */
    public static Throwable unavailabilityCause(PortUri.Kind kind) {
        return UNAVAILABILITY_CAUSE != null ? UNAVAILABILITY_CAUSE : Ports.unavailabilityCause(kind);
    }
}
