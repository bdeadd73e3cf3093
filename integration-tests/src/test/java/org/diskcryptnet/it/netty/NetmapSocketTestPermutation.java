package org.diskcryptnet.it.netty;

import java.util.List;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.testsuite.transport.TestsuitePermutation.BootstrapComboFactory;
import io.netty.testsuite.transport.TestsuitePermutation.BootstrapFactory;
import io.netty.testsuite.transport.socket.SocketTestPermutation;
import io.netty.util.concurrent.DefaultThreadFactory;

import org.diskcryptnet.netmap.channel.NetmapConfig;
import org.diskcryptnet.netmap.channel.NetmapIoHandler;
import org.diskcryptnet.netmap.channel.NetmapServerSocketChannel;
import org.diskcryptnet.netmap.channel.NetmapSocketChannel;

/**
 * Netty's testsuite permutations for the netmap transport, as {@code EpollSocketTestPermutation} is for epoll:
 * servers on one userspace stack (198.18.90.1) and clients on another (198.18.90.2), two loops each, joined by a
 * two-queue {@code pipe:} port (queue i of one end feeds queue i of the other, so a client on loop i is served by
 * the server's loop i). Only netmap-netmap combinations: the other transports are certified elsewhere.
 */
public final class NetmapSocketTestPermutation extends SocketTestPermutation {

    static final NetmapSocketTestPermutation INSTANCE = new NetmapSocketTestPermutation();

    static final int LOOPS = 2;
    static final String SERVER_ADDRESS = "198.18.90.1";
    static final String CLIENT_ADDRESS = "198.18.90.2";

    private static final EventLoopGroup SERVER_GROUP = group("testsuite-netmap-server", SERVER_ADDRESS);
    private static final EventLoopGroup CLIENT_GROUP = group("testsuite-netmap-client", CLIENT_ADDRESS);

    private static EventLoopGroup group(String name, String address) {
        NetmapConfig config = NetmapConfig.builder()
                .port("pipe:netty-testsuite")
                .queues(LOOPS)
                .address(address + "/24")
                .build();
        return new MultiThreadIoEventLoopGroup(LOOPS, new DefaultThreadFactory(name, true),
                NetmapIoHandler.newFactory(config));
    }

    @Override
    public List<BootstrapComboFactory<ServerBootstrap, Bootstrap>> socket() {
        return combo(serverSocket(), clientSocket());
    }

    @Override
    public List<BootstrapComboFactory<ServerBootstrap, Bootstrap>> socketWithFastOpen() {
        return socket();
    }

    @Override
    public List<BootstrapFactory<ServerBootstrap>> serverSocket() {
        return List.of(() -> new ServerBootstrap().group(SERVER_GROUP).channel(NetmapServerSocketChannel.class));
    }

    @Override
    public List<BootstrapFactory<Bootstrap>> clientSocket() {
        return List.of(() -> new Bootstrap().group(CLIENT_GROUP).channel(NetmapSocketChannel.class));
    }

    @Override
    public List<BootstrapFactory<Bootstrap>> clientSocketWithFastOpen() {
        return clientSocket();
    }
}
