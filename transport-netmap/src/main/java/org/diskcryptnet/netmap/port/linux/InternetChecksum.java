package org.diskcryptnet.netmap.port.linux;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * The Internet checksum (RFC 1071): the ones' complement of the ones' complement sum of 16-bit big-endian words.
 * The ports need it only to complete checksums the kernel left partial (virtio-net {@code NEEDS_CSUM},
 * AF_PACKET {@code TP_STATUS_CSUMNOTREADY}); the stack's wire views have their own.
 */
public final class InternetChecksum {

    private static final ValueLayout.OfLong LONG_BE = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfShort SHORT_BE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    private InternetChecksum() {}

    /** The ones' complement sum (not yet folded) of {@code length} bytes at {@code offset}, added to {@code sum}. */
    public static long sum(MemorySegment m, long offset, int length, long sum) {
        long i = offset;
        long end = offset + length;
        // RFC 1071 section 2(C): the sum may be taken over 64-bit words, carries folded in afterwards.
        for (; i + 8 <= end; i += 8) {
            long w = m.get(LONG_BE, i);
            sum += (w >>> 32) + (w & 0xFFFF_FFFFL);
        }
        for (; i + 2 <= end; i += 2) {
            sum += m.get(SHORT_BE, i) & 0xFFFF;
        }
        if (i < end) {
            sum += (m.get(ValueLayout.JAVA_BYTE, i) & 0xFF) << 8; // odd length: pad with a zero byte
        }
        return sum;
    }

    /** Folds the carries of {@code sum} and complements it: the value to store in a checksum field. */
    public static int fold(long sum) {
        while ((sum >>> 16) != 0) {
            sum = (sum & 0xFFFF) + (sum >>> 16);
        }
        return (int) (~sum & 0xFFFF);
    }

    /**
     * Completes a checksum left partial: the field at {@code start + field} holds the pseudo-header sum, and the sum
     * of everything from {@code start} to {@code end} (that field included) is the checksum to store there.
     */
    public static void complete(MemorySegment m, long start, long end, int field) {
        int c = fold(sum(m, start, (int) (end - start), 0));
        m.set(SHORT_BE, start + field, (short) c);
    }
}
