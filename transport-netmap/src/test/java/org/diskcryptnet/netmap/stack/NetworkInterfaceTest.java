package org.diskcryptnet.netmap.stack;

import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.SplittableRandom;

import org.diskcryptnet.netmap.port.pipe.PipePort;
import org.diskcryptnet.netmap.tcp.TcpConfig;
import org.diskcryptnet.netmap.tcp.TcpHandler;
import org.diskcryptnet.netmap.wire.ArpPacket;
import org.diskcryptnet.netmap.wire.Checksum;
import org.diskcryptnet.netmap.wire.DropReason;
import org.diskcryptnet.netmap.wire.EthernetFrame;
import org.diskcryptnet.netmap.wire.IcmpPacket;
import org.diskcryptnet.netmap.wire.Ipv4Address;
import org.diskcryptnet.netmap.wire.Ipv4Packet;
import org.diskcryptnet.netmap.wire.MacAddress;
import org.diskcryptnet.netmap.wire.NetworkOrder;
import org.diskcryptnet.netmap.wire.TcpHeader;
import org.diskcryptnet.netmap.wire.TcpOptions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The interface layer: ARP (RFC 826), ICMP echo (RFC 792), IPv4 checks, TCP dispatch, drops by reason. */
class NetworkInterfaceTest {

    private static final int US = Ipv4Address.parse("198.18.60.1");
    private static final int PEER = Ipv4Address.parse("198.18.60.2");
    private static final long PEER_MAC = MacAddress.parse("02:00:00:00:60:02");
    private static final long T0 = 1_000_000_000_000L;

    private final PipePort[] ends = PipePort.pair("nif", 1, 64, 1500);
    private final NetworkInterface nif = new NetworkInterface(ends[0], 0, InterfaceConfig.of("198.18.60.1/24"),
            TcpConfig.builder().bufferPoolBytes(1 << 20).maxConnections(16).build());
    private final RawEnd peer = new RawEnd(ends[1]);
    private long now = T0;

    @AfterEach
    void close() {
        nif.close();
        ends[0].close();
        ends[1].close();
    }

    private List<byte[]> exchange(RawEnd.FrameWriter w) {
        peer.send(w);
        nif.poll(now += 1_000_000);
        return peer.receive();
    }

    private static int arpRequest(MemorySegment m, long o, int target) {
        EthernetFrame.writeHeader(m, o, MacAddress.BROADCAST, PEER_MAC, EthernetFrame.ETHERTYPE_ARP);
        ArpPacket.write(m, o + 14, ArpPacket.OP_REQUEST, PEER_MAC, PEER, 0, target);
        return 42;
    }

    @Test
    void answersArpForItsAddress() {
        List<byte[]> out = exchange((m, o) -> arpRequest(m, o, US));
        assertEquals(1, out.size());
        MemorySegment f = MemorySegment.ofArray(out.get(0));
        EthernetFrame eth = new EthernetFrame();
        assertNull(eth.wrap(f, 0, f.byteSize() > 0 ? (int) f.byteSize() : 0));
        assertEquals(PEER_MAC, eth.destination());
        ArpPacket arp = new ArpPacket();
        assertNull(arp.wrap(f, 14, 28));
        assertEquals(ArpPacket.OP_REPLY, arp.operation());
        assertEquals(nif.macAddress(), arp.senderMac());
        assertEquals(US, arp.senderIp());
        assertEquals(PEER, arp.targetIp());
    }

    @Test
    void ignoresArpForAnotherAddress() {
        assertEquals(List.of(), exchange((m, o) -> arpRequest(m, o, Ipv4Address.parse("198.18.60.9"))));
        assertEquals(1, nif.counters().drops().get(DropReason.ARP_NOT_FOR_US));
    }

