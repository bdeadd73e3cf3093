package org.diskcryptnet.netmap.channel;

import java.util.concurrent.TimeUnit;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;

/**
 * A server group and a client group of netmap loops joined by one {@code pipe:}: the two ends a channel test talks
 * between, opened once per test class and shut down with it.
 */
final class PipeGroups implements AutoCloseable {

    final EventLoopGroup server;
    final EventLoopGroup client;

    /** {@code loops} loops a side, one queue pair each; the server end configured by {@code server}. */
    PipeGroups(int loops, NetmapConfig.Builder server, NetmapConfig.Builder client) {
        this.server = new MultiThreadIoEventLoopGroup(loops, NetmapIoHandler.newFactory(server.queues(loops).build()));
        this.client = new MultiThreadIoEventLoopGroup(loops, NetmapIoHandler.newFactory(client.queues(loops).build()));
    }

    /** One loop a side over {@code pipe:NAME}, the server at {@code serverAddress}, the client at {@code clientAddress}. */
    static PipeGroups open(String pipe, String serverAddress, String clientAddress) {
        return new PipeGroups(1, side(pipe, serverAddress), side(pipe, clientAddress));
    }

    static NetmapConfig.Builder side(String pipe, String address) {
        return NetmapConfig.builder().port("pipe:" + pipe).address(address);
    }

    @Override
    public void close() {
        client.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        server.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }
}
