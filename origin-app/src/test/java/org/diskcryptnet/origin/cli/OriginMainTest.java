package org.diskcryptnet.origin.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.diskcryptnet.origin.tls.SelfSignedCertificate;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OriginMainTest {

    @TempDir
    Path dir;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(String... args) {
        return OriginMain.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    private String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    @Test
    void checkConfigReportsEveryProblemWithItsLineAndFails() throws Exception {
        Path file = dir.resolve("bad.yaml");
        Files.writeString(file, "content:\n  root: missing-dir\nlisten:\n  http: nowhere\n");
        assertEquals(OriginMain.USAGE, run("check-config", file.toString()));
        assertTrue(err().contains("bad.yaml:2: content.root"), err());
        assertTrue(err().contains("bad.yaml:4: listen.http"), err());
        assertTrue(err().contains("2 problems"), err());
    }

    @Test
    void checkConfigAcceptsAGoodFile() throws Exception {
        Files.createDirectories(dir.resolve("www"));
        Path file = dir.resolve("good.yaml");
        Files.writeString(file, "content:\n  root: www\n");
        assertEquals(OriginMain.OK, run("check-config", file.toString()));
        assertTrue(out.toString(StandardCharsets.UTF_8).contains("ok"));
    }

    @Test
    void checkConfigLoadsTheCertificateAndKey() throws Exception {
        Files.createDirectories(dir.resolve("www"));
        Files.writeString(dir.resolve("cert.pem"), "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n");
        Files.writeString(dir.resolve("key.pem"), "not a key");
        Path file = dir.resolve("tls.yaml");
        Files.writeString(file, "content: {root: www}\nlisten: {https: '127.0.0.1:0'}\n"
                + "tls: {certificate: cert.pem, private_key: key.pem}\n");
        assertEquals(OriginMain.USAGE, run("check-config", file.toString()));
        assertTrue(err().contains("tls"), err());
    }

    @Test
    void checkConfigRefusesAKeyThatIsNotTheCertificates() throws Exception {
        Files.createDirectories(dir.resolve("www"));
        for (String name : new String[] {"a", "b"}) {
            SelfSignedCertificate.write(dir.resolve(name + ".crt"), dir.resolve(name + ".key"),
                    SelfSignedCertificate.KeyType.EC_P256, name, List.of(name), List.of(), Duration.ofDays(1));
        }
        Path file = dir.resolve("tls.yaml");
        Files.writeString(file, "content: {root: www}\nlisten: {https: '127.0.0.1:0'}\n"
                + "tls: {certificate: a.crt, private_key: b.key}\n");
        assertEquals(OriginMain.USAGE, run("check-config", file.toString()));
        assertTrue(err().contains("tls.yaml: tls: the private key in " + dir.resolve("b.key")
                + " does not belong to the certificate in " + dir.resolve("a.crt") + " (CN=a)"), err());
    }

    @Test
    void flagsAreCheckedToo() throws Exception {
        Files.createDirectories(dir.resolve("www"));
        Path file = dir.resolve("good.yaml");
        Files.writeString(file, "content:\n  root: www\n");
        assertEquals(OriginMain.USAGE, run("check-config", file.toString(), "--max-connections", "lots"));
        assertTrue(err().contains("--max-connections: server.max_connections"), err());
    }

    @Test
    void usageErrors() {
        assertEquals(OriginMain.USAGE, run());
        assertEquals(OriginMain.USAGE, run("frobnicate"));
        assertTrue(err().contains("unknown command"));
        assertEquals(OriginMain.USAGE, run("serve", "--no-such-flag", "x"));
        assertTrue(err().contains("unknown flag --no-such-flag"));
        assertEquals(OriginMain.USAGE, run("serve", "--root"));
        assertTrue(err().contains("--root needs a value"));
        assertEquals(OriginMain.USAGE, run("serve", "--set", "novalue"));
        assertEquals(OriginMain.OK, run("--help"));
        assertTrue(out.toString(StandardCharsets.UTF_8).contains("check-config"));
    }

    @Test
    void serveRefusesABadConfigurationBeforeBinding() throws Exception {
        assertEquals(OriginMain.USAGE, run("serve", "--root", dir.resolve("absent").toString()));
        assertTrue(err().contains("content.root"), err());
    }
}