    @Test
    void resolvesTheNextHopAndRetriesAtMostThreeTimes() {
        // RFC 1122 2.3.2.1: at most one request per second per address; the entry is dropped after three
        nif.tcp().connect(PEER, 80, new TcpHandler() { }, now);
        nif.poll(now += 1_000_000);
        List<byte[]> out = peer.receive();
        assertEquals(1, out.size(), "an ARP request instead of the SYN");
        assertEquals(EthernetFrame.ETHERTYPE_ARP, NetworkOrder.u16(MemorySegment.ofArray(out.get(0)), 12));
        int requests = 1;
        for (int i = 0; i < 20; i++) {
            nif.poll(now += 500_000_000L);
            requests += peer.receive().size();
        }
        assertTrue(requests <= 1 + 10, "rate-limited: " + requests);
        assertTrue(nif.counters().arpRequestsSent >= 3);
    }

    @Test
    void aResolvedNeighbourReleasesTheWaitingSyn() {
        nif.tcp().connect(PEER, 80, new TcpHandler() { }, now);
        nif.poll(now += 1_000_000);
        peer.receive();
        List<byte[]> out = exchange((m, o) -> {
            EthernetFrame.writeHeader(m, o, nif.macAddress(), PEER_MAC, EthernetFrame.ETHERTYPE_ARP);
            ArpPacket.write(m, o + 14, ArpPacket.OP_REPLY, PEER_MAC, PEER, nif.macAddress(), US);
            return 42;
        });
        assertEquals(1, out.size(), "the SYN, right after the reply");
        TcpHeader tcp = new TcpHeader();
        MemorySegment f = MemorySegment.ofArray(out.get(0));
        assertNull(tcp.wrap(f, 34, out.get(0).length - 34));
        assertEquals(TcpHeader.SYN, tcp.flags());
        assertTrue(tcp.checksumValid(US, PEER));
    }

    private int echoRequest(MemorySegment m, long o, int dataLength) {
        return echoRequest(m, o, nif.macAddress(), dataLength);
    }

    private static int echoRequest(MemorySegment m, long o, long to, int dataLength) {
        EthernetFrame.writeHeader(m, o, to, PEER_MAC, EthernetFrame.ETHERTYPE_IPV4);
        long icmp = o + 34;
        NetworkOrder.u8(m, icmp, IcmpPacket.TYPE_ECHO_REQUEST);
        NetworkOrder.u8(m, icmp + 1, 0);
        NetworkOrder.u16(m, icmp + 2, 0);
        NetworkOrder.u16(m, icmp + 4, 0xBEEF);
        NetworkOrder.u16(m, icmp + 6, 1);
        for (int i = 0; i < dataLength; i++) {
            NetworkOrder.u8(m, icmp + 8 + i, i);
        }
        NetworkOrder.u16(m, icmp + 2, Checksum.complement(Checksum.sum(m, icmp, 8 + dataLength)));
        Ipv4Packet.writeHeader(m, o + 14, PEER, US, Ipv4Packet.PROTOCOL_ICMP, 28 + dataLength, 5, 64);
        return 42 + dataLength;
    }

    @Test
    void answersEchoRequests() {
        List<byte[]> out = exchange((m, o) -> echoRequest(m, o, 56));
        assertEquals(1, out.size());
        MemorySegment f = MemorySegment.ofArray(out.get(0));
        Ipv4Packet ip = new Ipv4Packet();
        assertNull(ip.wrap(f, 14, out.get(0).length - 14, true));
        assertEquals(PEER, ip.destination());
        IcmpPacket icmp = new IcmpPacket();
        assertNull(icmp.wrap(f, 34, 64, true));
        assertEquals(IcmpPacket.TYPE_ECHO_REPLY, icmp.type());
        assertEquals(0xBEEF, NetworkOrder.u16(f, 38));
        assertEquals(55, NetworkOrder.u8(f, 34 + 8 + 55), "the data comes back");
        assertEquals(1, nif.counters().icmpEchoReplies);
    }

