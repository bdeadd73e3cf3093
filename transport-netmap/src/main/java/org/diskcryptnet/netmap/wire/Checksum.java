package org.diskcryptnet.netmap.wire;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * The Internet checksum: the 16-bit ones' complement of the ones' complement sum of 16-bit words (RFC 1071),
 * with the incremental update of RFC 1624 for a header field that changes.
 *
 * <p>{@link #sum} returns the folded, not yet complemented sum so that the pieces of one checksum (pseudo
 * header, TCP header, payload) can be added with {@link #add} before {@link #complement}. Every piece except
 * the last must have an even length: a piece's words are counted from its own first byte.
 *
 * <p>The loop reads eight bytes at a time in the machine's order and byte-swaps the folded result once at the
 * end, which RFC 1071 section 2(B) ("byte order independence") shows gives the same sum.
 */
public final class Checksum {

    private static final ValueLayout.OfLong NATIVE_LONG = ValueLayout.JAVA_LONG_UNALIGNED;
    private static final ValueLayout.OfShort NATIVE_SHORT = ValueLayout.JAVA_SHORT_UNALIGNED;
    private static final boolean LITTLE_ENDIAN = ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN;

    private Checksum() {
    }

    /** Ones' complement sum of {@code length} bytes at {@code offset}, folded to 16 bits (not complemented). */
    public static int sum(MemorySegment m, long offset, int length) {
        long acc = 0;
        long p = offset;
        long end8 = offset + (length & ~7);
        while (p < end8) {
            long v = m.get(NATIVE_LONG, p);
            // two 32-bit halves into a 64-bit accumulator: cannot overflow before 2^32 iterations
            acc += (v & 0xFFFF_FFFFL) + (v >>> 32);
            p += 8;
        }
        long end = offset + length;
        while (p + 1 < end) {
            acc += m.get(NATIVE_SHORT, p) & 0xFFFF;
            p += 2;
        }
        if (p < end) {
            int last = m.get(ValueLayout.JAVA_BYTE, p) & 0xFF;
            // an odd trailing byte is the high octet of a word padded with zero (RFC 1071 section 4.1)
            acc += LITTLE_ENDIAN ? last : last << 8;
        }
        int folded = fold(acc);
        return LITTLE_ENDIAN ? Integer.reverseBytes(folded) >>> 16 : folded;
    }

    /** Ones' complement addition of two folded sums. */
    public static int add(int a, int b) {
        int s = a + b;
        return (s & 0xFFFF) + (s >>> 16);
    }

    /** The checksum field value for a folded sum. */
    public static int complement(int sum) {
        return ~sum & 0xFFFF;
    }

    /** Sum of the TCP/UDP pseudo header (RFC 9293 section 3.1, "Checksum"): addresses, protocol, length. */
    public static int pseudoHeaderSum(int source, int destination, int protocol, int length) {
        long acc = (source >>> 16) + (source & 0xFFFF) + (destination >>> 16) + (destination & 0xFFFF)
                + protocol + length;
        return fold(acc);
    }

    /**
     * The checksum after a 16-bit word covered by it changed from {@code oldWord} to {@code newWord}:
     * HC' = ~(~HC + ~m + m'), RFC 1624 equation 3 (which, unlike equation 2, never yields 0x0000 from a
     * valid non-zero sum).
     */
    public static int update16(int checksum, int oldWord, int newWord) {
        int s = (~checksum & 0xFFFF) + (~oldWord & 0xFFFF) + (newWord & 0xFFFF);
        return complement(fold(s));
    }

    /** {@link #update16} for a 32-bit field (an address or a sequence number): two words at once. */
    public static int update32(int checksum, int oldValue, int newValue) {
        long s = (~checksum & 0xFFFF) + (~oldValue >>> 16 & 0xFFFF) + (~oldValue & 0xFFFF)
                + (newValue >>> 16) + (newValue & 0xFFFF);
        return complement(fold(s));
    }

    private static int fold(long acc) {
        acc = (acc & 0xFFFF_FFFFL) + (acc >>> 32);
        acc = (acc & 0xFFFF) + (acc >>> 16);
        acc = (acc & 0xFFFF) + (acc >>> 16);
        acc = (acc & 0xFFFF) + (acc >>> 16);
        return (int) acc;
    }
}
