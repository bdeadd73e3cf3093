package org.diskcryptnet.origin.metrics;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

import org.diskcryptnet.tls.CipherSuite;
import org.diskcryptnet.tls.netty.TlsStats;
import org.diskcryptnet.tls.record.AlertDescription;

/**
 * The HTTPS listener's TLS metrics: handshakes by version and cipher suite, handshake failures by reason (an alert
 * name), alerts, key updates, and the records and bytes the record layer sealed. Every meter of the data path is
 * registered up front and reached by an enum index; the record layer reports sealed bytes once per flushed batch or
 * finished file body, not per record. With an HTTPS listener, also the expiry of the certificate it presents and
 * the outcomes of certificate reloads.
 */
public final class TlsMetrics implements TlsStats {

    private final MeterRegistry registry;
    private final Map<CipherSuite, Counter> handshakes = new EnumMap<>(CipherSuite.class);
    private final Map<String, Counter> failures = new ConcurrentHashMap<>();
    private final Map<AlertDescription, Counter> alertsSent = new ConcurrentHashMap<>();
    private final Map<AlertDescription, Counter> alertsReceived = new ConcurrentHashMap<>();
    private final Counter recordsSealed;
    private final Counter bytesSealed;
    private final Counter keyUpdatesReceived;
    private final Counter keyUpdatesSent;
    private final AtomicLong certificateNotAfter = new AtomicLong();
    private Counter reloadsLoaded;
    private Counter reloadsFailed;

    TlsMetrics(MeterRegistry registry) {
        this.registry = registry;
        for (CipherSuite s : CipherSuite.values()) {
            handshakes.put(s, Counter.builder("tls.handshakes")
                    .description("TLS handshakes completed and taken over by the in-place record layer")
                    .tag("version", s.version().javaName()).tag("cipher_suite", s.name()).register(registry));
        }
        recordsSealed = Counter.builder("tls.records.sealed").description("TLS records sealed by the record layer")
                .register(registry);
        bytesSealed = Counter.builder("tls.sealed").baseUnit("bytes")
                .description("Plaintext bytes sealed into TLS records by the record layer").register(registry);
        keyUpdatesReceived = Counter.builder("tls.key.updates").tag("direction", "received")
                .description("TLS 1.3 KeyUpdate messages").register(registry);
        keyUpdatesSent = Counter.builder("tls.key.updates").tag("direction", "sent")
                .description("TLS 1.3 KeyUpdate messages").register(registry);
    }

    /**
     * The listener presents a certificate valid until {@code notAfterEpochSecond}: registers the certificate's meters
     * on the first call (an origin without HTTPS has none, rather than an expiry of 1970).
     */
    public synchronized void certificate(long notAfterEpochSecond) {
        if (reloadsLoaded == null) {
            Gauge.builder("tls.certificate.not.after", certificateNotAfter, AtomicLong::get).baseUnit("seconds")
                    .description("When the certificate the HTTPS listener presents expires, in seconds since the epoch")
                    .register(registry);
            reloadsLoaded = reloads("loaded");
            reloadsFailed = reloads("failed");
        }
        certificateNotAfter.set(notAfterEpochSecond);
    }

    private Counter reloads(String outcome) {
        return Counter.builder("tls.certificate.reloads").tag("outcome", outcome)
                .description("Reloads of the certificate and key (SIGHUP): loaded, or failed and the old one kept")
                .register(registry);
    }

    /** A reload's outcome (on the signal's thread; the counters were made under the same lock). */
    public synchronized void certificateReloaded(boolean loaded) {
        (loaded ? reloadsLoaded : reloadsFailed).increment();
    }

    @Override
    public void handshakeCompleted(CipherSuite suite) {
        handshakes.get(suite).increment();
    }

    @Override
    public void handshakeFailed(String reason) {
        // reasons are a bounded set of alert names (TlsTakeover.failureReason), so the tag stays bounded
        failures.computeIfAbsent(reason, r -> Counter.builder("tls.handshake.failures").tag("reason", r)
                .description("TLS handshakes that failed, by the alert sent or received").register(registry)).increment();
    }

    @Override
    public void sealed(long records, long plaintextBytes) {
        recordsSealed.increment(records);
        bytesSealed.increment(plaintextBytes);
    }

    @Override
    public void keyUpdate(boolean received) {
        (received ? keyUpdatesReceived : keyUpdatesSent).increment();
    }

    @Override
    public void alert(AlertDescription alert, boolean sent) {
        (sent ? alertsSent : alertsReceived).computeIfAbsent(alert, a -> Counter.builder("tls.alerts")
                .tag("alert", a.rfcName()).tag("direction", sent ? "sent" : "received")
                .description("TLS alerts after the handshake, by description").register(registry)).increment();
    }
}