    /**
     * A poll takes every frame the rx ring holds, a batch at a time, handing each batch's slots back before the
     * next: an AF_XDP kernel receives only into buffers handed back, and a poll that took one batch left it short.
     */
    @Test
    void aPollTakesTheWholeRingABatchAtATime() {
        PipePort[] pair = PipePort.pair("nifb", 1, 64, 1500);
        InterfaceConfig batchesOf8 = new InterfaceConfig(US, 24, 0, 0, 256, java.util.concurrent.TimeUnit.SECONDS.toNanos(60), 8, 64);
        NetworkInterface small = new NetworkInterface(pair[0], 0, batchesOf8,
                TcpConfig.builder().bufferPoolBytes(1 << 20).maxConnections(16).build());
        try {
            RawEnd far = new RawEnd(pair[1]);
            int requests = 45;
            for (int i = 0; i < requests; i++) {
                far.send((m, o) -> echoRequest(m, o, small.macAddress(), 0));
            }
            long syncsBefore = small.counters().rxSyncs;
            assertEquals(requests, small.receive(now += 1_000_000), "frames taken by one poll");
            assertEquals(6, small.counters().rxSyncs - syncsBefore, "five full batches of 8 and the last of 5");
            small.flushTx();
            assertEquals(requests, far.receive().size(), "every request answered");
        } finally {
            small.close();
            pair[0].close();
            pair[1].close();
        }
    }

    /**
     * TCP gets at most one tx ring's worth of frames between two services of the rx ring, even from a port that
     * completes every frame at once (AF_XDP in copy mode): a flush cannot hold the loop while the rx ring, and the
     * kernel's buffers with it, fill up.
     */
    @Test
    void tcpGetsOneRingOfFramesPerReceive() {
        exchange((m, o) -> arpRequest(m, o, US)); // we learn the peer from its request
        int ring = ends[0].txRing(0).size();
        int granted = 0;
        while (granted <= 3 * ring) {
            int frame = nif.reserve(PEER, 20);
            if (frame < 0) {
                assertEquals(org.diskcryptnet.netmap.tcp.SegmentSink.NO_FRAME, frame);
                break;
            }
            nif.submit(frame, US, PEER, 20);
            granted++;
            if (granted % 16 == 0) {
                nif.flushTx();
                peer.receive(); // the far end takes everything: the ring itself never runs out
            }
        }
        assertEquals(ring, granted, "frames granted before the rx ring was served again");
        nif.receive(now += 1_000_000);
        assertTrue(nif.reserve(PEER, 20) >= 0, "the budget starts over with each receive");
    }

    /**
     * A loop may sleep while TCP waits for tx slots only if the slots wait for their payload (a disk read whose
     * completion wakes it), not for the port.
     */
    @Test
    void slotsWaitForProductionsOnlyWhileReservedSlotsHoldTheRing() {
        exchange((m, o) -> arpRequest(m, o, US));
        assertFalse(nif.slotsWaitForProductions(), "an empty ring");
        int usable = ends[0].txRing(0).size() - 1;
        int[] frames = new int[usable];
        for (int i = 0; i < usable; i++) {
            frames[i] = nif.reserve(PEER, 20);
            assertTrue(frames[i] >= 0, "frame " + i);
            assertEquals(i == usable - 1, nif.slotsWaitForProductions(), "after " + (i + 1) + " of " + usable);
        }
        assertEquals(org.diskcryptnet.netmap.tcp.SegmentSink.NO_FRAME, nif.reserve(PEER, 20));
        assertTrue(nif.slotsWaitForProductions(), "every slot reserved, none completed");
        for (int f : frames) {
            nif.submit(f, US, PEER, 20);
        }
        nif.flushTx();
        assertFalse(nif.slotsWaitForProductions(), "every slot completed: they wait for the port, if for anything");
        assertEquals(usable, peer.receive().size());
        nif.receive(now += 1_000_000);
        assertTrue(nif.reserve(PEER, 20) >= 0, "the slots came back");
    }

