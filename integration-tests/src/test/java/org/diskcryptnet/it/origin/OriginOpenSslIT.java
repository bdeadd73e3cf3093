package org.diskcryptnet.it.origin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.diskcryptnet.it.support.Proc;
import org.diskcryptnet.it.support.RunningOrigin;
import org.diskcryptnet.it.support.TestCatalog;
import org.diskcryptnet.origin.tls.SelfSignedCertificate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** openssl s_client against the HTTPS listener: TLS 1.2 and 1.3, AEAD suites only, ALPN http/1.1. */
class OriginOpenSslIT {

    @TempDir
    static Path dir;
    static RunningOrigin ec;
    static RunningOrigin rsa;

    @BeforeAll
    static void start() throws Exception {
        TestCatalog catalog = new TestCatalog(Files.createDirectories(dir.resolve("www")));
        catalog.file("seg.m4s", 20_000);
        ec = RunningOrigin.serving(catalog.root()).https(Files.createDirectories(dir.resolve("ec"))).start();
        rsa = RunningOrigin.serving(catalog.root())
                .https(Files.createDirectories(dir.resolve("rsa")), SelfSignedCertificate.KeyType.RSA_2048).start();
    }

    @AfterAll
    static void stop() {
        ec.close();
        rsa.close();
    }

    private static Proc.Result sClient(RunningOrigin origin, String... options) {
        Proc.require("openssl");
        List<String> cmd = Proc.cmd("openssl", "s_client", "-connect", "127.0.0.1:" + origin.https().getPort(),
                "-servername", "localhost", "-CAfile", origin.certificate(), "-verify_return_error", "-alpn", "http/1.1",
                "-ign_eof", List.of(options));
        byte[] request = "GET /seg.m4s HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
        return Proc.run(Duration.ofSeconds(30), request, Map.of(), cmd);
    }

    private static void assertServed(Proc.Result r, String protocol, String cipher) {
        assertEquals(0, r.exit(), r.toString());
        String out = r.out();
        assertTrue(out.contains("Protocol  : " + protocol) || out.contains(", " + protocol + ","), out);
        assertTrue(out.contains("Cipher is " + cipher) || out.contains("Cipher    : " + cipher), out);
        assertTrue(out.contains("ALPN protocol: http/1.1"), out);
        assertTrue(out.contains("Verify return code: 0 (ok)"), out);
        assertTrue(out.contains("HTTP/1.1 200 OK"), out);
    }

    @Test
    void tls13WithEachAeadSuite() {
        for (String suite : List.of("TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256")) {
            assertServed(sClient(ec, "-tls1_3", "-ciphersuites", suite), "TLSv1.3", suite);
        }
    }

    @Test
    void tls12WithEcdsaAndRsaAeadSuites() {
        for (String suite : List.of("ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-ECDSA-AES256-GCM-SHA384", "ECDHE-ECDSA-CHACHA20-POLY1305")) {
            assertServed(sClient(ec, "-tls1_2", "-cipher", suite), "TLSv1.2", suite);
        }
        for (String suite : List.of("ECDHE-RSA-AES128-GCM-SHA256", "ECDHE-RSA-AES256-GCM-SHA384", "ECDHE-RSA-CHACHA20-POLY1305")) {
            assertServed(sClient(rsa, "-tls1_2", "-cipher", suite), "TLSv1.2", suite);
        }
    }

    @Test
    void olderProtocolsAreRefused() {
        for (String old : List.of("-tls1_1", "-tls1")) {
            Proc.Result r = sClient(ec, old, "-cipher", "DEFAULT:@SECLEVEL=0");
            assertNotEquals(0, r.exit(), old + " must fail: " + r);
        }
    }

    @Test
    void nonAeadSuitesAreRefused() {
        for (String suite : List.of("ECDHE-ECDSA-AES128-SHA256", "ECDHE-ECDSA-AES128-SHA", "AES128-GCM-SHA256", "AES256-SHA")) {
            Proc.Result r = sClient(suite.contains("ECDSA") ? ec : rsa, "-tls1_2", "-cipher", suite);
            assertNotEquals(0, r.exit(), suite + " must not be negotiated: " + r.out());
        }
    }
}
