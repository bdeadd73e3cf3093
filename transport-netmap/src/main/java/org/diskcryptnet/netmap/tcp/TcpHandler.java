package org.diskcryptnet.netmap.tcp;

/**
 * Receives a connection's events (what a Netty channel turns into pipeline events). Events are collected while
 * the loop processes received segments and timers and delivered afterwards by {@link TcpLayer#dispatchEvents()},
 * never from inside segment processing, so a handler may read, write, shut down or close freely.
 * One event of each kind per dispatch at most.
 */
public interface TcpHandler {

    /** Our {@link TcpLayer#connect} completed its handshake (RFC 9293: SYN_SENT to ESTABLISHED). */
    default void connected(TcpConnection connection) {
    }

    /** In-order bytes arrived ({@link TcpConnection#readableBytes()} grew) or end of input was reached. */
    default void readable(TcpConnection connection) {
    }

    /** Send space became available after a write found the send queue full. */
    default void writable(TcpConnection connection) {
    }

    /** The peer's FIN arrived: after the bytes already readable there is no more input (half-close). */
    default void inputShutdown(TcpConnection connection) {
    }

    /**
     * The connection is over for this handler. After this returns the object may be reused for another
     * connection: keep {@link TcpConnection#id()} to tell them apart, not the reference.
     */
    default void closed(TcpConnection connection, TcpCloseCause cause) {
    }
}
