package org.diskcryptnet.netmap.tcp;

/**
 * SipHash-2-4 (Aumasson and Bernstein, "SipHash: a fast short-input PRF", 2012) over a connection's addressing
 * fields: the keyed pseudorandom function RFC 6528 section 3 asks for ISNs and that SYN cookies use as their
 * MAC. Written from the paper's description; the unit tests check it against the paper's appendix A vector.
 * Only messages of up to two 64-bit words are needed here, so there is no buffering and no allocation.
 */
final class SipHash {

    private final long k0;
    private final long k1;

    SipHash(long k0, long k1) {
        this.k0 = k0;
        this.k1 = k1;
    }

    /** The hash of the 16-byte message (m0, m1), each long taken as eight little-endian bytes. */
    long hash(long m0, long m1) {
        return hash(m0, m1, 2, 16L << 56);
    }

    /** The connection's four addressing fields as the two message words. */
    long hash(int localIp, int localPort, int remoteIp, int remotePort, long extra) {
        long m0 = (localIp & 0xFFFF_FFFFL) << 32 | (remoteIp & 0xFFFF_FFFFL);
        long m1 = ((long) localPort << 48 | (long) remotePort << 32) ^ extra;
        return hash(m0, m1);
    }

    /**
     * The general form for up to two whole words: {@code words} message words, then the final word {@code last}
     * (the message length in its top byte, the remaining 0-7 bytes little-endian below it).
     */
    long hash(long m0, long m1, int words, long last) {
        long v0 = k0 ^ 0x736f6d6570736575L;
        long v1 = k1 ^ 0x646f72616e646f6dL;
        long v2 = k0 ^ 0x6c7967656e657261L;
        long v3 = k1 ^ 0x7465646279746573L;
        for (int w = 0; w <= words; w++) {
            long m = w == words ? last : (w == 0 ? m0 : m1);
            v3 ^= m;
            for (int i = 0; i < 2; i++) { // c = 2 compression rounds
                v0 += v1; v1 = Long.rotateLeft(v1, 13); v1 ^= v0; v0 = Long.rotateLeft(v0, 32);
                v2 += v3; v3 = Long.rotateLeft(v3, 16); v3 ^= v2;
                v0 += v3; v3 = Long.rotateLeft(v3, 21); v3 ^= v0;
                v2 += v1; v1 = Long.rotateLeft(v1, 17); v1 ^= v2; v2 = Long.rotateLeft(v2, 32);
            }
            v0 ^= m;
        }
        v2 ^= 0xff;
        for (int i = 0; i < 4; i++) { // d = 4 finalization rounds
            v0 += v1; v1 = Long.rotateLeft(v1, 13); v1 ^= v0; v0 = Long.rotateLeft(v0, 32);
            v2 += v3; v3 = Long.rotateLeft(v3, 16); v3 ^= v2;
            v0 += v3; v3 = Long.rotateLeft(v3, 21); v3 ^= v0;
            v2 += v1; v1 = Long.rotateLeft(v1, 17); v1 ^= v2; v2 = Long.rotateLeft(v2, 32);
        }
        return v0 ^ v1 ^ v2 ^ v3;
    }
}
