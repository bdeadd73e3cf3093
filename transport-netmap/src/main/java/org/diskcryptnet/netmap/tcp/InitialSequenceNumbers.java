package org.diskcryptnet.netmap.tcp;

import java.security.SecureRandom;

/**
 * Where a connection's initial send sequence number and timestamp offset come from. The default is RFC 6528
 * section 3: ISN = M + F(localip, localport, remoteip, remoteport, secretkey), with M a 4-microsecond timer
 * and F SipHash keyed by a secret drawn once per loop, so that ISNs of one four-tuple increase with time (old
 * duplicates stay out of the window, RFC 9293 section 3.4.1) while other tuples' ISNs cannot be guessed from
 * one's own. The timestamp clock gets a per-connection offset the same way (RFC 7323 section 5.4). Tests
 * install a fixed source to write expected segments literally.
 */
public interface InitialSequenceNumbers {

    int next(int localIp, int localPort, int remoteIp, int remotePort, long now);

    /** Added to the millisecond clock for TSval (RFC 7323 section 5.4 recommends a random offset). */
    int timestampOffset(int localIp, int localPort, int remoteIp, int remotePort);

    /** RFC 6528 with a fresh random secret. */
    static InitialSequenceNumbers rfc6528() {
        SecureRandom r = new SecureRandom();
        return rfc6528(r.nextLong(), r.nextLong());
    }

    /** RFC 6528 with the given secret (for reproducible tests of the generator itself). */
    static InitialSequenceNumbers rfc6528(long k0, long k1) {
        SipHash f = new SipHash(k0, k1);
        return new InitialSequenceNumbers() {
            @Override
            public int next(int localIp, int localPort, int remoteIp, int remotePort, long now) {
                return (int) (now / 4000) + (int) f.hash(localIp, localPort, remoteIp, remotePort, 0);
            }

            @Override
            public int timestampOffset(int localIp, int localPort, int remoteIp, int remotePort) {
                return (int) (f.hash(localIp, localPort, remoteIp, remotePort, 0x7473L) >>> 32);
            }
        };
    }

    /** The same ISN for every connection and no timestamp offset (tests only: predictable numbers are unsafe). */
    static InitialSequenceNumbers fixed(int isn) {
        return new InitialSequenceNumbers() {
            @Override
            public int next(int localIp, int localPort, int remoteIp, int remotePort, long now) {
                return isn;
            }

            @Override
            public int timestampOffset(int localIp, int localPort, int remoteIp, int remotePort) {
                return 0;
            }
        };
    }
}
