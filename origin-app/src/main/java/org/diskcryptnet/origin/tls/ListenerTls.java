package org.diskcryptnet.origin.tls;

import java.util.function.Consumer;

import javax.net.ssl.SSLException;

import io.netty.handler.ssl.SslContext;

import org.diskcryptnet.origin.config.OriginConfig;
import org.diskcryptnet.origin.metrics.TlsMetrics;

/**
 * The HTTPS listener's TLS context, which a reload (SIGHUP) replaces with one built from the certificate and key
 * files as they are now: a renewed certificate without a restart, as nginx's reload gives. Each new connection
 * takes the context current when it is accepted; open connections keep the one they shook hands with. A reload
 * that cannot read the files, or finds a key that does not belong to the certificate, changes nothing: the
 * listener goes on presenting the certificate it had, and the reason is returned for the log. Both outcomes are
 * counted, and the expiry of the presented certificate is a gauge.
 */
public final class ListenerTls {

    private final OriginConfig.Tls files;
    private final TlsMetrics metrics;
    /** What each context goes through before it serves (see {@link #prepareEach}). */
    private Consumer<SslContext> preparation = context -> { };
    private volatile SslContext context;
    private volatile ServerCredentials credentials;

    public ListenerTls(OriginConfig.Tls files, TlsMetrics metrics) throws SSLException {
        this.files = files;
        this.metrics = metrics;
        this.credentials = ServerCredentials.load(files.certificate(), files.privateKey());
        this.context = ServerTls.context(files, credentials);
        metrics.certificate(credentials.notAfter().getEpochSecond());
    }

    /** The context for a connection accepted now. */
    public SslContext context() {
        return context;
    }

    /** The certificate presented now: subject and expiry. */
    public String describe() {
        return credentials.describe();
    }

    /**
     * Runs {@code step} on every context before it serves, this one now and each a reload builds (the in-place
     * record layer's takeover registers its key log callback); a step that throws fails the reload.
     */
    public synchronized void prepareEach(Consumer<SslContext> step) {
        step.accept(context);
        preparation = preparation.andThen(step);
    }

    /**
     * Reads the certificate and key files again and serves new connections with them.
     *
     * @return what the listener presents now
     * @throws SSLException why nothing changed: the listener still presents {@link #describe()}
     */
    public synchronized String reload() throws SSLException {
        try {
            ServerCredentials next = ServerCredentials.load(files.certificate(), files.privateKey());
            SslContext nextContext = ServerTls.context(files, next);
            preparation.accept(nextContext);
            credentials = next;
            context = nextContext;
            metrics.certificate(next.notAfter().getEpochSecond());
            metrics.certificateReloaded(true);
            return next.describe();
        } catch (SSLException | RuntimeException e) {
            metrics.certificateReloaded(false);
            throw e instanceof SSLException s ? s : new SSLException(e.getMessage(), e);
        }
    }
}
