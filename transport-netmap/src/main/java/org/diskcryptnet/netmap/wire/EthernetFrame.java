package org.diskcryptnet.netmap.wire;

import java.lang.foreign.MemorySegment;

/**
 * Flyweight over an Ethernet II frame (IEEE 802.3 clause 3.1.1, without preamble and FCS, which the NIC
 * handles):
 * <pre>
 *  0      6      12          14
 *  | dst  | src  | EtherType | payload ...
 * </pre>
 * {@link #wrap} checks the length first; the accessors then assume it.
 */
public final class EthernetFrame {

    public static final int HEADER_LENGTH = 14;
    public static final int ETHERTYPE_IPV4 = 0x0800;
    public static final int ETHERTYPE_ARP = 0x0806;

    private static final int DESTINATION = 0;
    private static final int SOURCE = 6;
    private static final int ETHERTYPE = 12;

    private MemorySegment memory;
    private long offset;
    private int length;

    /** Points the view at a received frame; {@code null} if it is usable, else why not. */
    public DropReason wrap(MemorySegment memory, long offset, int length) {
        this.memory = memory;
        this.offset = offset;
        this.length = length;
        return length < HEADER_LENGTH ? DropReason.ETHERNET_TRUNCATED : null;
    }

    public long destination() {
        return NetworkOrder.u48(memory, offset + DESTINATION);
    }

    public long source() {
        return NetworkOrder.u48(memory, offset + SOURCE);
    }

    public int etherType() {
        return NetworkOrder.u16(memory, offset + ETHERTYPE);
    }

    public long payloadOffset() {
        return offset + HEADER_LENGTH;
    }

    public int payloadLength() {
        return length - HEADER_LENGTH;
    }

    public MemorySegment memory() {
        return memory;
    }

    /** Writes an Ethernet header at {@code offset}; the payload follows at {@code offset + HEADER_LENGTH}. */
    public static void writeHeader(MemorySegment m, long offset, long destination, long source, int etherType) {
        NetworkOrder.u48(m, offset + DESTINATION, destination);
        NetworkOrder.u48(m, offset + SOURCE, source);
        NetworkOrder.u16(m, offset + ETHERTYPE, etherType);
    }
}
