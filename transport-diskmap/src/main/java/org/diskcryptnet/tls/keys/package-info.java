/**
 * From handshake secrets to traffic keys: HKDF and HKDF-Expand-Label for TLS 1.3 (RFC 5869, RFC 8446 §7.1,
 * §7.3), the TLS 1.2 PRF and key block (RFC 5246 §5, §6.3), and the NSS key log lines the secrets arrive in.
 * Every intermediate array is zeroed before it is dropped; the keys themselves end up off-heap in
 * {@link org.diskcryptnet.tls.record.RecordProtection}.
 */
package org.diskcryptnet.tls.keys;
