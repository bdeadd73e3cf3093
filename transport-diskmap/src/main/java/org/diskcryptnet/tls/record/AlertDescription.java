package org.diskcryptnet.tls.record;

/** TLS alert descriptions (RFC 8446 §6, RFC 5246 §7.2), named as the RFCs name them. */
public enum AlertDescription {
    CLOSE_NOTIFY(0), UNEXPECTED_MESSAGE(10), BAD_RECORD_MAC(20), RECORD_OVERFLOW(22), HANDSHAKE_FAILURE(40),
    BAD_CERTIFICATE(42), UNSUPPORTED_CERTIFICATE(43), CERTIFICATE_REVOKED(44), CERTIFICATE_EXPIRED(45),
    CERTIFICATE_UNKNOWN(46), ILLEGAL_PARAMETER(47), UNKNOWN_CA(48), ACCESS_DENIED(49), DECODE_ERROR(50),
    DECRYPT_ERROR(51), PROTOCOL_VERSION(70), INSUFFICIENT_SECURITY(71), INTERNAL_ERROR(80),
    INAPPROPRIATE_FALLBACK(86), USER_CANCELED(90), NO_RENEGOTIATION(100), MISSING_EXTENSION(109),
    UNSUPPORTED_EXTENSION(110), UNRECOGNIZED_NAME(112), BAD_CERTIFICATE_STATUS_RESPONSE(113),
    UNKNOWN_PSK_IDENTITY(115), CERTIFICATE_REQUIRED(116), NO_APPLICATION_PROTOCOL(120);

    /** Alert levels (RFC 5246 §7.2; TLS 1.3 ignores the level but still sends one, RFC 8446 §6). */
    public static final int WARNING = 1, FATAL = 2;

    private final int code;

    AlertDescription(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }

    /** The name metrics and logs use: the RFC's, e.g. {@code bad_record_mac}. */
    public String rfcName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    /** The description with this code, or null for one this enum does not know. */
    public static AlertDescription of(int code) {
        for (AlertDescription d : values()) {
            if (d.code == code) {
                return d;
            }
        }
        return null;
    }
}
