package org.diskcryptnet.netmap.wire;

import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** RFC 1071 sums and RFC 1624 incremental updates. */
class ChecksumTest {

    private static MemorySegment bytes(int... b) {
        byte[] a = new byte[b.length];
        for (int i = 0; i < b.length; i++) {
            a[i] = (byte) b[i];
        }
        return MemorySegment.ofArray(a);
    }

    @Test
    void rfc1071NumericalExample() {
        // RFC 1071 section 3: bytes 00 01 f2 03 f4 f5 f6 f7 sum to ddf2 (one's complement, folded)
        MemorySegment m = bytes(0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7);
        assertEquals(0xddf2, Checksum.sum(m, 0, 8));
        assertEquals(0x220d, Checksum.complement(Checksum.sum(m, 0, 8)));
    }

    @Test
    void oddLengthPadsTheLastByteWithZero() {
        // RFC 1071 4.1: an odd trailing byte is the high octet of a word padded with zero
        assertEquals(0x0102 + 0x0300, Checksum.sum(bytes(0x01, 0x02, 0x03), 0, 3));
    }

    @Test
    void longSumMatchesAPlainWordByWordSum() {
        SplittableRandom r = new SplittableRandom(1);
        for (int len = 0; len < 300; len++) {
            byte[] b = new byte[len + 3];
            r.nextBytes(b);
            for (int start = 0; start < 3; start++) {
                long acc = 0;
                for (int i = 0; i < len; i += 2) {
                    int hi = b[start + i] & 0xFF;
                    int lo = i + 1 < len ? b[start + i + 1] & 0xFF : 0;
                    acc += hi << 8 | lo;
                }
                while ((acc >>> 16) != 0) {
                    acc = (acc & 0xFFFF) + (acc >>> 16);
                }
                assertEquals((int) acc, Checksum.sum(MemorySegment.ofArray(b), start, len), "len " + len);
            }
        }
    }

    @Test
    void pseudoHeaderSum() {
        // 198.18.0.1 -> 198.18.0.2, TCP, 20 bytes: c612 + 0001 + c612 + 0002 + 0006 + 0014 folded
        int expected = 0xc612 + 0x0001 + 0xc612 + 0x0002 + 6 + 20;
        expected = (expected & 0xFFFF) + (expected >>> 16);
        assertEquals(expected, Checksum.pseudoHeaderSum(Ipv4Address.parse("198.18.0.1"),
                Ipv4Address.parse("198.18.0.2"), 6, 20));
    }

    @Test
    void incrementalUpdateEqualsRecomputation() {
        // RFC 1624 equation 3, including the cases where equation 2 would produce -0
        SplittableRandom r = new SplittableRandom(2);
        for (int i = 0; i < 20_000; i++) {
            byte[] b = new byte[20];
            r.nextBytes(b);
            MemorySegment m = MemorySegment.ofArray(b);
            int before = Checksum.complement(Checksum.sum(m, 0, 20));
            int at = 2 * r.nextInt(10);
            int oldWord = NetworkOrder.u16(m, at);
            int newWord = i % 7 == 0 ? (~oldWord & 0xFFFF) : r.nextInt(65536);
            NetworkOrder.u16(m, at, newWord);
            int recomputed = Checksum.complement(Checksum.sum(m, 0, 20));
            int updated = Checksum.update16(before, oldWord, newWord);
            // 0x0000 and 0xFFFF are the same value in one's complement; a recomputed sum never gives 0xFFFF...
            assertEquals(recomputed == 0xFFFF ? 0 : recomputed, updated == 0xFFFF ? 0 : updated);
        }
    }

    @Test
    void incrementalUpdateOfA32BitField() {
        SplittableRandom r = new SplittableRandom(3);
        for (int i = 0; i < 10_000; i++) {
            byte[] b = new byte[24];
            r.nextBytes(b);
            MemorySegment m = MemorySegment.ofArray(b);
            int before = Checksum.complement(Checksum.sum(m, 0, 24));
            int oldValue = NetworkOrder.u32(m, 8);
            int newValue = r.nextInt();
            NetworkOrder.u32(m, 8, newValue);
            int recomputed = Checksum.complement(Checksum.sum(m, 0, 24));
            int updated = Checksum.update32(before, oldValue, newValue);
            assertEquals(recomputed == 0xFFFF ? 0 : recomputed, updated == 0xFFFF ? 0 : updated);
        }
    }

    @Test
    void aValidPacketSumsToAllOnes() {
        MemorySegment m = MemorySegment.ofArray(new byte[20]);
        Ipv4Packet.writeHeader(m, 0, Ipv4Address.parse("198.18.60.1"), Ipv4Address.parse("198.18.60.2"), 6, 40, 7, 64);
        assertEquals(0xFFFF, Checksum.sum(m, 0, 20));
    }
}
