package org.diskcryptnet.origin.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Set;

import io.netty.handler.ssl.SslContext;

import org.diskcryptnet.origin.config.OriginConfig;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class SelfSignedCertificateTest {

    @TempDir
    Path dir;

    @ParameterizedTest
    @EnumSource(SelfSignedCertificate.KeyType.class)
    void certificateParsesVerifiesAndLoadsIntoBoringSsl(SelfSignedCertificate.KeyType type) throws Exception {
        Path cert = dir.resolve("c.pem");
        Path key = dir.resolve("k.pem");
        SelfSignedCertificate.write(cert, key, type, "localhost", List.of("localhost"), List.of("127.0.0.1", "::1"),
                Duration.ofDays(30));
        X509Certificate x509;
        try (InputStream in = Files.newInputStream(cert)) {
            x509 = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
        }
        x509.checkValidity();
        x509.verify(x509.getPublicKey()); // self-signed: the signature verifies with its own key
        assertEquals(3, x509.getVersion());
        assertEquals("CN=localhost", x509.getSubjectX500Principal().getName());
        assertEquals(3, x509.getSubjectAlternativeNames().size());
        assertTrue(x509.getExtendedKeyUsage().contains("1.3.6.1.5.5.7.3.1"));
        assertEquals(-1, x509.getBasicConstraints());
        assertEquals(Set.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE),
                Files.getPosixFilePermissions(key));
        SslContext context = ServerTls.context(new OriginConfig.Tls(cert, key, List.of("TLSv1.3", "TLSv1.2")));
        assertNotNull(context);
    }
}
