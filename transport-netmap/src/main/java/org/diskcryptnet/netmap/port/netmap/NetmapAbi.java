package org.diskcryptnet.netmap.port.netmap;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;

/**
 * The netmap ABI, API version 14 (net/netmap.h of the netmap distribution and FreeBSD's sys/net/netmap.h, and
 * netmap(4)): the control request {@code NIOCCTRL} with {@code nmreq_header} and {@code nmreq_register}, the sync
 * ioctls, and the shared structures {@code netmap_if}, {@code netmap_ring} and {@code netmap_slot}. Every offset the
 * port and the tests' kernel model use comes from these layouts.
 */
public final class NetmapAbi {

    public static final int NETMAP_API = 14;
    public static final String DEVICE = "/dev/netmap";

    /** NETMAP_REQ_IFNAMSIZ: port names (e.g. {@code eth0}, <code>pipe&#123;1</code>) up to 63 characters and the NUL. */
    public static final int REQ_IFNAMSIZ = 64;

    public static final int NETMAP_REQ_REGISTER = 1;

    /** nr_mode values (enum in netmap.h). */
    public static final int NR_REG_ALL_NIC = 1;
    public static final int NR_REG_ONE_NIC = 4;

    /** nr_flags: make poll() not push tx (the port syncs explicitly), ask for exclusive rings. */
    public static final long NR_NO_TX_POLL = 0x20000;
    public static final long NR_EXCLUSIVE = 0x800;

    /** netmap_slot flags. */
    public static final int NS_BUF_CHANGED = 0x0001;

    public static final StructLayout NMREQ_HEADER = MemoryLayout.structLayout(
            JAVA_SHORT.withName("nr_version"),
            JAVA_SHORT.withName("nr_reqtype"),
            JAVA_INT.withName("nr_reserved"),
            MemoryLayout.sequenceLayout(REQ_IFNAMSIZ, JAVA_BYTE).withName("nr_name"),
            JAVA_LONG.withName("nr_options"),
            JAVA_LONG.withName("nr_body"));

    public static final StructLayout NMREQ_REGISTER = MemoryLayout.structLayout(
            JAVA_LONG.withName("nr_offset"),
            JAVA_LONG.withName("nr_memsize"),
            JAVA_INT.withName("nr_tx_slots"),
            JAVA_INT.withName("nr_rx_slots"),
            JAVA_SHORT.withName("nr_tx_rings"),
            JAVA_SHORT.withName("nr_rx_rings"),
            JAVA_SHORT.withName("nr_host_tx_rings"),
            JAVA_SHORT.withName("nr_host_rx_rings"),
            JAVA_SHORT.withName("nr_mem_id"),
            JAVA_SHORT.withName("nr_ringid"),
            JAVA_INT.withName("nr_mode"),
            JAVA_INT.withName("nr_extra_bufs"),
            MemoryLayout.paddingLayout(4),
            JAVA_LONG.withName("nr_flags"));

    /** struct netmap_if; {@code ring_ofs[]} (ssize_t) follows at {@link #NI_RING_OFS}. */
    public static final StructLayout NETMAP_IF = MemoryLayout.structLayout(
            MemoryLayout.sequenceLayout(16, JAVA_BYTE).withName("ni_name"),
            JAVA_INT.withName("ni_version"),
            JAVA_INT.withName("ni_flags"),
            JAVA_INT.withName("ni_tx_rings"),
            JAVA_INT.withName("ni_rx_rings"),
            JAVA_INT.withName("ni_bufs_head"),
            JAVA_INT.withName("ni_host_tx_rings"),
            JAVA_INT.withName("ni_host_rx_rings"),
            MemoryLayout.sequenceLayout(3, JAVA_INT).withName("ni_spare1"));

    /** struct netmap_ring up to its slots, which start at {@link #RING_SLOTS} (sem[] is aligned to NM_CACHE_ALIGN, 128). */
    public static final StructLayout NETMAP_RING = MemoryLayout.structLayout(
            JAVA_LONG.withName("buf_ofs"),
            JAVA_INT.withName("num_slots"),
            JAVA_INT.withName("nr_buf_size"),
            JAVA_SHORT.withName("ringid"),
            JAVA_SHORT.withName("dir"),
            JAVA_INT.withName("head"),
            JAVA_INT.withName("cur"),
            JAVA_INT.withName("tail"),
            JAVA_INT.withName("flags"),
            MemoryLayout.paddingLayout(4),
            MemoryLayout.structLayout(JAVA_LONG.withName("tv_sec"), JAVA_LONG.withName("tv_usec")).withName("ts"),
            MemoryLayout.paddingLayout(128 - 56),
            MemoryLayout.sequenceLayout(128, JAVA_BYTE).withName("sem"));

