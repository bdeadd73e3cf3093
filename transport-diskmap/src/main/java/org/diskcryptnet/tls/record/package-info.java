/**
 * The TLS record layer as pure functions over off-heap memory: {@link org.diskcryptnet.tls.record.RecordProtection}
 * seals and opens one record in place (header, nonce, additional data, sequence number; RFC 8446 §5, RFC 5246
 * §6.2.3.3), {@link org.diskcryptnet.tls.record.RecordLayout} says where each record of a response begins as a pure
 * function of its stream offset, so any byte range can be rebuilt byte-identically after a loss. No I/O here.
 */
package org.diskcryptnet.tls.record;
