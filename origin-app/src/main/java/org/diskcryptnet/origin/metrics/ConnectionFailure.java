package org.diskcryptnet.origin.metrics;

import java.io.IOException;

import javax.net.ssl.SSLException;

import io.netty.handler.ssl.NotSslRecordException;

/**
 * Why a connection was closed on an error, for {@code http_server_connections_failed_total{cause}}: the peer's
 * network (reset, broken pipe), TLS (a handshake or record the peer got wrong, an alert), or anything else, which is
 * the origin's own fault and is also logged.
 */
public enum ConnectionFailure {
    IO("io"),
    TLS("tls"),
    OTHER("other");

    public final String tag;

    ConnectionFailure(String tag) {
        this.tag = tag;
    }

    /** The kind of {@code cause}, looking through wrappers such as Netty's DecoderException. */
    public static ConnectionFailure of(Throwable cause) {
        for (Throwable t = cause; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof SSLException || t instanceof NotSslRecordException) { // the latter: plaintext on TLS
                return TLS;
            }
        }
        return cause instanceof IOException ? IO : OTHER;
    }
}
