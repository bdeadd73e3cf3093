/**
 * The AEADs that seal and open TLS records in place in off-heap memory. An {@link org.diskcryptnet.tls.crypto.AeadEngine}
 * is one implementation (Intel IPsec-MB or OpenSSL libcrypto through Panama FFM, or the JDK's {@code Cipher}); each has
 * an availability probe with a human-readable cause, and {@link org.diskcryptnet.tls.crypto.AeadEngines} picks the
 * fastest available one that passes its known-answer self-test. The ordering comes from the JMH engine table in
 * {@code benchmarks/RESULTS.md}.
 */
package org.diskcryptnet.tls.crypto;