    @Test
    void answersSynToAClosedPortWithResetThroughTheWire() {
        exchange((m, o) -> arpRequest(m, o, US)); // we learn the peer from its request
        List<byte[]> out = exchange((m, o) -> {
            EthernetFrame.writeHeader(m, o, nif.macAddress(), PEER_MAC, EthernetFrame.ETHERTYPE_IPV4);
            int hl = 20 + TcpOptions.writeMss(m, o + 54, 1460);
            TcpHeader.write(m, o + 34, 40000, 81, 1000, 0, hl, TcpHeader.SYN, 64240);
            TcpHeader.writeChecksum(m, o + 34, hl, PEER, US);
            Ipv4Packet.writeHeader(m, o + 14, PEER, US, Ipv4Packet.PROTOCOL_TCP, 20 + hl, 9, 64);
            return 34 + hl;
        });
        assertEquals(1, out.size());
        TcpHeader tcp = new TcpHeader();
        assertNull(tcp.wrap(MemorySegment.ofArray(out.get(0)), 34, out.get(0).length - 34));
        assertEquals(TcpHeader.RST | TcpHeader.ACK, tcp.flags());
        assertEquals(1001, tcp.acknowledgment());
        assertTrue(tcp.checksumValid(US, PEER));
    }

    /** A SYN from {@code src} (port 81: closed) in one frame from {@code srcMac}. */
    private static int synTo81(MemorySegment m, long o, long dstMac, long srcMac, int src) {
        EthernetFrame.writeHeader(m, o, dstMac, srcMac, EthernetFrame.ETHERTYPE_IPV4);
        int hl = 20 + TcpOptions.writeMss(m, o + 54, 1460);
        TcpHeader.write(m, o + 34, 40000, 81, 1000, 0, hl, TcpHeader.SYN, 64240);
        TcpHeader.writeChecksum(m, o + 34, hl, src, US);
        Ipv4Packet.writeHeader(m, o + 14, src, US, Ipv4Packet.PROTOCOL_TCP, 20 + hl, 9, 64);
        return 34 + hl;
    }

    @Test
    void aNeighbourOnTheLinkIsLearntFromItsFramesWithoutArp() {
        // one loop per queue: the ARP reply to this loop's request may arrive on another queue, so a SYN from an
        // unknown on-link peer must be answered from what its own frame says
        List<byte[]> out = exchange((m, o) -> synTo81(m, o, nif.macAddress(), PEER_MAC, PEER));
        assertEquals(1, out.size(), "the answer, not an ARP request");
        MemorySegment f = MemorySegment.ofArray(out.get(0));
        assertEquals(EthernetFrame.ETHERTYPE_IPV4, NetworkOrder.u16(f, 12));
        EthernetFrame eth = new EthernetFrame();
        assertNull(eth.wrap(f, 0, (int) f.byteSize()));
        assertEquals(PEER_MAC, eth.destination());
        assertEquals(0, nif.counters().arpRequestsSent);
        assertEquals(0, nif.counters().drops().get(DropReason.NEIGHBOUR_UNRESOLVED));

        // ARP stays authoritative: a frame from another MAC does not move a known address
        long other = MacAddress.parse("02:00:00:00:60:99");
        out = exchange((m, o) -> synTo81(m, o, nif.macAddress(), other, PEER));
        assertEquals(1, out.size());
        assertNull(eth.wrap(MemorySegment.ofArray(out.get(0)), 0, out.get(0).length));
        assertEquals(PEER_MAC, eth.destination(), "still the MAC ARP or the first frame taught");

        // an off-link source's frame comes from a router: nothing is learnt for the source address
        int remote = Ipv4Address.parse("203.0.113.7");
        out = exchange((m, o) -> synTo81(m, o, nif.macAddress(), other, remote));
        assertEquals(0, out.size(), "no route off the link (no gateway configured): nothing sent to the router");
    }

    @Test
    void badTcpChecksumIsDroppedAndCounted() {
        exchange((m, o) -> {
            EthernetFrame.writeHeader(m, o, nif.macAddress(), PEER_MAC, EthernetFrame.ETHERTYPE_IPV4);
            TcpHeader.write(m, o + 34, 40000, 81, 1000, 0, 20, TcpHeader.SYN, 64240);
            NetworkOrder.u16(m, o + 34 + 16, 0x1234);
            Ipv4Packet.writeHeader(m, o + 14, PEER, US, Ipv4Packet.PROTOCOL_TCP, 40, 9, 64);
            return 54;
        });
        assertEquals(1, nif.counters().drops().get(DropReason.TCP_BAD_CHECKSUM));
    }

