package org.diskcryptnet.netmap.stack;

import java.util.concurrent.TimeUnit;

import org.diskcryptnet.netmap.port.PacketPort;
import org.diskcryptnet.netmap.port.fault.FaultInjectingPort;
import org.diskcryptnet.netmap.port.fault.FaultPlan;
import org.diskcryptnet.netmap.port.pipe.PipePort;
import org.diskcryptnet.netmap.tcp.TcpConfig;
import org.diskcryptnet.netmap.wire.Ipv4Address;

/**
 * Two stacks joined by a {@code pipe:} port, each end behind a {@link FaultInjectingPort} that damages what it
 * sends (so each direction is damaged once), driven by one thread in turns, as one event loop would drive two
 * ports.
 */
final class PipePair implements AutoCloseable {

    static final int SERVER_IP = Ipv4Address.parse("198.18.60.1");
    static final int CLIENT_IP = Ipv4Address.parse("198.18.60.2");

    final FaultInjectingPort serverPort;
    final FaultInjectingPort clientPort;
    final NetworkInterface server;
    final NetworkInterface client;

    PipePair(String name, FaultPlan faults, TcpConfig tcp, int slots, int mtu) {
        PipePort[] ends = PipePort.pair(name, 1, slots, mtu);
        serverPort = new FaultInjectingPort(ends[0], FaultPlan.NONE, faults.withSeed(faults.seed()));
        clientPort = new FaultInjectingPort(ends[1], FaultPlan.NONE, faults.withSeed(faults.seed() + 1000));
        server = new NetworkInterface(serverPort, 0, InterfaceConfig.of("198.18.60.1/24"), tcp);
        client = new NetworkInterface(clientPort, 0, InterfaceConfig.of("198.18.60.2/24"), tcp);
    }

    /**
     * The transfers' TCP settings: the pipe's RTT is microseconds, so a 5 ms minimum RTO (200 ms would make each
     * timeout cost thousands of round trips), and a 2 ms delayed ACK (it must stay below the peer's RTO).
     */
    static TcpConfig.Builder tcp() {
        return TcpConfig.builder().minRto(5, TimeUnit.MILLISECONDS).delayedAck(2, TimeUnit.MILLISECONDS)
                .receiveBuffer(1 << 20).sendBuffer(1 << 20)
                .bufferPoolBytes(256L << 20).maxConnections(4096).maxRetransmissions(30);
    }

    int poll(long now) {
        return server.poll(now) + client.poll(now);
    }

    static PacketPort inner(FaultInjectingPort p) {
        return p.inner();
    }

    @Override
    public void close() {
        server.close();
        client.close();
        serverPort.close();
        clientPort.close();
    }
}
