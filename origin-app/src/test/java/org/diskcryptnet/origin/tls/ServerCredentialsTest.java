package org.diskcryptnet.origin.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import javax.net.ssl.SSLException;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class ServerCredentialsTest {

    @TempDir
    Path dir;

    private Path[] write(String name, SelfSignedCertificate.KeyType type) throws Exception {
        Path cert = dir.resolve(name + ".crt");
        Path key = dir.resolve(name + ".key");
        SelfSignedCertificate.write(cert, key, type, name, List.of(name), List.of(), Duration.ofDays(30));
        return new Path[] {cert, key};
    }

    @ParameterizedTest
    @EnumSource(SelfSignedCertificate.KeyType.class)
    void aCertificateAndItsOwnKeyLoad(SelfSignedCertificate.KeyType type) throws Exception {
        Path[] files = write("origin.example", type);
        ServerCredentials c = ServerCredentials.load(files[0], files[1]);
        assertTrue(c.describe().startsWith("CN=origin.example, valid until "), c.describe());
        Instant in30Days = Instant.now().plus(Duration.ofDays(30));
        assertTrue(Math.abs(c.notAfter().getEpochSecond() - in30Days.getEpochSecond()) < 120, c.notAfter().toString());
        assertEquals(1, c.chain().length);
    }

    @Test
    void anExpiredOrExpiringCertificateLoadsWithAWarningInItsDescription() throws Exception {
        Path[] soon = write("soon", SelfSignedCertificate.KeyType.EC_P256);
        ServerCredentials c = ServerCredentials.load(soon[0], soon[1]);
        Instant notAfter = c.notAfter();
        assertEquals("CN=soon, valid until " + notAfter, c.describe(notAfter.minus(Duration.ofDays(20))));
        assertEquals("CN=soon, valid until " + notAfter + " (WARNING: expires in 5 days)",
                c.describe(notAfter.minus(Duration.ofDays(5)).minusSeconds(1)));
        assertEquals("CN=soon, valid until " + notAfter + " (WARNING: expired 3 days ago; clients refuse it)",
                c.describe(notAfter.plus(Duration.ofDays(3))));
        Instant notBefore = notAfter.minus(Duration.ofDays(31)); // written valid from a day ago for 30 days
        assertTrue(c.describe(notBefore.minusSeconds(3600)).endsWith(" (WARNING: not valid before "
                + notBefore + "; clients refuse it until then)"), c.describe(notBefore.minusSeconds(3600)));
    }

    @Test
    void theKeyOfAnotherCertificateIsRefusedWithBothFilesNamed() throws Exception {
        Path[] a = write("a", SelfSignedCertificate.KeyType.EC_P256);
        Path[] b = write("b", SelfSignedCertificate.KeyType.EC_P256);
        SSLException e = assertThrows(SSLException.class, () -> ServerCredentials.load(a[0], b[1]));
        assertEquals("the private key in " + b[1] + " does not belong to the certificate in " + a[0] + " (CN=a)",
                e.getMessage());
    }

    @Test
    void aKeyOfAnotherAlgorithmIsRefused() throws Exception {
        Path[] ec = write("ec", SelfSignedCertificate.KeyType.EC_P256);
        Path[] rsa = write("rsa", SelfSignedCertificate.KeyType.RSA_2048);
        SSLException e = assertThrows(SSLException.class, () -> ServerCredentials.load(ec[0], rsa[1]));
        assertTrue(e.getMessage().startsWith(rsa[1] + " does not hold a valid EC private key"), e.getMessage());
    }

    @Test
    void anOlderKeyFormatIsRefusedWithTheConversion() throws Exception {
        Path[] a = write("a", SelfSignedCertificate.KeyType.RSA_2048);
        Path pkcs1 = Files.writeString(dir.resolve("pkcs1.key"),
                "-----BEGIN RSA PRIVATE KEY-----\nMIIBOgIBAAJBAK==\n-----END RSA PRIVATE KEY-----\n");
        SSLException e = assertThrows(SSLException.class, () -> ServerCredentials.load(a[0], pkcs1));
        assertEquals(pkcs1 + " holds a key of the form BEGIN RSA PRIVATE KEY; the origin reads unencrypted PKCS #8 "
                + "(BEGIN PRIVATE KEY): convert it with openssl pkcs8 -topk8 -nocrypt -in " + pkcs1, e.getMessage());
    }

    @Test
    void missingAndMalformedFilesAreNamed() throws Exception {
        Path[] a = write("a", SelfSignedCertificate.KeyType.EC_P256);
        Path missing = dir.resolve("missing.crt");
        SSLException noFile = assertThrows(SSLException.class, () -> ServerCredentials.load(missing, a[1]));
        assertTrue(noFile.getMessage().startsWith("cannot read the certificate " + missing + ": "),
                noFile.getMessage());

        Path text = Files.writeString(dir.resolve("text.crt"), "not a certificate\n");
        SSLException notPem = assertThrows(SSLException.class, () -> ServerCredentials.load(text, a[1]));
        assertTrue(notPem.getMessage().startsWith(text + " is not a PEM certificate chain"), notPem.getMessage());

        SSLException keyIsCert = assertThrows(SSLException.class, () -> ServerCredentials.load(a[0], a[0]));
        assertEquals(a[0] + " holds no private key (expected PEM: -----BEGIN PRIVATE KEY-----)",
                keyIsCert.getMessage());
    }
}
