/**
 * The record layer on Netty's stock transports (epoll, NIO) and, later, on the netmap transport.
 *
 * <ol>
 *   <li>{@link org.diskcryptnet.tls.netty.TlsTakeover} puts a record gate in front of Netty's {@code SslHandler}: it
 *       feeds the handshake to BoringSSL one record at a time, so that when the handshake completes nothing past the
 *       client's Finished has been read by the engine. BoringSSL's key log callback hands over the secrets; session
 *       tickets are off on these connections, so the engine writes nothing after its Finished and the sequence
 *       numbers at the takeover are known (TLS 1.3: 0 both ways; TLS 1.2: 1 both ways).</li>
 *   <li>{@link org.diskcryptnet.tls.netty.TlsRecordHandler} then replaces {@code SslHandler}: buffers become records,
 *       records are opened in place, alerts, close_notify and KeyUpdate are handled.</li>
 *   <li>{@link org.diskcryptnet.tls.netty.TlsFileRegion} carries file bytes: it has a
 *       {@link org.diskcryptnet.tls.netty.RegionSource} fill an off-heap buffer and seals the records in that same
 *       buffer, record boundaries a pure function of the body offset. {@link org.diskcryptnet.tls.netty.RegionFeeder}
 *       hands it to the channel as {@link org.diskcryptnet.tls.netty.SealedBatch}es, each once it is sealed.</li>
 * </ol>
 */
package org.diskcryptnet.tls.netty;
