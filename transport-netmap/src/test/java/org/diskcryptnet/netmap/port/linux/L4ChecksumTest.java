package org.diskcryptnet.netmap.port.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.MemorySegment;

import org.junit.jupiter.api.Test;

class L4ChecksumTest {

    /** An Ethernet frame with an IPv4 header of {@code ihlWords} words and {@code l4} bytes of protocol {@code proto}. */
    private static MemorySegment frame(int etherType, int ihlWords, int proto, int l4) {
        byte[] f = new byte[14 + ihlWords * 4 + l4];
        f[12] = (byte) (etherType >> 8);
        f[13] = (byte) etherType;
        f[14] = (byte) (0x40 | ihlWords);
        int total = ihlWords * 4 + l4;
        f[16] = (byte) (total >> 8);
        f[17] = (byte) total;
        f[23] = (byte) proto;
        return MemorySegment.ofArray(f);
    }

    @Test
    void tcpAndUdpChecksumsSitAfterTheIpHeaderOptionsIncluded() {
        MemorySegment tcp = frame(0x0800, 5, 6, 20);
        int at = L4Checksum.locate(tcp, 0, (int) tcp.byteSize(), true);
        assertEquals(34, L4Checksum.start(at));
        assertEquals(16, L4Checksum.field(at));
        assertEquals(54, L4Checksum.ipEnd(tcp, 0), "14 + the IPv4 total length");

        MemorySegment withOptions = frame(0x0800, 6, 6, 20);
        assertEquals(38, L4Checksum.start(L4Checksum.locate(withOptions, 0, (int) withOptions.byteSize(), false)));

        MemorySegment udp = frame(0x0800, 5, 17, 8);
        int u = L4Checksum.locate(udp, 0, (int) udp.byteSize(), false);
        assertEquals(34, L4Checksum.start(u));
        assertEquals(6, L4Checksum.field(u));
        assertEquals(-1, L4Checksum.locate(udp, 0, (int) udp.byteSize(), true), "UDP when only TCP may be cut");
    }

    @Test
    void framesWithoutAnL4ChecksumInsideThemHaveNoLocation() {
        MemorySegment arp = frame(0x0806, 5, 6, 20);
        assertEquals(-1, L4Checksum.locate(arp, 0, (int) arp.byteSize(), false), "not IPv4");
        MemorySegment icmp = frame(0x0800, 5, 1, 8);
        assertEquals(-1, L4Checksum.locate(icmp, 0, (int) icmp.byteSize(), false), "neither TCP nor UDP");
        MemorySegment badIhl = frame(0x0800, 4, 6, 24);
        assertEquals(-1, L4Checksum.locate(badIhl, 0, (int) badIhl.byteSize(), false), "IHL below 5 words");
        MemorySegment cut = frame(0x0800, 5, 6, 20);
        assertEquals(-1, L4Checksum.locate(cut, 0, 14 + 20 + 17, false), "the checksum field past the frame's end");
        assertEquals(-1, L4Checksum.locate(cut, 0, 20, false), "shorter than an IPv4 header");
    }
}
