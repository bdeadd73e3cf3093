package org.diskcryptnet.tls;

import java.util.List;

import org.diskcryptnet.tls.crypto.AeadAlgorithm;
import org.diskcryptnet.tls.keys.HashAlgorithm;

/**
 * The cipher suites the record layer runs, and nothing else: the three TLS 1.3 suites (RFC 8446 §B.4) and the six
 * TLS 1.2 ECDHE AEAD suites (RFC 5289, RFC 7905). Everything the record layer needs to know about a suite is here:
 * its AEAD, the hash of its PRF / HKDF, and how its nonce is built.
 */
public enum CipherSuite {
    TLS_AES_128_GCM_SHA256(0x1301, TlsVersion.TLS_1_3, AeadAlgorithm.AES_128_GCM, HashAlgorithm.SHA256),
    TLS_AES_256_GCM_SHA384(0x1302, TlsVersion.TLS_1_3, AeadAlgorithm.AES_256_GCM, HashAlgorithm.SHA384),
    TLS_CHACHA20_POLY1305_SHA256(0x1303, TlsVersion.TLS_1_3, AeadAlgorithm.CHACHA20_POLY1305, HashAlgorithm.SHA256),
    TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256(0xC02B, TlsVersion.TLS_1_2, AeadAlgorithm.AES_128_GCM, HashAlgorithm.SHA256),
    TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256(0xC02F, TlsVersion.TLS_1_2, AeadAlgorithm.AES_128_GCM, HashAlgorithm.SHA256),
    TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384(0xC02C, TlsVersion.TLS_1_2, AeadAlgorithm.AES_256_GCM, HashAlgorithm.SHA384),
    TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384(0xC030, TlsVersion.TLS_1_2, AeadAlgorithm.AES_256_GCM, HashAlgorithm.SHA384),
    TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256(0xCCA9, TlsVersion.TLS_1_2, AeadAlgorithm.CHACHA20_POLY1305, HashAlgorithm.SHA256),
    TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256(0xCCA8, TlsVersion.TLS_1_2, AeadAlgorithm.CHACHA20_POLY1305, HashAlgorithm.SHA256);

    /** The IANA names, in the server's order of preference: what the listener offers, and all it offers. */
    public static final List<String> NAMES = List.of(
            TLS_AES_128_GCM_SHA256.name(), TLS_AES_256_GCM_SHA384.name(), TLS_CHACHA20_POLY1305_SHA256.name(),
            TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256.name(), TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256.name(),
            TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384.name(), TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384.name(),
            TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256.name(), TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256.name());

    private final int code;
    private final TlsVersion version;
    private final AeadAlgorithm aead;
    private final HashAlgorithm hash;

    CipherSuite(int code, TlsVersion version, AeadAlgorithm aead, HashAlgorithm hash) {
        this.code = code;
        this.version = version;
        this.aead = aead;
        this.hash = hash;
    }

    public int code() {
        return code;
    }

    public TlsVersion version() {
        return version;
    }

    public AeadAlgorithm aead() {
        return aead;
    }

    /** The hash of the suite's HKDF (TLS 1.3) or PRF (TLS 1.2). */
    public HashAlgorithm hash() {
        return hash;
    }

    /**
     * Bytes of the write IV each side derives: 12 for TLS 1.3 (RFC 8446 §5.3) and for ChaCha20-Poly1305 in TLS 1.2
     * (RFC 7905 §2), the 4-byte salt for AES-GCM in TLS 1.2 (RFC 5288 §3).
     */
    public int fixedIvLength() {
        return version == TlsVersion.TLS_1_2 && aead != AeadAlgorithm.CHACHA20_POLY1305 ? 4 : 12;
    }

    /** Bytes of explicit nonce at the start of each record's fragment: 8 for AES-GCM in TLS 1.2, else 0. */
    public int explicitNonceLength() {
        return fixedIvLength() == 4 ? 8 : 0;
    }

    /** The suite named as {@code SSLSession.getCipherSuite()} names it (the IANA name), or null. */
    public static CipherSuite ofName(String name) {
        for (CipherSuite s : values()) {
            if (s.name().equals(name)) {
                return s;
            }
        }
        return null;
    }
}
