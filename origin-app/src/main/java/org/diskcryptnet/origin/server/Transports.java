package org.diskcryptnet.origin.server;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import io.netty.channel.IoHandlerFactory;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;

import org.diskcryptnet.netmap.channel.IdleStrategy;
import org.diskcryptnet.netmap.channel.Netmap;
import org.diskcryptnet.netmap.channel.NetmapConfig;
import org.diskcryptnet.netmap.channel.NetmapIoHandler;
import org.diskcryptnet.netmap.channel.NetmapLoopStats;
import org.diskcryptnet.netmap.channel.NetmapServerSocketChannel;
import org.diskcryptnet.netmap.port.PortOptions;
import org.diskcryptnet.netmap.port.PortUri;
import org.diskcryptnet.netmap.port.fault.FaultPlan;
import org.diskcryptnet.netmap.tcp.TcpConfig;
import org.diskcryptnet.origin.config.OriginConfig;

/**
 * The Netty transport the origin runs on: epoll where the kernel allows it, NIO otherwise, or the netmap
 * transport (the userspace TCP/IP stack) on a packet port when {@code server.transport} names one.
 *
 * @param kernel    whether the listeners are kernel sockets; the admin listener always is (see {@link #admin()})
 * @param portLoops on a packet port, the counters of each loop the factory made (filled as the event loop group
 *                  is built, in loop order); empty for the kernel's transports
 */
public record Transports(String name, IoHandlerFactory ioHandlerFactory, Class<? extends ServerChannel> serverChannel,
                         boolean kernel, List<NetmapLoopStats> portLoops) {

    /**
     * {@code auto}: epoll if available, else NIO; {@code epoll}: epoll or a clear error; {@code nio}: NIO;
     * a port URI ({@code xdp:veth1@0}, {@code tap:dcn0}, ...): the userspace stack on it with one queue pair per
     * event loop, at {@code server.address}.
     */
    public static Transports select(OriginConfig config, int eventLoops) {
        String configured = config.transport();
        return switch (configured) {
            case "nio" -> nio();
            case "epoll" -> {
                if (!Epoll.isAvailable()) {
                    throw new IllegalStateException("server.transport is epoll, but epoll is unavailable: "
                            + Epoll.unavailabilityCause());
                }
                yield epoll();
            }
            case "auto" -> kernelDefault();
            default -> netmap(config, eventLoops);
        };
    }

    private static Transports netmap(OriginConfig config, int eventLoops) {
        PortUri uri = PortUri.parse(config.transport());
        Throwable cause = Netmap.unavailabilityCause(uri.kind());
        if (cause != null) {
            throw new IllegalStateException("server.transport is " + uri + ", but " + cause.getMessage());
        }
        OriginConfig.Stack stack = config.stack();
        NetmapConfig.Builder b = NetmapConfig.builder().port(uri).queues(eventLoops).address(stack.address());
        if (stack.gateway() != null) {
            b.gateway(stack.gateway());
        }
        if (stack.mac() != null) {
            b.mac(stack.mac());
        }
        PortOptions port = PortOptions.defaults().withOffloads(stack.offloads());
        // the ring size was checked with the configuration
        b.portOptions(stack.ringSize() == 0 ? port : port.withRingSize(stack.ringSize()));
        b.idle(IdleStrategy.parse(stack.idle())); // checked with the configuration
        TcpConfig tcp = TcpConfig.builder().build();
        b.tcp(tcp.toBuilder().maxConnections(stackConnections(config.maxConnections(), tcp.synBacklog)).build());
        b.diskSendBudget(config.diskSend().budgetBytes()).diskSendBatch(config.diskSend().batchReads())
                .diskSendReadAhead(config.diskSend().readAheadBytes());
        if (stack.faults() != null) {
            b.faults(FaultPlan.parse(stack.faults())); // checked with the configuration
        }
        IoHandlerFactory factory = NetmapIoHandler.newFactory(b.build());
        List<NetmapLoopStats> loops = new CopyOnWriteArrayList<>();
        IoHandlerFactory recording = executor -> {
            NetmapIoHandler handler = (NetmapIoHandler) factory.newHandler(executor);
            loops.add(handler.stats());
            return handler;
        };
        String name = "netmap " + uri + " at " + stack.address() + (stack.offloads() ? " with offloads" : "")
                + (stack.ringSize() == 0 ? "" : ", rings of " + stack.ringSize())
                + (stack.idle().equals("block") ? "" : ", idle " + stack.idle())
                + (stack.faults() != null ? " with faults " + stack.faults() : "");
        return new Transports(name, recording, NetmapServerSocketChannel.class, false, loops);
    }

    /**
     * Connection objects each loop of the stack preallocates for {@code server.max_connections}: all of them,
     * since the port's hash, not the origin, picks the loop of a connection; and room beyond, for the
     * connections the origin refuses with a 503 (which need a connection to hear it), the SYN backlog, and those
     * closing (LAST-ACK, FIN-WAIT-2, TIME-WAIT) while their successors connect. Without it the stack took at
     * most its default of 4,096 a loop, and a crowd past that hung on SYN-cookie handshakes it could not finish.
     */
    static int stackConnections(int maxConnections, int synBacklog) {
        long slots = maxConnections + (long) synBacklog + maxConnections / 8;
        return (int) Math.min(slots, TcpConfig.MAX_CONNECTIONS);
    }

    /** The transport of the admin listener: the kernel's, also when the origin serves on a packet port. */
    public Transports admin() {
        return kernel ? this : kernelDefault();
    }

    private static Transports kernelDefault() {
        return Epoll.isAvailable() ? epoll() : nio();
    }

    private static Transports epoll() {
        return new Transports("epoll", EpollIoHandler.newFactory(), EpollServerSocketChannel.class, true, List.of());
    }

    private static Transports nio() {
        return new Transports("nio", NioIoHandler.newFactory(), NioServerSocketChannel.class, true, List.of());
    }
}
