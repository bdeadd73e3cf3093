package org.diskcryptnet.netmap.channel;

import io.netty.channel.IoOps;

/**
 * The interest a {@link NetmapIoHandle} submits to its registration, as epoll channels submit {@code EPOLLIN}:
 * with {@link #READ} the loop delivers {@link NetmapIoEvent#READABLE}, and submitting it while bytes are already
 * waiting schedules a read in the next loop iteration (the connection's events are edge-triggered, the channel's
 * read() is level-triggered). Without it, readable bytes wait in the connection's receive buffer and its window
 * closes.
 */
public final class NetmapIoOps implements IoOps {

    public static final NetmapIoOps NONE = new NetmapIoOps(0);
    public static final NetmapIoOps READ = new NetmapIoOps(1);

    final int value;

    private NetmapIoOps(int value) {
        this.value = value;
    }

    public boolean contains(NetmapIoOps ops) {
        return (value & ops.value) == ops.value;
    }

    @Override
    public String toString() {
        return value == 0 ? "NONE" : "READ";
    }
}
