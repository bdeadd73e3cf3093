package org.diskcryptnet.netmap.port.packet;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;
import java.lang.invoke.VarHandle;

/**
 * The AF_PACKET ABI (linux/if_packet.h, Documentation/networking/packet_mmap.rst): {@code sockaddr_ll},
 * {@code tpacket_req}, the TPACKET_V2 frame header, {@code tpacket_stats}, and the socket options and status bits.
 * Field offsets come from these layouts only.
 */
public final class PacketAbi {

    public static final int SOL_PACKET = 263;
    public static final int PACKET_FANOUT = 18;
    public static final int PACKET_RX_RING = 5;
    public static final int PACKET_VERSION = 10;
    public static final int PACKET_STATISTICS = 6;
    /** A frame larger than an rx ring frame is also queued whole on the socket (TP_STATUS_COPY). */
    public static final int PACKET_COPY_THRESH = 7;
    public static final int PACKET_TX_RING = 13;
    public static final int PACKET_LOSS = 14;
    public static final int PACKET_VNET_HDR = 15;
    public static final int PACKET_QDISC_BYPASS = 20;
    public static final int PACKET_IGNORE_OUTGOING = 23;

    public static final int TPACKET_V2 = 1;

    /** ETH_P_ALL (linux/if_ether.h), in network byte order where it goes into sockaddr_ll or socket(2). */
    public static final int ETH_P_ALL = 0x0003;

    public static final int PACKET_FANOUT_QM = 5;

    // rx status bits
    public static final int TP_STATUS_KERNEL = 0;
    public static final int TP_STATUS_USER = 1;
    /** The frame is truncated to the ring frame, and queued whole on the socket for recv (PACKET_COPY_THRESH). */
    public static final int TP_STATUS_COPY = 1 << 1;
    public static final int TP_STATUS_LOSING = 1 << 2;
    public static final int TP_STATUS_CSUMNOTREADY = 1 << 3;
    public static final int TP_STATUS_CSUM_VALID = 1 << 7;
    // tx status values
    public static final int TP_STATUS_AVAILABLE = 0;
    public static final int TP_STATUS_SEND_REQUEST = 1;
    public static final int TP_STATUS_SENDING = 2;
    public static final int TP_STATUS_WRONG_FORMAT = 4;

    public static final int TPACKET_ALIGNMENT = 16;

    public static final StructLayout SOCKADDR_LL = MemoryLayout.structLayout(
            JAVA_SHORT.withName("sll_family"),
            JAVA_SHORT.withName("sll_protocol"),
            JAVA_INT.withName("sll_ifindex"),
            JAVA_SHORT.withName("sll_hatype"),
            JAVA_BYTE.withName("sll_pkttype"),
            JAVA_BYTE.withName("sll_halen"),
            MemoryLayout.sequenceLayout(8, JAVA_BYTE).withName("sll_addr"));

    /** struct tpacket_req: the rx and tx rings of a TPACKET_V1/V2 socket. */
    public static final StructLayout TPACKET_REQ = MemoryLayout.structLayout(
            JAVA_INT.withName("tp_block_size"),
            JAVA_INT.withName("tp_block_nr"),
            JAVA_INT.withName("tp_frame_size"),
            JAVA_INT.withName("tp_frame_nr"));

    /** struct tpacket2_hdr: in front of every rx and tx frame of a TPACKET_V2 ring. */
    public static final StructLayout TPACKET2_HDR = MemoryLayout.structLayout(
            JAVA_INT.withName("tp_status"),
            JAVA_INT.withName("tp_len"),
            JAVA_INT.withName("tp_snaplen"),
            JAVA_SHORT.withName("tp_mac"),
            JAVA_SHORT.withName("tp_net"),
            JAVA_INT.withName("tp_sec"),
            JAVA_INT.withName("tp_nsec"),
            JAVA_SHORT.withName("tp_vlan_tci"),
            JAVA_SHORT.withName("tp_vlan_tpid"),
            MemoryLayout.sequenceLayout(4, JAVA_BYTE).withName("tp_padding"));

    public static final long TP_STATUS = offset(TPACKET2_HDR, "tp_status");
    public static final long TP_LEN = offset(TPACKET2_HDR, "tp_len");
    public static final long TP_SNAPLEN = offset(TPACKET2_HDR, "tp_snaplen");
    public static final long TP_MAC = offset(TPACKET2_HDR, "tp_mac");

    /** TPACKET2_HDRLEN: the header rounded up to TPACKET_ALIGNMENT, then a sockaddr_ll. */
    public static final int TPACKET2_HDRLEN = align(TPACKET2_HDR.byteSize()) + (int) SOCKADDR_LL.byteSize();

    /**
     * Where a tx frame's data starts in its slot without PACKET_TX_HAS_OFF: TPACKET2_HDRLEN minus
     * sizeof(struct sockaddr_ll) (af_packet.c, tpacket_snd).
     */
    public static final int TX_DATA_OFFSET = TPACKET2_HDRLEN - (int) SOCKADDR_LL.byteSize();

    /**
     * Where an rx frame's network header starts in its slot for a 14-byte link header (af_packet.c, tpacket_rcv:
     * TPACKET_ALIGN(tp_hdrlen + 16), the virtio-net header after it if any): the room an rx slot loses in front.
     */
    public static final int RX_NET_OFFSET = align(TPACKET2_HDRLEN + 16);

    /**
     * struct tpacket_stats (PACKET_STATISTICS on a TPACKET_V2 socket): frames seen (drops included) and frames
     * dropped for want of a free frame in the rx ring. Reading resets them (af_packet.c).
     */
    public static final StructLayout TPACKET_STATS = MemoryLayout.structLayout(
            JAVA_INT.withName("tp_packets"),
            JAVA_INT.withName("tp_drops"));
    public static final long STATS_DROPS = offset(TPACKET_STATS, "tp_drops");

    public static final VarHandle REQ_BLOCK_SIZE = field(TPACKET_REQ, "tp_block_size");
    public static final VarHandle REQ_BLOCK_NR = field(TPACKET_REQ, "tp_block_nr");
    public static final VarHandle REQ_FRAME_SIZE = field(TPACKET_REQ, "tp_frame_size");
    public static final VarHandle REQ_FRAME_NR = field(TPACKET_REQ, "tp_frame_nr");

    public static final VarHandle SLL_FAMILY = field(SOCKADDR_LL, "sll_family");
    public static final VarHandle SLL_PROTOCOL = field(SOCKADDR_LL, "sll_protocol");
    public static final VarHandle SLL_IFINDEX = field(SOCKADDR_LL, "sll_ifindex");

    private PacketAbi() {}

    public static int align(long n) {
        return (int) ((n + TPACKET_ALIGNMENT - 1) & -TPACKET_ALIGNMENT);
    }

    /** htons for the 16-bit protocol numbers in sockaddr_ll and socket(2). */
    public static short htons(int v) {
        return Short.reverseBytes((short) v);
    }

    private static long offset(StructLayout s, String name) {
        return s.byteOffset(MemoryLayout.PathElement.groupElement(name));
    }

    private static VarHandle field(StructLayout s, String name) {
        return s.varHandle(MemoryLayout.PathElement.groupElement(name));
    }
}
