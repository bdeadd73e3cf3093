package org.diskcryptnet.netmap.channel;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReferenceArray;

import org.diskcryptnet.netmap.port.PacketPort;
import org.diskcryptnet.netmap.port.fault.FaultInjectingPort;
import org.diskcryptnet.netmap.port.PortUri;
import org.diskcryptnet.netmap.port.Ports;
import org.diskcryptnet.netmap.stack.SharedNeighbours;

/**
 * What the loops of one group share, and nothing on the data path: the port (opened when the first loop is
 * made, closed when the last one is destroyed), the hand-out of its queues (loop {@code i} gets queue {@code i}),
 * and the group's listening sockets. A server channel is bound on every loop: it is entered here, and each loop
 * makes its own TCP listener from this table when the first segment for the port reaches it
 * ({@link org.diskcryptnet.netmap.tcp.TcpLayer#listenerSource}), as SO_REUSEPORT sockets share a port.
 */
final class PortShare {

    /** Ports a bind to port 0 takes, above the range TCP's active opens use (32768-60999). */
    private static final int EPHEMERAL_FIRST = 61000;
    private static final int EPHEMERAL_LAST = 65535;

    private final NetmapConfig config;
    private final AtomicReferenceArray<NetmapServerSocketChannel> listening = new AtomicReferenceArray<>(65536);
    private final List<NetmapIoHandler> loops = new CopyOnWriteArrayList<>();
    private final SharedNeighbours neighbours;
    private PacketPort port;
    private int queuesHandedOut;
    private int open;
    private int nextEphemeral = EPHEMERAL_FIRST;

    PortShare(NetmapConfig config) {
        this.config = config;
        this.neighbours = new SharedNeighbours(config.interfaceConfig().neighbourEntries());
    }

    /** What ARP taught the port's loops, for one another. */
    SharedNeighbours neighbours() {
        return neighbours;
    }

    NetmapConfig config() {
        return config;
    }

    /**
     * Starts the thread of every loop on the port. Each loop reads its own queue and the kernel steers flows to every
     * queue (RSS), but Netty starts a loop's thread only on its first task, which a loop gets only when something is
     * registered on it: a server bound on one loop would leave the others' queues unread.
     */
    void startLoops() {
        for (NetmapIoHandler l : loops) {
            l.start();
        }
    }

    /** Opens the port on first use and hands the next queue to {@code loop}. */
    synchronized int claimQueue(NetmapIoHandler loop) {
        if (port == null) {
            port = open();
        }
        if (queuesHandedOut == port.queues()) {
            throw new IllegalStateException("the group has more event loops than " + config.port() + " has queue pairs ("
                    + port.queues() + "): give NetmapConfig.queues(n) the number of loops");
        }
        loops.add(loop);
        open++;
        return queuesHandedOut++;
    }

    synchronized PacketPort port() {
        return port;
    }

    private PacketPort open() {
        if (config.openedPort() != null) {
            return config.openedPort();
        }
        PortUri uri = config.port();
        PacketPort port = uri.kind() == PortUri.Kind.PIPE
                ? Pipes.open(uri, config.queues(), config.portOptions().ringSize(), config.pipeMtu())
                : Ports.open(uri, config.portOptions());
        return config.faults() == null ? port : new FaultInjectingPort(port, config.faults());
    }

    /** A loop was destroyed; the last one closes the port. */
    synchronized void release(NetmapIoHandler loop) {
        loops.remove(loop);
        if (--open == 0 && port != null) {
            port.close();
        }
    }

    /** Every loop of the group, for server channels that act on all of them. */
    List<NetmapIoHandler> loops() {
        return loops;
    }

    // ---------------------------------------------------------------------------------------- listening

    /** Enters {@code channel} as the listener of {@code port} (0: a free one); the port taken. */
    synchronized int listen(int port, NetmapServerSocketChannel channel) throws java.net.BindException {
        if (port == 0) {
            for (int i = EPHEMERAL_FIRST; i <= EPHEMERAL_LAST; i++) {
                int p = nextEphemeral;
                nextEphemeral = p == EPHEMERAL_LAST ? EPHEMERAL_FIRST : p + 1;
                if (listening.get(p) == null) {
                    listening.set(p, channel);
                    return p;
                }
            }
            throw new java.net.BindException("no free port in " + EPHEMERAL_FIRST + "-" + EPHEMERAL_LAST);
        }
        if (listening.get(port) != null) {
            throw new java.net.BindException("Address already in use: port " + port + " of " + config.port());
        }
        listening.set(port, channel);
        return port;
    }

    void unlisten(int port, NetmapServerSocketChannel channel) {
        listening.compareAndSet(port, channel, null);
    }

    /** The server channel listening on {@code port}, or null (read by every loop, any time). */
    NetmapServerSocketChannel listener(int port) {
        return listening.get(port);
    }
}
