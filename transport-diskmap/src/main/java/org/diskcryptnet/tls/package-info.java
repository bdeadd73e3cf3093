/**
 * In-place TLS, split the way kernel TLS splits it: the SSL library (netty-tcnative's BoringSSL, behind Netty's
 * {@code SslHandler}) runs the handshake, then the transport takes the connection over at an exact record
 * boundary and runs the record layer itself.
 *
 * <ul>
 *   <li>{@link org.diskcryptnet.tls.keys}: turning the handshake's secrets into traffic keys (RFC 8446 §7, RFC 5246
 *       §6.3), and the NSS key log lines they arrive in.</li>
 *   <li>{@link org.diskcryptnet.tls.crypto}: the AEAD engines that seal and open records in place in off-heap
 *       memory (IPsec-MB and OpenSSL libcrypto through FFM, the JDK's {@code Cipher} as the fallback).</li>
 *   <li>{@link org.diskcryptnet.tls.record}: record framing, nonces, sequence numbers, alerts, and record
 *       boundaries as a pure function of a response's stream offset.</li>
 *   <li>{@link org.diskcryptnet.tls.netty}: the takeover from {@code SslHandler}, the record-layer handler that
 *       replaces it, and {@link org.diskcryptnet.tls.netty.TlsFileRegion}, which seals file bytes in the buffer
 *       they were read into.</li>
 * </ul>
 */
package org.diskcryptnet.tls;
