package org.diskcryptnet.netmap.wire;

import java.lang.foreign.MemorySegment;

/**
 * Flyweight over a TCP segment (RFC 9293 section 3.1):
 * <pre>
 *  0      2      4     8     12         13    14     16       18      20
 *  | sport| dport| seq | ack |off|rsvd  |flags| window| cksum | urgent| options ... | data
 * </pre>
 * {@link #wrap} checks the length and data offset and parses the options into a reused {@link TcpOptions};
 * {@link #checksumValid} checks the checksum against the pseudo header, which only the IP layer knows.
 */
public final class TcpHeader {

    public static final int HEADER_LENGTH = 20;
    public static final int MAX_HEADER_LENGTH = 60;

    public static final int FIN = 0x01;
    public static final int SYN = 0x02;
    public static final int RST = 0x04;
    public static final int PSH = 0x08;
    public static final int ACK = 0x10;
    public static final int URG = 0x20;

    private static final int SOURCE_PORT = 0;
    private static final int DESTINATION_PORT = 2;
    private static final int SEQUENCE = 4;
    private static final int ACKNOWLEDGMENT = 8;
    private static final int DATA_OFFSET = 12;
    private static final int FLAGS = 13;
    private static final int WINDOW = 14;
    private static final int CHECKSUM = 16;
    private static final int URGENT = 18;

    private final TcpOptions options = new TcpOptions();
    private MemorySegment memory;
    private long offset;
    private int length;
    private int headerLength;

    /** Points the view at a segment of {@code length} bytes (header + data); {@code null} if usable. */
    public DropReason wrap(MemorySegment memory, long offset, int length) {
        this.memory = memory;
        this.offset = offset;
        this.length = length;
        if (length < HEADER_LENGTH) {
            return DropReason.TCP_TRUNCATED;
        }
        int hl = (NetworkOrder.u8(memory, offset + DATA_OFFSET) >>> 4) * 4;
        if (hl < HEADER_LENGTH || hl > length) {
            return DropReason.TCP_BAD_OFFSET;
        }
        this.headerLength = hl;
        if (sourcePort() == 0 || destinationPort() == 0) {
            return DropReason.TCP_BAD_PORT;
        }
        int f = flags();
        if ((f & SYN) != 0 && (f & (FIN | RST)) != 0) {
            return DropReason.TCP_BAD_FLAGS;
        }
        if (hl == HEADER_LENGTH) {
            options.clear();
        } else if (!options.parse(memory, offset + HEADER_LENGTH, hl - HEADER_LENGTH)) {
            return DropReason.TCP_BAD_OPTIONS;
        }
        return null;
    }

    /** The checksum over the pseudo header (RFC 9293 section 3.1) and the whole segment. */
    public boolean checksumValid(int sourceIp, int destinationIp) {
        int sum = Checksum.add(Checksum.pseudoHeaderSum(sourceIp, destinationIp, Ipv4Packet.PROTOCOL_TCP, length),
                Checksum.sum(memory, offset, length));
        return sum == 0xFFFF;
    }

    public int sourcePort() {
        return NetworkOrder.u16(memory, offset + SOURCE_PORT);
    }

    public int destinationPort() {
        return NetworkOrder.u16(memory, offset + DESTINATION_PORT);
    }

    public int sequence() {
        return NetworkOrder.u32(memory, offset + SEQUENCE);
    }

    public int acknowledgment() {
        return NetworkOrder.u32(memory, offset + ACKNOWLEDGMENT);
    }

    public int flags() {
        return NetworkOrder.u8(memory, offset + FLAGS);
    }

    public boolean has(int flag) {
        return (flags() & flag) != 0;
    }

    /** The window field as sent (not yet scaled). */
    public int window() {
        return NetworkOrder.u16(memory, offset + WINDOW);
    }

    public int checksum() {
        return NetworkOrder.u16(memory, offset + CHECKSUM);
    }

    public int urgentPointer() {
        return NetworkOrder.u16(memory, offset + URGENT);
    }

    public int headerLength() {
        return headerLength;
    }

    public TcpOptions options() {
        return options;
    }

    public MemorySegment memory() {
        return memory;
    }

    public long offset() {
        return offset;
    }

    public int length() {
        return length;
    }

    public long payloadOffset() {
        return offset + headerLength;
    }

    public int payloadLength() {
        return length - headerLength;
    }

    /** Writes the fixed header (checksum 0); options, if any, are written after it by {@link TcpOptions}. */
    public static void write(MemorySegment m, long offset, int sourcePort, int destinationPort, int sequence,
                             int acknowledgment, int headerLength, int flags, int window) {
        NetworkOrder.u16(m, offset + SOURCE_PORT, sourcePort);
        NetworkOrder.u16(m, offset + DESTINATION_PORT, destinationPort);
        NetworkOrder.u32(m, offset + SEQUENCE, sequence);
        NetworkOrder.u32(m, offset + ACKNOWLEDGMENT, acknowledgment);
        NetworkOrder.u8(m, offset + DATA_OFFSET, (headerLength / 4) << 4);
        NetworkOrder.u8(m, offset + FLAGS, flags);
        NetworkOrder.u16(m, offset + WINDOW, window);
        NetworkOrder.u16(m, offset + CHECKSUM, 0);
        NetworkOrder.u16(m, offset + URGENT, 0);
    }

    /** Fills in the checksum of the segment of {@code length} bytes at {@code offset}. */
    public static void writeChecksum(MemorySegment m, long offset, int length, int sourceIp, int destinationIp) {
        NetworkOrder.u16(m, offset + CHECKSUM, 0);
        int sum = Checksum.add(Checksum.pseudoHeaderSum(sourceIp, destinationIp, Ipv4Packet.PROTOCOL_TCP, length),
                Checksum.sum(m, offset, length));
        NetworkOrder.u16(m, offset + CHECKSUM, Checksum.complement(sum));
    }

    /**
     * Writes only the pseudo-header sum into the checksum field, as a device with checksum offload expects
     * (the partial checksum of virtio-net's VIRTIO_NET_HDR_F_NEEDS_CSUM and Linux's CHECKSUM_PARTIAL).
     */
    public static void writePartialChecksum(MemorySegment m, long offset, int length, int sourceIp, int destinationIp) {
        NetworkOrder.u16(m, offset + CHECKSUM,
                Checksum.pseudoHeaderSum(sourceIp, destinationIp, Ipv4Packet.PROTOCOL_TCP, length));
    }
}
