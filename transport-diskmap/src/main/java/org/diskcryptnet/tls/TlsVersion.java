package org.diskcryptnet.tls;

/** The protocol versions the record layer runs, with their wire codes (RFC 8446 §4.2.1, RFC 5246 §6.2.1). */
public enum TlsVersion {
    TLS_1_2(0x0303, "TLSv1.2"),
    TLS_1_3(0x0304, "TLSv1.3");

    /** Every TLS 1.2 and 1.3 record carries 0x0303 as its legacy version (RFC 8446 §5.1). */
    public static final int RECORD_VERSION = 0x0303;

    private final int code;
    private final String javaName;

    TlsVersion(int code, String javaName) {
        this.code = code;
        this.javaName = javaName;
    }

    public int code() {
        return code;
    }

    /** The name {@code SSLSession.getProtocol()} reports. */
    public String javaName() {
        return javaName;
    }

    /** The version named as {@code SSLSession.getProtocol()} names it, or null. */
    public static TlsVersion ofJavaName(String name) {
        for (TlsVersion v : values()) {
            if (v.javaName.equals(name)) {
                return v;
            }
        }
        return null;
    }
}
