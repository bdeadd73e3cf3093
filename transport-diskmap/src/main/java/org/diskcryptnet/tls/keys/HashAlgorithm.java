package org.diskcryptnet.tls.keys;

/** The hash behind a suite's HKDF or PRF, named as the JDK's {@code Mac} names its HMAC. */
public enum HashAlgorithm {
    SHA256("HmacSHA256", 32),
    SHA384("HmacSHA384", 48);

    private final String hmac;
    private final int length;

    HashAlgorithm(String hmac, int length) {
        this.hmac = hmac;
        this.length = length;
    }

    public String hmacName() {
        return hmac;
    }

    /** Bytes of output: also the length of a TLS 1.3 traffic secret. */
    public int length() {
        return length;
    }
}
