package org.diskcryptnet.netmap.channel;

import io.netty.channel.IoHandle;

/**
 * An {@link IoHandle} a {@link NetmapIoHandler} accepts: the {@code Unsafe} of the netmap channels. Its
 * {@link #handle} receives {@link NetmapIoEvent}s for the connection bound to its registration.
 */
public interface NetmapIoHandle extends IoHandle {
}
