package org.diskcryptnet.netmap.port.linux;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_SHORT_UNALIGNED;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;

/**
 * {@code struct virtio_net_hdr} (linux/virtio_net.h), the 10-byte header in front of each frame of a TAP device
 * with IFF_VNET_HDR and of an AF_PACKET socket with PACKET_VNET_HDR: checksum offload ({@code NEEDS_CSUM} with
 * {@code csum_start}/{@code csum_offset}) and segmentation offload ({@code gso_type}, {@code gso_size}). Fields are
 * in the host's byte order (little-endian here; legacy virtio, TUNSETVNETLE not needed on x86).
 *
 * <p>The ports build the header from the frame for tx ({@link #prepare}) and complete partial checksums on rx
 * ({@link #completeChecksum}); {@link L4Checksum} finds the L4 header.
 */
public final class VirtioNetHdr {

    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            JAVA_BYTE.withName("flags"),
            JAVA_BYTE.withName("gso_type"),
            JAVA_SHORT_UNALIGNED.withName("hdr_len"),
            JAVA_SHORT_UNALIGNED.withName("gso_size"),
            JAVA_SHORT_UNALIGNED.withName("csum_start"),
            JAVA_SHORT_UNALIGNED.withName("csum_offset"));

    public static final int SIZE = (int) LAYOUT.byteSize();

    public static final int F_NEEDS_CSUM = 1;
    public static final int F_DATA_VALID = 2;
    public static final int GSO_NONE = 0;
    public static final int GSO_TCPV4 = 1;
    public static final int GSO_ECN = 0x80;

    private static final long FLAGS = 0, GSO_TYPE = 1, HDR_LEN = 2, GSO_SIZE = 4, CSUM_START = 6, CSUM_OFFSET = 8;

    private VirtioNetHdr() {}

    /**
     * Writes the header at {@code hdr} for the frame at {@code frame} of {@code length} bytes.
     *
     * @param offload -1: a complete frame (no offload); 0: complete the L4 checksum; n &gt; 0: also cut TCP segments
     *                of n payload bytes
     * @return false if an offload was asked for a frame that is not IPv4 TCP (UDP for checksum only); the header
     *         then says "no offload" and the frame goes out as it is
     */
    public static boolean prepare(MemorySegment m, long hdr, long frame, int length, int offload) {
        m.set(ValueLayout.JAVA_LONG_UNALIGNED, hdr, 0L); // SIZE is 10: no slice, nothing allocated
        m.set(JAVA_SHORT_UNALIGNED, hdr + 8, (short) 0);
        if (offload < 0) {
            return true;
        }
        int where = L4Checksum.locate(m, frame, length, offload > 0);
        if (where < 0) {
            return false;
        }
        int l4 = L4Checksum.start(where);
        m.set(JAVA_BYTE, hdr + FLAGS, (byte) F_NEEDS_CSUM);
        m.set(JAVA_SHORT_UNALIGNED, hdr + CSUM_START, (short) l4);
        m.set(JAVA_SHORT_UNALIGNED, hdr + CSUM_OFFSET, (short) L4Checksum.field(where));
        if (offload > 0) {
            int tcpHeader = ((m.get(JAVA_BYTE, frame + l4 + 12) >> 4) & 0x0F) * 4;
            m.set(JAVA_BYTE, hdr + GSO_TYPE, (byte) GSO_TCPV4);
            m.set(JAVA_SHORT_UNALIGNED, hdr + GSO_SIZE, (short) offload);
            m.set(JAVA_SHORT_UNALIGNED, hdr + HDR_LEN, (short) (l4 + tcpHeader));
        }
        return true;
    }

    /**
     * If the header says {@code NEEDS_CSUM}, completes the checksum of the frame at {@code frame} in software
     * (csum_start and csum_offset relative to the frame) and returns true.
     */
    public static boolean completeChecksum(MemorySegment m, long hdr, long frame, int length) {
        if ((m.get(JAVA_BYTE, hdr + FLAGS) & F_NEEDS_CSUM) == 0) {
            return false;
        }
        int start = m.get(JAVA_SHORT_UNALIGNED, hdr + CSUM_START) & 0xFFFF;
        int field = m.get(JAVA_SHORT_UNALIGNED, hdr + CSUM_OFFSET) & 0xFFFF;
        int end = length;
        if (L4Checksum.isIpv4(m, frame, length)) {
            end = Math.min(length, L4Checksum.ipEnd(m, frame)); // no padding
        }
        if (start + field + 2 > end) {
            return false;
        }
        InternetChecksum.complete(m, frame + start, frame + end, field);
        return true;
    }

    /** Completes the L4 checksum of an IPv4 TCP/UDP frame whose checksum the kernel left partial without saying where. */
    public static boolean completeIpv4Checksum(MemorySegment m, long frame, int length) {
        int where = L4Checksum.locate(m, frame, length, false);
        if (where < 0) {
            return false;
        }
        int end = L4Checksum.ipEnd(m, frame);
        if (L4Checksum.start(where) + L4Checksum.field(where) + 2 > end || end > length) {
            return false;
        }
        InternetChecksum.complete(m, frame + L4Checksum.start(where), frame + end, L4Checksum.field(where));
        return true;
    }

    public static int gsoType(MemorySegment m, long hdr) {
        return m.get(JAVA_BYTE, hdr + GSO_TYPE) & 0xFF;
    }

    public static int flags(MemorySegment m, long hdr) {
        return m.get(JAVA_BYTE, hdr + FLAGS) & 0xFF;
    }
}
