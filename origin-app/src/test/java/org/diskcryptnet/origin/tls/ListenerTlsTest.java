package org.diskcryptnet.origin.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import javax.net.ssl.SSLException;

import io.netty.handler.ssl.SslContext;

import org.diskcryptnet.origin.config.OriginConfig;
import org.diskcryptnet.origin.metrics.OriginMetrics;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ListenerTlsTest {

    @TempDir
    Path dir;

    private final OriginMetrics metrics = new OriginMetrics();

    /** Writes a certificate for {@code name}, valid for {@code days}, and moves it over the served files. */
    private void install(String name, int days, OriginConfig.Tls served, boolean withKey) throws Exception {
        Path cert = dir.resolve(name + ".crt");
        Path key = dir.resolve(name + ".key");
        SelfSignedCertificate.write(cert, key, SelfSignedCertificate.KeyType.EC_P256, name, List.of(name), List.of(),
                Duration.ofDays(days));
        Files.move(cert, served.certificate(), StandardCopyOption.REPLACE_EXISTING);
        if (withKey) {
            Files.move(key, served.privateKey(), StandardCopyOption.REPLACE_EXISTING);
        }
    }

    private double metric(String sample) {
        for (String line : metrics.scrape().split("\n")) {
            if (line.startsWith(sample + " ")) {
                return Double.parseDouble(line.substring(sample.length() + 1));
            }
        }
        throw new AssertionError(sample + " not in\n" + metrics.scrape());
    }

    @Test
    void aReloadServesTheFilesAsTheyAreNowAndAFailedOneChangesNothing() throws Exception {
        OriginConfig.Tls served = new OriginConfig.Tls(dir.resolve("server.crt"), dir.resolve("server.key"),
                List.of("TLSv1.3", "TLSv1.2"));
        install("first", 10, served, true);
        ListenerTls tls = new ListenerTls(served, metrics.tls());
        List<SslContext> prepared = new ArrayList<>();
        tls.prepareEach(prepared::add);
        SslContext first = tls.context();
        assertEquals(List.of(first), prepared);
        assertTrue(tls.describe().startsWith("CN=first, valid until "), tls.describe());
        double firstExpiry = metric("tls_certificate_not_after_seconds");
        assertEquals(0, metric("tls_certificate_reloads_total{outcome=\"loaded\"}"));

        install("second", 20, served, true);
        assertTrue(tls.reload().startsWith("CN=second, valid until "));
        assertTrue(tls.context() != first);
        assertEquals(List.of(first, tls.context()), prepared);
        assertEquals(10 * 86400, metric("tls_certificate_not_after_seconds") - firstExpiry, 120);
        assertEquals(1, metric("tls_certificate_reloads_total{outcome=\"loaded\"}"));

        SslContext second = tls.context();
        install("third", 30, served, false); // the new certificate without its key
        SSLException e = assertThrows(SSLException.class, tls::reload);
        assertTrue(e.getMessage().contains("does not belong to the certificate"), e.getMessage());
        assertSame(second, tls.context());
        assertTrue(tls.describe().startsWith("CN=second, "), tls.describe());
        assertEquals(10 * 86400, metric("tls_certificate_not_after_seconds") - firstExpiry, 120);
        assertEquals(1, metric("tls_certificate_reloads_total{outcome=\"failed\"}"));
        assertEquals(2, prepared.size());
    }

    @Test
    void aPreparationThatRefusesTheNewContextFailsTheReload() throws Exception {
        OriginConfig.Tls served = new OriginConfig.Tls(dir.resolve("server.crt"), dir.resolve("server.key"),
                List.of("TLSv1.3"));
        install("first", 10, served, true);
        ListenerTls tls = new ListenerTls(served, metrics.tls());
        SslContext first = tls.context();
        tls.prepareEach(c -> {
            if (c != first) {
                throw new IllegalStateException("refused");
            }
        });
        install("second", 10, served, true);
        assertEquals("refused", assertThrows(SSLException.class, tls::reload).getMessage());
        assertSame(first, tls.context());
        assertEquals(1, metric("tls_certificate_reloads_total{outcome=\"failed\"}"));
    }

    @Test
    void withoutHttpsThereIsNoCertificateExpiry() {
        assertTrue(!new OriginMetrics().scrape().contains("tls_certificate"));
    }
}