    public static final StructLayout NETMAP_SLOT = MemoryLayout.structLayout(
            JAVA_INT.withName("buf_idx"),
            JAVA_SHORT.withName("len"),
            JAVA_SHORT.withName("flags"),
            JAVA_LONG.withName("ptr"));

    public static final long HDR_VERSION = offset(NMREQ_HEADER, "nr_version");
    public static final long HDR_REQTYPE = offset(NMREQ_HEADER, "nr_reqtype");
    public static final long HDR_NAME = offset(NMREQ_HEADER, "nr_name");
    public static final long HDR_OPTIONS = offset(NMREQ_HEADER, "nr_options");
    public static final long HDR_BODY = offset(NMREQ_HEADER, "nr_body");

    public static final long REG_OFFSET = offset(NMREQ_REGISTER, "nr_offset");
    public static final long REG_MEMSIZE = offset(NMREQ_REGISTER, "nr_memsize");
    public static final long REG_TX_SLOTS = offset(NMREQ_REGISTER, "nr_tx_slots");
    public static final long REG_RX_SLOTS = offset(NMREQ_REGISTER, "nr_rx_slots");
    public static final long REG_TX_RINGS = offset(NMREQ_REGISTER, "nr_tx_rings");
    public static final long REG_RX_RINGS = offset(NMREQ_REGISTER, "nr_rx_rings");
    public static final long REG_HOST_TX_RINGS = offset(NMREQ_REGISTER, "nr_host_tx_rings");
    public static final long REG_HOST_RX_RINGS = offset(NMREQ_REGISTER, "nr_host_rx_rings");
    public static final long REG_MEM_ID = offset(NMREQ_REGISTER, "nr_mem_id");
    public static final long REG_RINGID = offset(NMREQ_REGISTER, "nr_ringid");
    public static final long REG_MODE = offset(NMREQ_REGISTER, "nr_mode");
    public static final long REG_FLAGS = offset(NMREQ_REGISTER, "nr_flags");

    public static final long NI_TX_RINGS = offset(NETMAP_IF, "ni_tx_rings");
    public static final long NI_RX_RINGS = offset(NETMAP_IF, "ni_rx_rings");
    public static final long NI_HOST_TX_RINGS = offset(NETMAP_IF, "ni_host_tx_rings");
    public static final long NI_HOST_RX_RINGS = offset(NETMAP_IF, "ni_host_rx_rings");
    public static final long NI_RING_OFS = NETMAP_IF.byteSize();

    public static final long RING_BUF_OFS = offset(NETMAP_RING, "buf_ofs");
    public static final long RING_NUM_SLOTS = offset(NETMAP_RING, "num_slots");
    public static final long RING_BUF_SIZE = offset(NETMAP_RING, "nr_buf_size");
    public static final long RING_ID = offset(NETMAP_RING, "ringid");
    public static final long RING_DIR = offset(NETMAP_RING, "dir");
    public static final long RING_HEAD = offset(NETMAP_RING, "head");
    public static final long RING_CUR = offset(NETMAP_RING, "cur");
    public static final long RING_TAIL = offset(NETMAP_RING, "tail");
    public static final long RING_SLOTS = NETMAP_RING.byteSize();

    public static final long SLOT_SIZE = NETMAP_SLOT.byteSize();
    public static final long SLOT_BUF_IDX = offset(NETMAP_SLOT, "buf_idx");
    public static final long SLOT_LEN = offset(NETMAP_SLOT, "len");
    public static final long SLOT_FLAGS = offset(NETMAP_SLOT, "flags");

    /** _IOWR('i', 151, struct nmreq_header): direction 3, the header's size, type 'i', number 151. */
    public static final long NIOCCTRL = ioc(3, 'i', 151, NMREQ_HEADER.byteSize());
    /** _IO('i', 148) and _IO('i', 149): sync the tx or rx rings bound to the descriptor; no argument. */
    public static final long NIOCTXSYNC = ioc(0, 'i', 148, 0);
    public static final long NIOCRXSYNC = ioc(0, 'i', 149, 0);

    private NetmapAbi() {}

    /** Linux's _IOC encoding (asm-generic/ioctl.h): dir:2 | size:14 | type:8 | nr:8. */
    static long ioc(int dir, char type, int nr, long size) {
        return ((long) dir << 30) | (size << 16) | ((long) type << 8) | nr;
    }

    private static long offset(StructLayout s, String name) {
        return s.byteOffset(MemoryLayout.PathElement.groupElement(name));
    }
}
