package org.diskcryptnet.netmap.wire;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Big-endian (network byte order, RFC 791 appendix B) accessors at arbitrary, possibly unaligned offsets of a
 * {@link MemorySegment}. Every wire view reads and writes its fields through these, so no view repeats the
 * layout plumbing.
 */
public final class NetworkOrder {

    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    private NetworkOrder() {
    }

    public static int u8(MemorySegment m, long offset) {
        return m.get(ValueLayout.JAVA_BYTE, offset) & 0xFF;
    }

    public static void u8(MemorySegment m, long offset, int value) {
        m.set(ValueLayout.JAVA_BYTE, offset, (byte) value);
    }

    public static int u16(MemorySegment m, long offset) {
        return m.get(U16, offset) & 0xFFFF;
    }

    public static void u16(MemorySegment m, long offset, int value) {
        m.set(U16, offset, (short) value);
    }

    /** A 32-bit field as Java's int (sequence numbers and IPv4 addresses are used modulo 2^32 anyway). */
    public static int u32(MemorySegment m, long offset) {
        return m.get(U32, offset);
    }

    public static void u32(MemorySegment m, long offset, int value) {
        m.set(U32, offset, value);
    }

    /** A 48-bit hardware address as the low 48 bits of a long, first octet most significant. */
    public static long u48(MemorySegment m, long offset) {
        return ((long) u16(m, offset) << 32) | (u32(m, offset + 2) & 0xFFFF_FFFFL);
    }

    public static void u48(MemorySegment m, long offset, long value) {
        u16(m, offset, (int) (value >>> 32));
        u32(m, offset + 2, (int) value);
    }
}
