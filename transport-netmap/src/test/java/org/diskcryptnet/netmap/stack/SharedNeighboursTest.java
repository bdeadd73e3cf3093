package org.diskcryptnet.netmap.stack;

import java.lang.foreign.MemorySegment;
import java.util.List;

import org.diskcryptnet.netmap.port.pipe.PipePort;
import org.diskcryptnet.netmap.tcp.TcpConfig;
import org.diskcryptnet.netmap.tcp.TcpHandler;
import org.diskcryptnet.netmap.wire.ArpPacket;
import org.diskcryptnet.netmap.wire.EthernetFrame;
import org.diskcryptnet.netmap.wire.Ipv4Address;
import org.diskcryptnet.netmap.wire.MacAddress;
import org.diskcryptnet.netmap.wire.NetworkOrder;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What ARP taught one loop of a port serves its other loops, whose queues may never see the reply. */
class SharedNeighboursTest {

    private static final int US = Ipv4Address.parse("198.18.61.1");
    private static final int ROUTER = Ipv4Address.parse("198.18.61.254");
    private static final long ROUTER_MAC = MacAddress.parse("02:00:00:00:61:fe");
    private static final long T0 = 1_000_000_000_000L;

    private static final long AGE = 60_000_000_000L;

    @Test
    void publishedMappingsAreFoundReplacedAndBounded() {
        SharedNeighbours shared = new SharedNeighbours(16);
        assertEquals(-1, shared.lookup(ROUTER, T0, AGE));
        shared.publish(ROUTER, ROUTER_MAC, T0);
        assertEquals(ROUTER_MAC, shared.lookup(ROUTER, T0, AGE));
        shared.publish(ROUTER, ROUTER_MAC + 1, T0);
        assertEquals(ROUTER_MAC + 1, shared.lookup(ROUTER, T0, AGE), "a new MAC replaces the old one");
        // far more addresses than room: every lookup still answers right or not at all, and the latest is kept
        for (int i = 0; i < 10_000; i++) {
            shared.publish(Ipv4Address.parse("10.0.0.0") + i, 0x020000000000L + i, T0);
        }
        int found = 0;
        for (int i = 0; i < 10_000; i++) {
            long m = shared.lookup(Ipv4Address.parse("10.0.0.0") + i, T0, AGE);
            if (m >= 0) {
                assertEquals(0x020000000000L + i, m);
                found++;
            }
        }
        assertTrue(found > 0 && found <= 64, "bounded: " + found);
        assertEquals(0x020000000000L + 9_999, shared.lookup(Ipv4Address.parse("10.0.0.0") + 9_999, T0, AGE));
    }

    @Test
    void aMappingOlderThanTheBoundIsNotGivenOutUntilLearntAgain() {
        SharedNeighbours shared = new SharedNeighbours(16);
        shared.publish(ROUTER, ROUTER_MAC, T0);
        assertEquals(ROUTER_MAC, shared.lookup(ROUTER, T0 + AGE, AGE), "at the bound");
        assertEquals(-1, shared.lookup(ROUTER, T0 + AGE + 1, AGE), "past it");
        shared.publish(ROUTER, ROUTER_MAC, T0 + 2 * AGE);
        assertEquals(ROUTER_MAC, shared.lookup(ROUTER, T0 + 2 * AGE + 1, AGE), "confirmed again, same MAC");
    }

    @Test
    void aLoopUsesTheRouterAnotherLoopLearntWithoutAskingItself() {
        InterfaceConfig config = InterfaceConfig.of("198.18.61.1/24").withGateway(ROUTER);
        TcpConfig tcp = TcpConfig.builder().bufferPoolBytes(1 << 20).maxConnections(16).build();
        SharedNeighbours shared = new SharedNeighbours(config.neighbourEntries());
        PipePort[] a = PipePort.pair("shna", 1, 64, 1500);
        PipePort[] b = PipePort.pair("shnb", 1, 64, 1500);
        PipePort[] c = PipePort.pair("shnc", 1, 64, 1500);
        try (NetworkInterface first = new NetworkInterface(a[0], 0, config, tcp);
             NetworkInterface second = new NetworkInterface(b[0], 0, config, tcp)) {
            first.shareNeighbours(shared);
            second.shareNeighbours(shared);
            RawEnd wireA = new RawEnd(a[1]);
            RawEnd wireB = new RawEnd(b[1]);
            // the router answers a request on the first loop's queue
            wireA.send((m, o) -> {
                EthernetFrame.writeHeader(m, o, first.macAddress(), ROUTER_MAC, EthernetFrame.ETHERTYPE_ARP);
                ArpPacket.write(m, o + 14, ArpPacket.OP_REPLY, ROUTER_MAC, ROUTER, first.macAddress(), US);
                return 42;
            });
            first.poll(T0);
            assertEquals(ROUTER_MAC, shared.lookup(ROUTER, T0, AGE));

            // the second loop connects off the link: its SYN goes to the router at once, no ARP request of its own
            second.tcp().connect(Ipv4Address.parse("203.0.113.9"), 443, new TcpHandler() { }, T0);
            second.poll(T0 + 1_000_000);
            List<byte[]> out = wireB.receive();
            assertEquals(1, out.size());
            MemorySegment f = MemorySegment.ofArray(out.getFirst());
            assertEquals(EthernetFrame.ETHERTYPE_IPV4, NetworkOrder.u16(f, 12), "the SYN, not an ARP request");
            EthernetFrame eth = new EthernetFrame();
            eth.wrap(f, 0, out.getFirst().length);
            assertEquals(ROUTER_MAC, eth.destination());
            assertEquals(0, second.counters().arpRequestsSent);

            // once the router's mapping is older than the staleness bound, a third loop asks for itself
            try (NetworkInterface third = new NetworkInterface(c[0], 0, config, tcp)) {
                third.shareNeighbours(shared);
                long later = T0 + config.neighbourStale() + 1;
                third.tcp().connect(Ipv4Address.parse("203.0.113.9"), 443, new TcpHandler() { }, later);
                third.poll(later + 1_000_000);
                List<byte[]> asked = new RawEnd(c[1]).receive();
                assertEquals(1, asked.size());
                assertEquals(EthernetFrame.ETHERTYPE_ARP, NetworkOrder.u16(MemorySegment.ofArray(asked.getFirst()), 12),
                        "an ARP request of its own, not a SYN to a MAC no one confirmed lately");
                assertEquals(1, third.counters().arpRequestsSent);
            }
        } finally {
            for (PipePort p : List.of(a[0], a[1], b[0], b[1], c[0], c[1])) {
                p.close();
            }
        }
    }
}