    @Test
    void framesNotForUsAreDroppedByReason() {
        exchange((m, o) -> { // another unicast MAC
            EthernetFrame.writeHeader(m, o, 0x020000000099L, PEER_MAC, EthernetFrame.ETHERTYPE_IPV4);
            return 60;
        });
        exchange((m, o) -> { // IPv6
            EthernetFrame.writeHeader(m, o, nif.macAddress(), PEER_MAC, 0x86DD);
            return 60;
        });
        exchange((m, o) -> { // another IP address
            EthernetFrame.writeHeader(m, o, nif.macAddress(), PEER_MAC, EthernetFrame.ETHERTYPE_IPV4);
            Ipv4Packet.writeHeader(m, o + 14, PEER, Ipv4Address.parse("198.18.60.7"), 6, 40, 1, 64);
            return 54;
        });
        exchange((m, o) -> { // our own address as source
            EthernetFrame.writeHeader(m, o, nif.macAddress(), PEER_MAC, EthernetFrame.ETHERTYPE_IPV4);
            Ipv4Packet.writeHeader(m, o + 14, US, US, 6, 40, 1, 64);
            return 54;
        });
        exchange((m, o) -> { // UDP
            EthernetFrame.writeHeader(m, o, nif.macAddress(), PEER_MAC, EthernetFrame.ETHERTYPE_IPV4);
            Ipv4Packet.writeHeader(m, o + 14, PEER, US, 17, 28, 1, 64);
            return 42;
        });
        exchange((m, o) -> 10); // a runt
        var d = nif.counters().drops();
        assertEquals(1, d.get(DropReason.NOT_FOR_US));
        assertEquals(1, d.get(DropReason.UNSUPPORTED_ETHERTYPE));
        assertEquals(1, d.get(DropReason.IP_NOT_FOR_US));
        assertEquals(1, d.get(DropReason.IP_BAD_SOURCE));
        assertEquals(1, d.get(DropReason.IP_UNSUPPORTED_PROTOCOL));
        assertEquals(1, d.get(DropReason.ETHERNET_TRUNCATED));
    }

    @Test
    void garbageNeverStopsTheLoop() {
        // random bytes and randomly damaged valid frames: every one is dropped or answered, none throws, and the
        // interface still answers an echo afterwards
        SplittableRandom r = new SplittableRandom(5);
        for (int i = 0; i < 5000; i++) {
            int kind = r.nextInt(3);
            peer.send((m, o) -> {
                int len;
                if (kind == 0) {
                    len = r.nextInt(1515);
                    for (int k = 0; k < len; k++) {
                        m.set(java.lang.foreign.ValueLayout.JAVA_BYTE, o + k, (byte) r.nextInt());
                    }
                    if (len >= 14) {
                        EthernetFrame.writeHeader(m, o, nif.macAddress(), PEER_MAC,
                                r.nextBoolean() ? EthernetFrame.ETHERTYPE_IPV4 : EthernetFrame.ETHERTYPE_ARP);
                    }
                } else {
                    len = kind == 1 ? echoRequest(m, o, r.nextInt(100)) : arpRequest(m, o, US);
                    int flips = 1 + r.nextInt(3);
                    for (int k = 0; k < flips; k++) {
                        long at = o + 14 + r.nextInt(len - 14);
                        m.set(java.lang.foreign.ValueLayout.JAVA_BYTE, at,
                                (byte) (m.get(java.lang.foreign.ValueLayout.JAVA_BYTE, at) ^ (1 << r.nextInt(8))));
                    }
                }
                return len;
            });
            nif.poll(now += 10_000);
            peer.receive();
        }
        assertTrue(nif.counters().drops().total() > 4000, nif.counters().toString());
        assertEquals(1, exchange((m, o) -> echoRequest(m, o, 8)).size());
    }
}
