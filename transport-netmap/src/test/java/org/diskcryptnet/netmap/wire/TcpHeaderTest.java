package org.diskcryptnet.netmap.wire;

import java.lang.foreign.MemorySegment;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The TCP view: header checks (RFC 9293 3.1), option parsing and the pseudo-header checksum. */
class TcpHeaderTest {

    private static final int A = Ipv4Address.parse("198.18.60.1");
    private static final int B = Ipv4Address.parse("198.18.60.2");

    private static MemorySegment segment(int optionBytes) {
        MemorySegment m = MemorySegment.ofArray(new byte[100]);
        TcpHeader.write(m, 0, 1000, 2000, 77, 88, 20 + optionBytes, TcpHeader.ACK | TcpHeader.PSH, 500);
        return m;
    }

    @Test
    void fieldsRoundTrip() {
        MemorySegment m = segment(0);
        TcpHeader h = new TcpHeader();
        assertNull(h.wrap(m, 0, 25));
        assertEquals(1000, h.sourcePort());
        assertEquals(2000, h.destinationPort());
        assertEquals(77, h.sequence());
        assertEquals(88, h.acknowledgment());
        assertEquals(500, h.window());
        assertTrue(h.has(TcpHeader.PSH));
        assertEquals(5, h.payloadLength());
    }

    @Test
    void checksumOverThePseudoHeader() {
        MemorySegment m = segment(0);
        TcpHeader.writeChecksum(m, 0, 30, A, B);
        TcpHeader h = new TcpHeader();
        assertNull(h.wrap(m, 0, 30));
        assertTrue(h.checksumValid(A, B));
        assertFalse(h.checksumValid(A, A), "the pseudo header's addresses count");
        NetworkOrder.u8(m, 25, 1);
        assertFalse(h.checksumValid(A, B));
    }

    @Test
    void malformedHeadersGetTheirReason() {
        TcpHeader h = new TcpHeader();
        assertEquals(DropReason.TCP_TRUNCATED, h.wrap(segment(0), 0, 19));
        MemorySegment lowOffset = segment(0);
        NetworkOrder.u8(lowOffset, 12, 4 << 4);
        assertEquals(DropReason.TCP_BAD_OFFSET, h.wrap(lowOffset, 0, 40));
        MemorySegment pastEnd = segment(0);
        NetworkOrder.u8(pastEnd, 12, 15 << 4);
        assertEquals(DropReason.TCP_BAD_OFFSET, h.wrap(pastEnd, 0, 40));
        MemorySegment port0 = segment(0);
        NetworkOrder.u16(port0, 0, 0);
        assertEquals(DropReason.TCP_BAD_PORT, h.wrap(port0, 0, 40));
        MemorySegment synFin = segment(0);
        NetworkOrder.u8(synFin, 13, TcpHeader.SYN | TcpHeader.FIN);
        assertEquals(DropReason.TCP_BAD_FLAGS, h.wrap(synFin, 0, 40));
        MemorySegment synRst = segment(0);
        NetworkOrder.u8(synRst, 13, TcpHeader.SYN | TcpHeader.RST);
        assertEquals(DropReason.TCP_BAD_FLAGS, h.wrap(synRst, 0, 40));
    }

    @Test
    void optionWithZeroOrOverlongLengthIsRejected() {
        // RFC 9293 3.1: an implementation must survive an illegal option length
        TcpHeader h = new TcpHeader();
        MemorySegment zero = segment(4);
        NetworkOrder.u8(zero, 20, TcpOptions.KIND_MSS);
        NetworkOrder.u8(zero, 21, 0);
        assertEquals(DropReason.TCP_BAD_OPTIONS, h.wrap(zero, 0, 24));
        MemorySegment overlong = segment(4);
        NetworkOrder.u8(overlong, 20, TcpOptions.KIND_TIMESTAMPS);
        NetworkOrder.u8(overlong, 21, 10);
        assertEquals(DropReason.TCP_BAD_OPTIONS, h.wrap(overlong, 0, 24));
        MemorySegment kindOnly = segment(4);
        NetworkOrder.u8(kindOnly, 20, TcpOptions.KIND_NOP);
        NetworkOrder.u8(kindOnly, 21, TcpOptions.KIND_NOP);
        NetworkOrder.u8(kindOnly, 22, TcpOptions.KIND_NOP);
        NetworkOrder.u8(kindOnly, 23, TcpOptions.KIND_MSS);
        assertEquals(DropReason.TCP_BAD_OPTIONS, h.wrap(kindOnly, 0, 24));
    }

    @Test
    void allOptionsParseAndUnknownOnesAreSkipped() {
        MemorySegment m = segment(40);
        long p = 20;
        p += TcpOptions.writeMss(m, p, 1460);
        p += TcpOptions.writeSackPermittedAndTimestamps(m, p, 111, 222);
        p += TcpOptions.writeWindowScale(m, p, 7);
        NetworkOrder.u8(m, p, 30);      // an unknown kind (MPTCP) of length 4
        NetworkOrder.u8(m, p + 1, 4);
        p += 4;
        p += TcpOptions.writeSack(m, p, new int[] {5}, new int[] {9}, 1);
        NetworkOrder.u8(m, p, TcpOptions.KIND_END);
        TcpHeader h = new TcpHeader();
        assertNull(h.wrap(m, 0, 60));
        TcpOptions o = h.options();
        assertEquals(1460, o.mss);
        assertEquals(7, o.windowScale);
        assertTrue(o.sackPermitted);
        assertTrue(o.timestamps);
        assertEquals(111, o.tsVal);
        assertEquals(222, o.tsEcr);
        assertEquals(1, o.sackBlocks);
        assertEquals(5, o.sackLeft[0]);
        assertEquals(9, o.sackRight[0]);
    }

    @Test
    void optionsOfTheWrongSizeAreIgnoredNotMisread() {
        MemorySegment m = segment(8);
        NetworkOrder.u8(m, 20, TcpOptions.KIND_MSS);
        NetworkOrder.u8(m, 21, 3);          // MSS must be 4 long
        NetworkOrder.u8(m, 23, TcpOptions.KIND_SACK);
        NetworkOrder.u8(m, 24, 5);          // not 2 + 8n
        TcpHeader h = new TcpHeader();
        assertNull(h.wrap(m, 0, 28));
        assertEquals(-1, h.options().mss);
        assertEquals(0, h.options().sackBlocks);
    }
}
