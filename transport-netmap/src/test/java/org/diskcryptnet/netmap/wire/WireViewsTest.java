package org.diskcryptnet.netmap.wire;

import java.lang.foreign.MemorySegment;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Ethernet, ARP, IPv4 and ICMP views: the length is checked first, malformed input gets a reason. */
class WireViewsTest {

    private static final int A = Ipv4Address.parse("198.18.60.1");
    private static final int B = Ipv4Address.parse("198.18.60.2");

    private static MemorySegment mem(int n) {
        return MemorySegment.ofArray(new byte[n]);
    }

    @Test
    void ethernetRoundTripAndTruncation() {
        MemorySegment m = mem(64);
        EthernetFrame.writeHeader(m, 0, MacAddress.parse("02:00:00:00:00:02"), MacAddress.parse("02:00:00:00:00:01"),
                EthernetFrame.ETHERTYPE_IPV4);
        EthernetFrame f = new EthernetFrame();
        assertNull(f.wrap(m, 0, 64));
        assertEquals(MacAddress.parse("02:00:00:00:00:02"), f.destination());
        assertEquals(MacAddress.parse("02:00:00:00:00:01"), f.source());
        assertEquals(EthernetFrame.ETHERTYPE_IPV4, f.etherType());
        assertEquals(50, f.payloadLength());
        assertEquals(DropReason.ETHERNET_TRUNCATED, f.wrap(m, 0, 13));
    }

    @Test
    void arpRoundTrip() {
        MemorySegment m = mem(28);
        ArpPacket.write(m, 0, ArpPacket.OP_REQUEST, 0x020000000001L, A, 0, B);
        ArpPacket p = new ArpPacket();
        assertNull(p.wrap(m, 0, 28));
        assertEquals(ArpPacket.OP_REQUEST, p.operation());
        assertEquals(0x020000000001L, p.senderMac());
        assertEquals(A, p.senderIp());
        assertEquals(B, p.targetIp());
    }

    @Test
    void arpThatIsNotEthernetIpv4OrTruncatedIsMalformed() {
        ArpPacket p = new ArpPacket();
        MemorySegment m = mem(28);
        ArpPacket.write(m, 0, ArpPacket.OP_REQUEST, 1, A, 0, B);
        assertEquals(DropReason.ARP_MALFORMED, p.wrap(m, 0, 27));
        NetworkOrder.u16(m, 0, 6); // hardware type IEEE 802
        assertEquals(DropReason.ARP_MALFORMED, p.wrap(m, 0, 28));
        ArpPacket.write(m, 0, 3, 1, A, 0, B); // RARP request
        assertEquals(DropReason.ARP_MALFORMED, p.wrap(m, 0, 28));
        ArpPacket.write(m, 0, ArpPacket.OP_REPLY, 1, A, 0, B);
        NetworkOrder.u8(m, 5, 16); // protocol length of IPv6
        assertEquals(DropReason.ARP_MALFORMED, p.wrap(m, 0, 28));
    }

    private static MemorySegment ipv4(int total, int frame) {
        MemorySegment m = mem(frame);
        Ipv4Packet.writeHeader(m, 0, A, B, Ipv4Packet.PROTOCOL_TCP, total, 1, 64);
        return m;
    }

    @Test
    void ipv4ValidPacketWithEthernetPadding() {
        Ipv4Packet p = new Ipv4Packet();
        assertNull(p.wrap(ipv4(40, 46), 0, 46, true));
        assertEquals(40, p.totalLength());
        assertEquals(20, p.payloadLength());
        assertEquals(A, p.source());
        assertEquals(B, p.destination());
        assertEquals(Ipv4Packet.PROTOCOL_TCP, p.protocol());
        assertTrue(p.dontFragment());
    }

