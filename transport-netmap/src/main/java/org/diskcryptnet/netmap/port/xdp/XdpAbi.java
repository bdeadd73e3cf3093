package org.diskcryptnet.netmap.port.xdp;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;

/**
 * The AF_XDP ABI (linux/if_xdp.h, Documentation/networking/af_xdp.rst): socket options, {@code sockaddr_xdp},
 * {@code xdp_umem_reg}, {@code xdp_mmap_offsets}, the descriptor {@code xdp_desc}, bind flags, the mmap offsets
 * of the four rings and the tx metadata in front of a frame ({@code xsk_tx_metadata}, Linux 6.8; its UMEM flag 6.11).
 */
final class XdpAbi {

    static final int SOL_XDP = 283;

    static final int XDP_MMAP_OFFSETS = 1;
    static final int XDP_RX_RING = 2;
    static final int XDP_TX_RING = 3;
    static final int XDP_UMEM_REG = 4;
    static final int XDP_UMEM_FILL_RING = 5;
    static final int XDP_UMEM_COMPLETION_RING = 6;
    static final int XDP_STATISTICS = 7;
    static final int XDP_OPTIONS = 8;

    static final short XDP_SHARED_UMEM = 1 << 0;
    static final short XDP_COPY = 1 << 1;
    static final short XDP_ZEROCOPY = 1 << 2;
    static final short XDP_USE_NEED_WAKEUP = 1 << 3;

    /** xdp_umem_reg flags: complete requested checksums in software (copy mode; for tests), and honour tx_metadata_len. */
    static final int XDP_UMEM_TX_SW_CSUM = 1 << 1;
    static final int XDP_UMEM_TX_METADATA_LEN = 1 << 2;

    /** xdp_desc option: the frame has a {@link #TX_METADATA} right before it (Documentation/networking/xsk-tx-metadata.rst). */
    static final int XDP_TX_METADATA = 1 << 1;
    /** xsk_tx_metadata flag: complete the checksum at csum_start + csum_offset over csum_start..end. */
    static final long XDP_TXMD_FLAGS_CHECKSUM = 1 << 1;

    static final int XDP_RING_NEED_WAKEUP = 1 << 0;
    static final int XDP_OPTIONS_ZEROCOPY = 1 << 0;

    static final long XDP_PGOFF_RX_RING = 0;
    static final long XDP_PGOFF_TX_RING = 0x80000000L;
    static final long XDP_UMEM_PGOFF_FILL_RING = 0x100000000L;
    static final long XDP_UMEM_PGOFF_COMPLETION_RING = 0x180000000L;

    /** XDP_PACKET_HEADROOM (linux/bpf.h): where a copy-mode rx frame starts in its chunk, at the earliest. */
    static final int XDP_PACKET_HEADROOM = 256;

    static final StructLayout SOCKADDR_XDP = MemoryLayout.structLayout(
            JAVA_SHORT.withName("sxdp_family"), JAVA_SHORT.withName("sxdp_flags"), JAVA_INT.withName("sxdp_ifindex"),
            JAVA_INT.withName("sxdp_queue_id"), JAVA_INT.withName("sxdp_shared_umem_fd"));

    static final StructLayout UMEM_REG = MemoryLayout.structLayout(
            JAVA_LONG.withName("addr"), JAVA_LONG.withName("len"), JAVA_INT.withName("chunk_size"),
            JAVA_INT.withName("headroom"), JAVA_INT.withName("flags"), JAVA_INT.withName("tx_metadata_len"));

    /** {@code union xsk_tx_metadata}: flags, then the request half of the union (csum_start, csum_offset, launch_time). */
    static final StructLayout TX_METADATA = MemoryLayout.structLayout(
            JAVA_LONG.withName("flags"), JAVA_SHORT.withName("csum_start"), JAVA_SHORT.withName("csum_offset"),
            MemoryLayout.paddingLayout(4), JAVA_LONG.withName("launch_time"));

    static final StructLayout RING_OFFSET = MemoryLayout.structLayout(
            JAVA_LONG.withName("producer"), JAVA_LONG.withName("consumer"), JAVA_LONG.withName("desc"),
            JAVA_LONG.withName("flags"));

    static final StructLayout MMAP_OFFSETS = MemoryLayout.structLayout(
            RING_OFFSET.withName("rx"), RING_OFFSET.withName("tx"), RING_OFFSET.withName("fr"), RING_OFFSET.withName("cr"));

    static final StructLayout DESC = MemoryLayout.structLayout(
            JAVA_LONG.withName("addr"), JAVA_INT.withName("len"), JAVA_INT.withName("options"));

    static final StructLayout STATISTICS = MemoryLayout.structLayout(
            JAVA_LONG.withName("rx_dropped"), JAVA_LONG.withName("rx_invalid_descs"), JAVA_LONG.withName("tx_invalid_descs"),
            JAVA_LONG.withName("rx_ring_full"), JAVA_LONG.withName("rx_fill_ring_empty_descs"),
            JAVA_LONG.withName("tx_ring_empty_descs"));

    static final long STATISTICS_RX_DROPPED = offset(STATISTICS, "rx_dropped");
    static final long STATISTICS_RX_RING_FULL = offset(STATISTICS, "rx_ring_full");
    static final long DESC_ADDR = offset(DESC, "addr");
    static final long DESC_LEN = offset(DESC, "len");
    static final long DESC_OPTIONS = offset(DESC, "options");
    static final long TXMD_FLAGS = offset(TX_METADATA, "flags");
    static final long TXMD_CSUM_START = offset(TX_METADATA, "csum_start");
    static final long TXMD_CSUM_OFFSET = offset(TX_METADATA, "csum_offset");

    private XdpAbi() {}

    static long offset(StructLayout s, String... path) {
        MemoryLayout.PathElement[] p = new MemoryLayout.PathElement[path.length];
        for (int i = 0; i < path.length; i++) {
            p[i] = MemoryLayout.PathElement.groupElement(path[i]);
        }
        return s.byteOffset(p);
    }
}
