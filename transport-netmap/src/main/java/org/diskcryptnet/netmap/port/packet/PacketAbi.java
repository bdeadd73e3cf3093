package org.diskcryptnet.netmap.port.packet;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;
import java.lang.invoke.VarHandle;

/**
 * The AF_PACKET ABI (linux/if_packet.h, Documentation/networking/packet_mmap.rst): {@code sockaddr_ll},
 * {@code tpacket_req3}, the TPACKET_V3 block descriptor and frame header, and the socket options and status bits.
 * Field offsets come from these layouts only.
 */
public final class PacketAbi {

    public static final int SOL_PACKET = 263;
    public static final int PACKET_FANOUT = 18;
    public static final int PACKET_RX_RING = 5;
    public static final int PACKET_VERSION = 10;
    public static final int PACKET_STATISTICS = 6;
    public static final int PACKET_TX_RING = 13;
    public static final int PACKET_LOSS = 14;
    public static final int PACKET_VNET_HDR = 15;
    public static final int PACKET_QDISC_BYPASS = 20;
    public static final int PACKET_IGNORE_OUTGOING = 23;

    public static final int TPACKET_V3 = 2;

    /** ETH_P_ALL (linux/if_ether.h), in network byte order where it goes into sockaddr_ll or socket(2). */
    public static final int ETH_P_ALL = 0x0003;

    public static final int PACKET_FANOUT_QM = 5;

    // rx status bits
    public static final int TP_STATUS_KERNEL = 0;
    public static final int TP_STATUS_USER = 1;
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

    public static final StructLayout TPACKET_REQ3 = MemoryLayout.structLayout(
            JAVA_INT.withName("tp_block_size"),
            JAVA_INT.withName("tp_block_nr"),
            JAVA_INT.withName("tp_frame_size"),
            JAVA_INT.withName("tp_frame_nr"),
            JAVA_INT.withName("tp_retire_blk_tov"),
            JAVA_INT.withName("tp_sizeof_priv"),
            JAVA_INT.withName("tp_feature_req_word"));

    /** struct tpacket_block_desc with its tpacket_hdr_v1. */
    public static final StructLayout BLOCK_DESC = MemoryLayout.structLayout(
            JAVA_INT.withName("version"),
            JAVA_INT.withName("offset_to_priv"),
            JAVA_INT.withName("block_status"),
            JAVA_INT.withName("num_pkts"),
            JAVA_INT.withName("offset_to_first_pkt"),
            JAVA_INT.withName("blk_len"),
            JAVA_LONG.withName("seq_num"),
            MemoryLayout.sequenceLayout(2, JAVA_INT).withName("ts_first_pkt"),
            MemoryLayout.sequenceLayout(2, JAVA_INT).withName("ts_last_pkt"));

    /** struct tpacket3_hdr. */
    public static final StructLayout TPACKET3_HDR = MemoryLayout.structLayout(
            JAVA_INT.withName("tp_next_offset"),
            JAVA_INT.withName("tp_sec"),
            JAVA_INT.withName("tp_nsec"),
            JAVA_INT.withName("tp_snaplen"),
            JAVA_INT.withName("tp_len"),
            JAVA_INT.withName("tp_status"),
            JAVA_SHORT.withName("tp_mac"),
            JAVA_SHORT.withName("tp_net"),
            JAVA_INT.withName("tp_rxhash"),
            JAVA_INT.withName("tp_vlan_tci"),
            JAVA_SHORT.withName("tp_vlan_tpid"),
            JAVA_SHORT.withName("tp_padding"),
            MemoryLayout.sequenceLayout(8, JAVA_BYTE).withName("tp_padding2"));

    public static final long BLOCK_STATUS = offset(BLOCK_DESC, "block_status");
    public static final long BLOCK_NUM_PKTS = offset(BLOCK_DESC, "num_pkts");
    public static final long BLOCK_FIRST_PKT = offset(BLOCK_DESC, "offset_to_first_pkt");

    public static final long TP_NEXT_OFFSET = offset(TPACKET3_HDR, "tp_next_offset");
    public static final long TP_SNAPLEN = offset(TPACKET3_HDR, "tp_snaplen");
    public static final long TP_LEN = offset(TPACKET3_HDR, "tp_len");
    public static final long TP_STATUS = offset(TPACKET3_HDR, "tp_status");
    public static final long TP_MAC = offset(TPACKET3_HDR, "tp_mac");

    /**
     * Where a tx frame's data starts in its slot without PACKET_TX_HAS_OFF: TPACKET3_HDRLEN minus
     * sizeof(struct sockaddr_ll), i.e. the header rounded up to TPACKET_ALIGNMENT (af_packet.c, tpacket_snd).
     */
    public static final int TX_DATA_OFFSET = align(TPACKET3_HDR.byteSize());

    /** The same sums for a V3 rx frame's worst-case overhead: header, sockaddr_ll, alignment slack. */
    public static final int RX_FRAME_OVERHEAD = TX_DATA_OFFSET + (int) SOCKADDR_LL.byteSize() + TPACKET_ALIGNMENT;

    /**
     * struct tpacket_stats_v3 (PACKET_STATISTICS on a TPACKET_V3 socket): frames seen (drops included), frames
     * dropped for want of room in the rx ring, and how often the queue froze. Reading resets them (af_packet.c).
     */
    public static final StructLayout TPACKET_STATS_V3 = MemoryLayout.structLayout(
            JAVA_INT.withName("tp_packets"),
            JAVA_INT.withName("tp_drops"),
            JAVA_INT.withName("tp_freeze_q_cnt"));
    public static final long STATS_DROPS = offset(TPACKET_STATS_V3, "tp_drops");

    public static final VarHandle REQ_BLOCK_SIZE = field(TPACKET_REQ3, "tp_block_size");
    public static final VarHandle REQ_BLOCK_NR = field(TPACKET_REQ3, "tp_block_nr");
    public static final VarHandle REQ_FRAME_SIZE = field(TPACKET_REQ3, "tp_frame_size");
    public static final VarHandle REQ_FRAME_NR = field(TPACKET_REQ3, "tp_frame_nr");
    public static final VarHandle REQ_RETIRE_TOV = field(TPACKET_REQ3, "tp_retire_blk_tov");

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
