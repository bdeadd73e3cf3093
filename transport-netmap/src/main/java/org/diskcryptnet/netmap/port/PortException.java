package org.diskcryptnet.netmap.port;

/**
 * A port could not be opened or used. {@link #reason()} sorts the failure the way an operator acts on it
 * (wrong name, missing privilege, missing kernel support, device busy); {@link #errno()} is the system call's
 * error number, 0 when the failure did not come from one.
 */
public class PortException extends RuntimeException {

    /** What kind of failure, for a caller (or a test) that reacts to it. */
    public enum Reason {
        /** The named interface (or TAP device, netmap port) does not exist. */
        NO_SUCH_INTERFACE,
        /** The process lacks a privilege (root, CAP_NET_RAW, CAP_NET_ADMIN, CAP_BPF). */
        PERMISSION,
        /** The kernel lacks the feature or module (AF_XDP, netmap, a driver mode). */
        UNSUPPORTED,
        /** Another user holds the device or queue. */
        BUSY,
        /** The request does not fit the device (queue number, ring size, MTU). */
        INVALID,
        /** Anything else; the message says what. */
        OTHER
    }

    private final Reason reason;
    private final int errno;

    public PortException(Reason reason, String message) {
        this(reason, message, 0);
    }

    public PortException(Reason reason, String message, int errno) {
        super(message);
        this.reason = reason;
        this.errno = errno;
    }

    public Reason reason() {
        return reason;
    }

    public int errno() {
        return errno;
    }
}
