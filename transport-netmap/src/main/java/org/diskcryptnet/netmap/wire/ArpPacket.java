package org.diskcryptnet.netmap.wire;

import java.lang.foreign.MemorySegment;

/**
 * Flyweight over an ARP packet for Ethernet and IPv4 (RFC 826):
 * <pre>
 *  0      2      4    5    6     8     14    18    24    28
 *  | htype| ptype|hlen|plen| oper| sha  | spa | tha  | tpa |
 * </pre>
 * Only hardware type 1 (Ethernet), protocol 0x0800, lengths 6 and 4 are accepted.
 */
public final class ArpPacket {

    public static final int LENGTH = 28;
    public static final int OP_REQUEST = 1;
    public static final int OP_REPLY = 2;

    private static final int HTYPE = 0;
    private static final int PTYPE = 2;
    private static final int HLEN = 4;
    private static final int PLEN = 5;
    private static final int OPER = 6;
    private static final int SHA = 8;
    private static final int SPA = 14;
    private static final int THA = 18;
    private static final int TPA = 24;

    private MemorySegment memory;
    private long offset;

    public DropReason wrap(MemorySegment memory, long offset, int length) {
        this.memory = memory;
        this.offset = offset;
        if (length < LENGTH
                || NetworkOrder.u16(memory, offset + HTYPE) != 1
                || NetworkOrder.u16(memory, offset + PTYPE) != EthernetFrame.ETHERTYPE_IPV4
                || NetworkOrder.u8(memory, offset + HLEN) != 6
                || NetworkOrder.u8(memory, offset + PLEN) != 4) {
            return DropReason.ARP_MALFORMED;
        }
        int op = operation();
        return op == OP_REQUEST || op == OP_REPLY ? null : DropReason.ARP_MALFORMED;
    }

    public int operation() {
        return NetworkOrder.u16(memory, offset + OPER);
    }

    public long senderMac() {
        return NetworkOrder.u48(memory, offset + SHA);
    }

    public int senderIp() {
        return NetworkOrder.u32(memory, offset + SPA);
    }

    public long targetMac() {
        return NetworkOrder.u48(memory, offset + THA);
    }

    public int targetIp() {
        return NetworkOrder.u32(memory, offset + TPA);
    }

    /** Writes a whole ARP packet at {@code offset}. */
    public static void write(MemorySegment m, long offset, int operation, long senderMac, int senderIp,
                             long targetMac, int targetIp) {
        NetworkOrder.u16(m, offset + HTYPE, 1);
        NetworkOrder.u16(m, offset + PTYPE, EthernetFrame.ETHERTYPE_IPV4);
        NetworkOrder.u8(m, offset + HLEN, 6);
        NetworkOrder.u8(m, offset + PLEN, 4);
        NetworkOrder.u16(m, offset + OPER, operation);
        NetworkOrder.u48(m, offset + SHA, senderMac);
        NetworkOrder.u32(m, offset + SPA, senderIp);
        NetworkOrder.u48(m, offset + THA, targetMac);
        NetworkOrder.u32(m, offset + TPA, targetIp);
    }
}