    @Test
    void ipv4MalformedPacketsGetTheirReason() {
        Ipv4Packet p = new Ipv4Packet();
        assertEquals(DropReason.IP_TRUNCATED, p.wrap(ipv4(40, 40), 0, 19, true));
        assertEquals(DropReason.IP_TRUNCATED, p.wrap(ipv4(40, 40), 0, 39, true), "total length past the frame");
        MemorySegment v6 = ipv4(40, 40);
        NetworkOrder.u8(v6, 0, 0x65);
        assertEquals(DropReason.IP_BAD_VERSION, p.wrap(v6, 0, 40, true));
        MemorySegment options = ipv4(40, 40);
        NetworkOrder.u8(options, 0, 0x46);
        assertEquals(DropReason.IP_OPTIONS, p.wrap(options, 0, 40, true));
        MemorySegment shortHeader = ipv4(40, 40);
        NetworkOrder.u8(shortHeader, 0, 0x44);
        assertEquals(DropReason.IP_BAD_LENGTH, p.wrap(shortHeader, 0, 40, true));
        MemorySegment tiny = ipv4(40, 40);
        NetworkOrder.u16(tiny, 2, 12);
        assertEquals(DropReason.IP_BAD_LENGTH, p.wrap(tiny, 0, 40, false));
        MemorySegment corrupt = ipv4(40, 40);
        NetworkOrder.u8(corrupt, 8, 63);
        assertEquals(DropReason.IP_BAD_CHECKSUM, p.wrap(corrupt, 0, 40, true));
        assertNull(p.wrap(corrupt, 0, 40, false), "a port that verified checksums skips the check");
    }

    @Test
    void ipv4FragmentsAreDropped() {
        Ipv4Packet p = new Ipv4Packet();
        MemorySegment mf = ipv4(40, 40);
        NetworkOrder.u16(mf, 6, 0x2000);
        NetworkOrder.u16(mf, 10, 0);
        NetworkOrder.u16(mf, 10, Checksum.complement(Checksum.sum(mf, 0, 20)));
        assertEquals(DropReason.IP_FRAGMENT, p.wrap(mf, 0, 40, true));
        MemorySegment offset = ipv4(40, 40);
        NetworkOrder.u16(offset, 6, 0x0010);
        NetworkOrder.u16(offset, 10, 0);
        NetworkOrder.u16(offset, 10, Checksum.complement(Checksum.sum(offset, 0, 20)));
        assertEquals(DropReason.IP_FRAGMENT, p.wrap(offset, 0, 40, true));
    }

    @Test
    void icmpEchoBecomesItsReplyWithAValidChecksum() {
        MemorySegment m = mem(16);
        NetworkOrder.u8(m, 0, IcmpPacket.TYPE_ECHO_REQUEST);
        NetworkOrder.u16(m, 4, 0x1234);
        NetworkOrder.u16(m, 6, 7);
        NetworkOrder.u32(m, 8, 0xCAFEBABE);
        NetworkOrder.u16(m, 2, Checksum.complement(Checksum.sum(m, 0, 16)));
        IcmpPacket p = new IcmpPacket();
        assertNull(p.wrap(m, 0, 16, true));
        IcmpPacket.turnIntoEchoReply(m, 0);
        assertNull(p.wrap(m, 0, 16, true), "checksum still valid after the RFC 1624 update");
        assertEquals(IcmpPacket.TYPE_ECHO_REPLY, p.type());
        assertEquals(DropReason.ICMP_MALFORMED, p.wrap(m, 0, 7, true));
        NetworkOrder.u8(m, 9, 1);
        assertEquals(DropReason.ICMP_BAD_CHECKSUM, p.wrap(m, 0, 16, true));
    }

    @Test
    void addressesParseAndFormat() {
        assertEquals("198.18.60.1", Ipv4Address.format(A));
        assertEquals("02:70:0a:ff:00:01", MacAddress.format(MacAddress.parse("02:70:0A:FF:00:01")));
        assertTrue(MacAddress.isGroup(MacAddress.BROADCAST));
        assertFalse(MacAddress.isGroup(MacAddress.parse("02:00:00:00:00:01")));
        assertTrue(Ipv4Address.isMulticast(Ipv4Address.parse("224.0.0.1")));
        assertEquals(0xFFFFFF00, Ipv4Address.mask(24));
        assertThrows(IllegalArgumentException.class, () -> Ipv4Address.parse("198.18.60"));
        assertThrows(IllegalArgumentException.class, () -> Ipv4Address.parse("198.18.60.256"));
        assertThrows(IllegalArgumentException.class, () -> Ipv4Address.parse("a.b.c.d"));
        assertThrows(IllegalArgumentException.class, () -> MacAddress.parse("02:00:00:00:00"));
        assertThrows(IllegalArgumentException.class, () -> MacAddress.parse("02:00:00:00:00:zz"));
        assertThrows(IllegalArgumentException.class, () -> Ipv4Address.mask(33));
    }
}
