package org.diskcryptnet.netmap.tcp;

/** Why a connection ended, as reported to its {@link TcpHandler#closed}. */
public enum TcpCloseCause {
    /** Both sides closed (FIN exchanged and acknowledged). */
    NORMAL,
    /** The peer reset the connection (RST accepted per RFC 5961 section 3.2). */
    RESET,
    /** The peer refused the connection attempt (RST in answer to our SYN). */
    REFUSED,
    /** Retransmissions, SYN retries or keepalive probes went unanswered (RFC 9293 section 3.8.3, R2). */
    TIMED_OUT,
    /** We reset it: {@link TcpConnection#abort()}, data lost at close (RFC 1122 section 4.2.2.13) or an error. */
    ABORTED,
    /** A regenerable send source failed to produce bytes it had promised (e.g. a disk read error). */
    SOURCE_FAILED
}
