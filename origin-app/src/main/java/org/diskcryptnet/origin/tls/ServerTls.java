package org.diskcryptnet.origin.tls;

import java.util.List;

import javax.net.ssl.SSLException;

import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;

import org.diskcryptnet.origin.config.OriginConfig;
import org.diskcryptnet.tls.CipherSuite;

/**
 * The HTTPS listener's TLS context: netty-tcnative (BoringSSL), TLS 1.3 and 1.2 only, AEAD suites only
 * (RFC 9325 §4.2 recommends exactly these for TLS 1.2), ALPN {@code http/1.1}.
 */
public final class ServerTls {

    /**
     * TLS 1.3 suites (BoringSSL always enables all three) and the TLS 1.2 ECDHE AEAD suites, strongest first: exactly
     * the suites the in-place record layer runs ({@link CipherSuite}), and nothing else.
     */
    public static final List<String> CIPHER_SUITES = CipherSuite.NAMES;

    private ServerTls() {}

    public static SslContext context(OriginConfig.Tls tls) throws SSLException {
        return context(tls, ServerCredentials.load(tls.certificate(), tls.privateKey()));
    }

    /** The context for {@code credentials}, already read and checked. */
    static SslContext context(OriginConfig.Tls tls, ServerCredentials credentials) throws SSLException {
        if (!OpenSsl.isAvailable()) {
            throw new SSLException("netty-tcnative (BoringSSL) is not available: " + OpenSsl.unavailabilityCause(),
                    OpenSsl.unavailabilityCause());
        }
        try {
            return SslContextBuilder.forServer(credentials.key(), credentials.chain())
                    .sslProvider(SslProvider.OPENSSL)
                    .protocols(tls.protocols().toArray(String[]::new))
                    .ciphers(CIPHER_SUITES)
                    .applicationProtocolConfig(new ApplicationProtocolConfig(
                            ApplicationProtocolConfig.Protocol.ALPN,
                            ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                            ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT,
                            ApplicationProtocolNames.HTTP_1_1))
                    .build();
        } catch (IllegalArgumentException e) {
            throw new SSLException("cannot load " + tls.certificate() + " / " + tls.privateKey() + ": " + e.getMessage(), e);
        }
    }
}
