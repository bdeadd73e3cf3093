package org.diskcryptnet.tls.crypto;

import java.lang.foreign.MemorySegment;

/**
 * One implementation of the record AEADs. Like Netty's {@code Epoll.isAvailable()}, an engine the host cannot run
 * says so with a cause a person can act on.
 */
public interface AeadEngine {

    /** A short name for config, logs and metrics: "ipsec-mb", "openssl", "jdk". */
    String name();

    /** What exactly runs, e.g. the library version and the instruction set it chose. */
    String description();

    boolean isAvailable();

    /** Why the engine cannot run here, or null when it can. */
    Throwable unavailabilityCause();

    boolean supports(AeadAlgorithm algorithm);

    /**
     * A keyed AEAD. {@code key} holds {@code algorithm.keyLength()} bytes; the engine copies them into its own key
     * schedule, which {@link Aead#close()} zeroes.
     */
    Aead create(AeadAlgorithm algorithm, MemorySegment key);
}
