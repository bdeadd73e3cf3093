package org.diskcryptnet.netmap.channel;

import io.netty.channel.IoEvent;

import org.diskcryptnet.netmap.tcp.TcpCloseCause;

/**
 * What the loop tells a {@link NetmapIoHandle}: the events of the userspace TCP connection behind a channel, as
 * {@code EPOLLIN}/{@code EPOLLOUT}/{@code EPOLLRDHUP} are for an epoll channel. Constants, so delivering one
 * allocates nothing.
 */
public enum NetmapIoEvent implements IoEvent {
    /** The active open completed (SYN_SENT to ESTABLISHED). */
    CONNECTED(null),
    /** In-order bytes are readable, or the channel asked to read again ({@link NetmapIoOps#READ}). */
    READABLE(null),
    /** Send space opened after the channel stopped writing for lack of it. */
    WRITABLE(null),
    /** The peer's FIN arrived: after the readable bytes, input is over. */
    INPUT_SHUTDOWN(null),
    CLOSED_NORMAL(TcpCloseCause.NORMAL),
    CLOSED_RESET(TcpCloseCause.RESET),
    CLOSED_REFUSED(TcpCloseCause.REFUSED),
    CLOSED_TIMED_OUT(TcpCloseCause.TIMED_OUT),
    CLOSED_ABORTED(TcpCloseCause.ABORTED),
    CLOSED_SOURCE_FAILED(TcpCloseCause.SOURCE_FAILED);

    private final TcpCloseCause cause;

    NetmapIoEvent(TcpCloseCause cause) {
        this.cause = cause;
    }

    /** For the CLOSED_ events: why the connection ended; null for the others. */
    public TcpCloseCause closeCause() {
        return cause;
    }

    public boolean isClosed() {
        return cause != null;
    }

    static NetmapIoEvent closed(TcpCloseCause cause) {
        return switch (cause) {
            case NORMAL -> CLOSED_NORMAL;
            case RESET -> CLOSED_RESET;
            case REFUSED -> CLOSED_REFUSED;
            case TIMED_OUT -> CLOSED_TIMED_OUT;
            case ABORTED -> CLOSED_ABORTED;
            case SOURCE_FAILED -> CLOSED_SOURCE_FAILED;
        };
    }
}
