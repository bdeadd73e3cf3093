package org.diskcryptnet.netmap.port.linux;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_SHORT_UNALIGNED;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Where the TCP or UDP checksum of an IPv4 frame starts and sits: what a port tells the kernel when it asks it to
 * complete a partial checksum (virtio-net's {@code csum_start}/{@code csum_offset}, AF_XDP's tx metadata). The L4
 * header follows the IPv4 header of IHL words (RFC 791 section 3.1); the checksum field is at byte 16 of a TCP
 * header (RFC 9293 section 3.1) and byte 6 of a UDP header (RFC 768).
 */
public final class L4Checksum {

    private static final int ETH_HLEN = 14;
    private static final int ETHERTYPE_IPV4 = 0x0800;
    private static final int IPPROTO_TCP = 6, IPPROTO_UDP = 17;
    private static final int TCP_CHECKSUM = 16, UDP_CHECKSUM = 6;
    private static final ValueLayout.OfShort SHORT_BE = JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    private L4Checksum() {}

    /**
     * The checksum location of the frame at {@code frame}, {@code length} bytes long, packed as
     * {@code start << 16 | field} (start from the frame's first byte, field from start), or -1 if the frame is not
     * IPv4 TCP (or UDP, unless {@code tcpOnly}) with its checksum field inside the frame.
     */
    public static int locate(MemorySegment m, long frame, int length, boolean tcpOnly) {
        if (!isIpv4(m, frame, length)) {
            return -1;
        }
        int ihl = (m.get(JAVA_BYTE, frame + ETH_HLEN) & 0x0F) * 4;
        int protocol = m.get(JAVA_BYTE, frame + ETH_HLEN + 9) & 0xFF;
        int field = protocol == IPPROTO_TCP ? TCP_CHECKSUM : protocol == IPPROTO_UDP && !tcpOnly ? UDP_CHECKSUM : -1;
        int start = ETH_HLEN + ihl;
        if (ihl < 20 || field < 0 || start + field + 2 > length) {
            return -1;
        }
        return start << 16 | field;
    }

    /** Whether the frame is long enough for an IPv4 header and says IPv4 in its EtherType. */
    public static boolean isIpv4(MemorySegment m, long frame, int length) {
        return length >= ETH_HLEN + 20 && (m.get(SHORT_BE, frame + 12) & 0xFFFF) == ETHERTYPE_IPV4;
    }

    public static int start(int location) {
        return location >>> 16;
    }

    public static int field(int location) {
        return location & 0xFFFF;
    }

    /** The end of the IPv4 packet in the frame: its total length, not the Ethernet padding after it. */
    public static int ipEnd(MemorySegment m, long frame) {
        return ETH_HLEN + (m.get(SHORT_BE, frame + ETH_HLEN + 2) & 0xFFFF);
    }
}
