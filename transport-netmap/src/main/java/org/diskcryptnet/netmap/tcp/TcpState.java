package org.diskcryptnet.netmap.tcp;

/** The connection states of RFC 9293 section 3.3.2 (LISTEN belongs to a {@link TcpListener}, not a connection). */
public enum TcpState {
    CLOSED,
    LISTEN,
    SYN_SENT,
    SYN_RECEIVED,
    ESTABLISHED,
    FIN_WAIT_1,
    FIN_WAIT_2,
    CLOSE_WAIT,
    CLOSING,
    LAST_ACK,
    TIME_WAIT;

    /** States after the handshake in which RFC 9293 section 3.10.7.4 applies the "synchronized" rules. */
    public boolean synchronizedState() {
        return ordinal() >= ESTABLISHED.ordinal();
    }

    /** States in which received data is delivered (RFC 9293 section 3.10.7.4, "seventh, process the segment text"). */
    boolean receivesData() {
        return this == ESTABLISHED || this == FIN_WAIT_1 || this == FIN_WAIT_2;
    }

    /** States in which our FIN has been queued (the user closed or shut down output). */
    boolean finQueued() {
        return this == FIN_WAIT_1 || this == FIN_WAIT_2 || this == CLOSING || this == LAST_ACK || this == TIME_WAIT;
    }

    private static final TcpState[] VALUES = values();

    static TcpState of(int ordinal) {
        return VALUES[ordinal];
    }
}
