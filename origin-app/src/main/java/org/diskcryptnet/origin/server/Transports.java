package org.diskcryptnet.origin.server;

import io.netty.channel.IoHandlerFactory;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;

/** The Netty transport the origin runs on: epoll where the kernel allows it, NIO otherwise. */
public record Transports(String name, IoHandlerFactory ioHandlerFactory, Class<? extends ServerChannel> serverChannel) {

    /** {@code auto}: epoll if available, else NIO; {@code epoll}: epoll or a clear error; {@code nio}: NIO. */
    public static Transports select(String configured) {
        return switch (configured) {
            case "nio" -> nio();
            case "epoll" -> {
                if (!Epoll.isAvailable()) {
                    throw new IllegalStateException("server.transport is epoll, but epoll is unavailable: "
                            + Epoll.unavailabilityCause());
                }
                yield epoll();
            }
            default -> Epoll.isAvailable() ? epoll() : nio();
        };
    }

    private static Transports epoll() {
        return new Transports("epoll", EpollIoHandler.newFactory(), EpollServerSocketChannel.class);
    }

    private static Transports nio() {
        return new Transports("nio", NioIoHandler.newFactory(), NioServerSocketChannel.class);
    }
}
