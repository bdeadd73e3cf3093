package org.diskcryptnet.netmap.tcp;

/**
 * Sequence number arithmetic modulo 2^32 (RFC 9293 section 3.4): {@code a < b} means b lies less than 2^31
 * ahead of a. Sequence numbers are Java ints; the subtraction wraps exactly as the RFC's arithmetic does.
 */
final class SeqNum {

    private SeqNum() {
    }

    static boolean lt(int a, int b) {
        return a - b < 0;
    }

    static boolean le(int a, int b) {
        return a - b <= 0;
    }

    static boolean gt(int a, int b) {
        return a - b > 0;
    }

    static boolean ge(int a, int b) {
        return a - b >= 0;
    }

    static int max(int a, int b) {
        return gt(a, b) ? a : b;
    }

    static int min(int a, int b) {
        return lt(a, b) ? a : b;
    }

    /** {@code low <= s < high}. */
    static boolean inWindow(int s, int low, int high) {
        return s - low >= 0 && s - high < 0;
    }
}
