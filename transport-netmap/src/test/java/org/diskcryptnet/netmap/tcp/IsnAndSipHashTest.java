package org.diskcryptnet.netmap.tcp;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

/** RFC 6528 initial sequence numbers and the SipHash-2-4 they (and SYN cookies) use. */
class IsnAndSipHashTest {

    // key 00 01 .. 0f as two little-endian words (the SipHash paper's appendix A)
    private static final SipHash PAPER_KEY = new SipHash(0x0706050403020100L, 0x0f0e0d0c0b0a0908L);

    @Test
    void sipHashMatchesThePapersVector() {
        // appendix A: message 00 01 .. 0e (15 bytes) -> a129ca6149be45e5
        long m0 = 0x0706050403020100L;
        long last = 15L << 56 | 0x000e0d0c0b0a0908L;
        assertEquals(0xa129ca6149be45e5L, PAPER_KEY.hash(m0, 0, 1, last));
    }

    @Test
    void sipHashMatchesTheReferenceVectorsForEmptyAndEightBytes() {
        assertEquals(0x726fdb47dd0e0e31L, PAPER_KEY.hash(0, 0, 0, 0));
        assertEquals(0x93f5f5799a932462L, PAPER_KEY.hash(0x0706050403020100L, 0, 1, 8L << 56));
    }

    @Test
    void isnAdvancesWithTheFourMicrosecondClock() {
        // RFC 6528 3: ISN = M + F(...), M a timer ticking every 4 microseconds
        InitialSequenceNumbers isn = InitialSequenceNumbers.rfc6528(1, 2);
        int a = isn.next(1, 80, 2, 5000, 1_000_000_000L);
        int b = isn.next(1, 80, 2, 5000, 1_000_000_000L + 4_000L * 1000);
        assertEquals(1000, b - a);
    }

    @Test
    void isnDependsOnTheFourTupleAndTheSecret() {
        // RFC 6528 3: F is a keyed function of the connection-id: other tuples' ISNs reveal nothing
        InitialSequenceNumbers isn = InitialSequenceNumbers.rfc6528(1, 2);
        int a = isn.next(1, 80, 2, 5000, 0);
        assertNotEquals(a, isn.next(1, 80, 2, 5001, 0));
        assertNotEquals(a, isn.next(1, 80, 3, 5000, 0));
        assertNotEquals(a, InitialSequenceNumbers.rfc6528(1, 3).next(1, 80, 2, 5000, 0));
    }

    @Test
    void timestampOffsetIsPerConnection() {
        // RFC 7323 5.4: a random offset per connection
        InitialSequenceNumbers isn = InitialSequenceNumbers.rfc6528(1, 2);
        assertNotEquals(isn.timestampOffset(1, 80, 2, 5000), isn.timestampOffset(1, 80, 2, 5001));
        assertEquals(0, InitialSequenceNumbers.fixed(7).timestampOffset(1, 80, 2, 5000));
    }

    @Test
    void cookieRoundTrip() {
        SynCookies cookies = new SynCookies(new SipHash(11, 12));
        long now = 1_000_000_000_000L;
        int cookie = cookies.make(1, 80, 2, 5000, 777, 5, now);
        assertEquals(5, cookies.check(cookie, 1, 80, 2, 5000, 777, now));
        assertEquals(-1, cookies.check(cookie, 1, 80, 2, 5000, 778, now));
        assertEquals(-1, cookies.check(cookie ^ 1, 1, 80, 2, 5000, 777, now));
        assertEquals(5, cookies.check(cookie, 1, 80, 2, 5000, 777, now + SynCookies.PERIOD_NANOS));
        assertEquals(-1, cookies.check(cookie, 1, 80, 2, 5000, 777, now + 2 * SynCookies.PERIOD_NANOS));
    }
}
