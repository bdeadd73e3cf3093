package org.diskcryptnet.it.origin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.function.BooleanSupplier;

import org.diskcryptnet.it.support.Curl;
import org.diskcryptnet.it.support.OriginProcess;
import org.diskcryptnet.it.support.Proc;
import org.diskcryptnet.it.support.PrometheusText;
import org.diskcryptnet.it.support.TestCatalog;
import org.diskcryptnet.origin.tls.SelfSignedCertificate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The signals an operator sends a running origin, as to nginx: SIGHUP reloads the certificate and key (a renewal
 * without a restart), SIGUSR1 reopens the access log (logrotate). SIGTERM's drain is {@link GracefulShutdownIT}'s.
 */
class SignalsIT {

    @TempDir
    Path dir;

    private static void signal(OriginProcess origin, String name) {
        Proc.run(Duration.ofSeconds(5), "kill", "-" + name, Long.toString(origin.pid()));
    }

    private static void await(BooleanSupplier condition, String what, OriginProcess origin) throws Exception {
        for (int i = 0; i < 1000 && !condition.getAsBoolean(); i++) {
            Thread.sleep(10);
        }
        assertTrue(condition.getAsBoolean(), what + "\n" + origin.stderr());
    }

    private static long count(String text, String needle) {
        return text.lines().filter(l -> l.contains(needle)).count();
    }

    /** Writes a certificate for localhost and its key under {@code name}.crt and .key. */
    private Path[] certificate(String name) throws Exception {
        Path cert = dir.resolve(name + ".crt");
        Path key = dir.resolve(name + ".key");
        SelfSignedCertificate.write(cert, key, SelfSignedCertificate.KeyType.EC_P256, "localhost", List.of("localhost"),
                List.of("127.0.0.1"), Duration.ofDays(7));
        return new Path[] {cert, key};
    }

    private static void install(Path from, Path to) throws Exception {
        Path tmp = to.resolveSibling(to.getFileName() + ".new");
        Files.copy(from, tmp, StandardCopyOption.REPLACE_EXISTING);
        Files.move(tmp, to, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** curl's exit status for a GET over HTTPS that trusts only {@code cacert} (0 served, 60 not trusted). */
    private static int curlTrusting(OriginProcess origin, Path cacert) {
        return Proc.run(Duration.ofSeconds(60), "curl", "-sS", "-o", "/dev/null", "--max-time", "30", "--cacert",
                cacert.toString(), "--resolve", "localhost:" + origin.https().getPort() + ":127.0.0.1",
                "https://localhost:" + origin.https().getPort() + "/seg.m4s").exit();
    }

    @Test
    void sighupServesARenewedCertificateAndKeepsTheOldOneWhenTheNewKeyDoesNotMatch() throws Exception {
        Proc.require("curl");
        TestCatalog catalog = new TestCatalog(Files.createDirectories(dir.resolve("www")));
        catalog.file("seg.m4s", 100_000);
        Path[] first = certificate("first");
        Path[] second = certificate("second");
        Path[] third = certificate("third");
        Path cert = dir.resolve("server.crt");
        Path key = dir.resolve("server.key");
        install(first[0], cert);
        install(first[1], key);
        try (OriginProcess origin = OriginProcess.start(Files.createDirectories(dir.resolve("run")),
                Duration.ofMinutes(2), "serve", "--root", catalog.root().toString(), "--http", "off", "--https",
                "127.0.0.1:0", "--cert", cert.toString(), "--key", key.toString(), "--admin", "127.0.0.1:0",
                "--access-log", "off")) {
            assertTrue(origin.stderr().contains("certificate: CN=localhost, valid until "), origin.stderr());
            assertEquals(0, curlTrusting(origin, first[0]));

            install(second[0], cert);
            install(second[1], key);
            signal(origin, "HUP");
            await(() -> origin.stderr().contains("origin: reloaded the certificate: CN=localhost"), "reloaded", origin);
            assertEquals(0, curlTrusting(origin, second[0]), "the renewed certificate is presented");
            assertEquals(60, curlTrusting(origin, first[0]), "the old one is not");

            install(third[0], cert); // the renewed certificate without its key
            signal(origin, "HUP");
            await(() -> origin.stderr().contains("origin: certificate not reloaded"), "refused", origin);
            assertTrue(origin.stderr().contains("the private key in " + key + " does not belong to the certificate in "
                    + cert), origin.stderr());
            assertEquals(0, curlTrusting(origin, second[0]), "still the certificate that loaded last");

            String metrics = Curl.exchange("http://127.0.0.1:" + origin.admin().getPort() + "/metrics", null).text();
            assertEquals(1, PrometheusText.sum(metrics, "tls_certificate_reloads_total", "outcome=\"loaded\""));
            assertEquals(1, PrometheusText.sum(metrics, "tls_certificate_reloads_total", "outcome=\"failed\""));
            double notAfter = PrometheusText.sum(metrics, "tls_certificate_not_after_seconds", null);
            double inAWeek = System.currentTimeMillis() / 1000.0 + Duration.ofDays(7).toSeconds();
            assertEquals(inAWeek, notAfter, 300, metrics);
            assertEquals(0, origin.terminate(Duration.ofSeconds(30)), "SIGTERM still drains and exits");
        }
    }

    @Test
    void sigusr1ReopensTheAccessLogThatLogrotateMoved() throws Exception {
        Proc.require("curl");
        TestCatalog catalog = new TestCatalog(Files.createDirectories(dir.resolve("www")));
        catalog.file("seg.m4s", 1_000);
        Path log = dir.resolve("access.log");
        Path rotated = dir.resolve("access.log.1");
        try (OriginProcess origin = OriginProcess.start(Files.createDirectories(dir.resolve("run")),
                Duration.ofMinutes(2), "serve", "--root", catalog.root().toString(), "--http", "127.0.0.1:0",
                "--admin", "off", "--access-log", log.toString())) {
            // at once after "ready": the handler is already there (the JVM's own action for USR1 would end it)
            signal(origin, "USR1");
            await(() -> count(origin.stderr(), "origin: reopening the access log " + log) == 1, "reopening", origin);
            String url = "http://127.0.0.1:" + origin.http().getPort();
            assertEquals(200, Curl.exchange(url + "/seg.m4s?before", null).status());
            await(() -> read(log).contains("/seg.m4s?before"), "the first line", origin);
            Files.move(log, rotated);
            assertEquals(200, Curl.exchange(url + "/seg.m4s?moved", null).status());
            await(() -> read(rotated).contains("/seg.m4s?moved"), "a line into the moved file", origin);

            signal(origin, "USR1");
            await(() -> count(origin.stderr(), "origin: reopening the access log " + log) == 2, "reopening", origin);
            await(() -> Files.exists(log), "the access log created again", origin);
            assertEquals(200, Curl.exchange(url + "/seg.m4s?after", null).status());
            await(() -> read(log).contains("/seg.m4s?after"), "a line in the new file", origin);
            assertEquals(2, count(read(rotated), "/seg.m4s?"), read(rotated));
            assertEquals(1, count(read(log), "/seg.m4s?"), read(log));
            assertFalse(read(rotated).contains("?after"));
        }
    }

    private static String read(Path file) {
        try {
            return Files.exists(file) ? Files.readString(file) : "";
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }
}
