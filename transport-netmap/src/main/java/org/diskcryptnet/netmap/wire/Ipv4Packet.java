package org.diskcryptnet.netmap.wire;

import java.lang.foreign.MemorySegment;

/**
 * Flyweight over an IPv4 packet (RFC 791 section 3.1):
 * <pre>
 *  0        1       2     4       6           8     9       10      12    16    20
 *  |ver|ihl | tos   |total| ident |flags|frag | ttl | proto | cksum | src | dst | payload
 * </pre>
 * The stack accepts only what it needs: no options (IHL 5), no fragments (it sends DF and its peers do too;
 * a fragment is dropped and counted rather than reassembled). {@link #wrap} validates in that order: length,
 * version, header length, total length, checksum, fragmentation.
 */
public final class Ipv4Packet {

    public static final int HEADER_LENGTH = 20;
    public static final int PROTOCOL_ICMP = 1;
    public static final int PROTOCOL_TCP = 6;

    private static final int VERSION_IHL = 0;
    private static final int TOTAL_LENGTH = 2;
    private static final int IDENTIFICATION = 4;
    private static final int FLAGS_FRAGMENT = 6;
    private static final int TTL = 8;
    private static final int PROTOCOL = 9;
    private static final int CHECKSUM = 10;
    private static final int SOURCE = 12;
    private static final int DESTINATION = 16;

    private static final int FLAG_DF = 0x4000;
    private static final int FLAG_MF = 0x2000;
    private static final int FRAGMENT_OFFSET_MASK = 0x1FFF;

    private MemorySegment memory;
    private long offset;
    private int totalLength;

    /**
     * Points the view at a received packet of {@code length} bytes (the Ethernet payload, which may carry
     * padding after the IP packet); {@code null} if usable, else why not.
     *
     * @param verifyChecksum false when the port already verified it
     */
    public DropReason wrap(MemorySegment memory, long offset, int length, boolean verifyChecksum) {
        this.memory = memory;
        this.offset = offset;
        if (length < HEADER_LENGTH) {
            return DropReason.IP_TRUNCATED;
        }
        int vihl = NetworkOrder.u8(memory, offset + VERSION_IHL);
        if (vihl >>> 4 != 4) {
            return DropReason.IP_BAD_VERSION;
        }
        int ihl = vihl & 0xF;
        if (ihl != 5) {
            return ihl < 5 ? DropReason.IP_BAD_LENGTH : DropReason.IP_OPTIONS;
        }
        int total = NetworkOrder.u16(memory, offset + TOTAL_LENGTH);
        if (total < HEADER_LENGTH) {
            return DropReason.IP_BAD_LENGTH;
        }
        if (total > length) {
            return DropReason.IP_TRUNCATED;
        }
        this.totalLength = total;
        if (verifyChecksum && Checksum.sum(memory, offset, HEADER_LENGTH) != 0xFFFF) {
            return DropReason.IP_BAD_CHECKSUM;
        }
        int frag = NetworkOrder.u16(memory, offset + FLAGS_FRAGMENT);
        if ((frag & (FLAG_MF | FRAGMENT_OFFSET_MASK)) != 0) {
            return DropReason.IP_FRAGMENT;
        }
        return null;
    }

    public int totalLength() {
        return totalLength;
    }

    public int protocol() {
        return NetworkOrder.u8(memory, offset + PROTOCOL);
    }

    public int ttl() {
        return NetworkOrder.u8(memory, offset + TTL);
    }

    public int source() {
        return NetworkOrder.u32(memory, offset + SOURCE);
    }

    public int destination() {
        return NetworkOrder.u32(memory, offset + DESTINATION);
    }

    public int identification() {
        return NetworkOrder.u16(memory, offset + IDENTIFICATION);
    }

    public boolean dontFragment() {
        return (NetworkOrder.u16(memory, offset + FLAGS_FRAGMENT) & FLAG_DF) != 0;
    }

    public long payloadOffset() {
        return offset + HEADER_LENGTH;
    }

    public int payloadLength() {
        return totalLength - HEADER_LENGTH;
    }

    public MemorySegment memory() {
        return memory;
    }

    /**
     * Writes a 20-byte header with DF set (RFC 791; the identification of an atomic datagram may be anything,
     * RFC 6864 section 4.1) and its checksum.
     */
    public static void writeHeader(MemorySegment m, long offset, int source, int destination, int protocol,
                                   int totalLength, int identification, int ttl) {
        NetworkOrder.u8(m, offset + VERSION_IHL, 0x45);
        NetworkOrder.u8(m, offset + 1, 0);
        NetworkOrder.u16(m, offset + TOTAL_LENGTH, totalLength);
        NetworkOrder.u16(m, offset + IDENTIFICATION, identification);
        NetworkOrder.u16(m, offset + FLAGS_FRAGMENT, FLAG_DF);
        NetworkOrder.u8(m, offset + TTL, ttl);
        NetworkOrder.u8(m, offset + PROTOCOL, protocol);
        NetworkOrder.u16(m, offset + CHECKSUM, 0);
        NetworkOrder.u32(m, offset + SOURCE, source);
        NetworkOrder.u32(m, offset + DESTINATION, destination);
        NetworkOrder.u16(m, offset + CHECKSUM, Checksum.complement(Checksum.sum(m, offset, HEADER_LENGTH)));
    }
}
