package org.diskcryptnet.origin.tls;

import java.io.IOException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * Writes a self-signed X.509 v3 certificate (RFC 5280) and its PKCS#8 key as PEM, for the demo and for tests:
 * the JDK signs, and {@link Der} encodes. The certificate names its hosts in subjectAltName (RFC 6125 §6.4),
 * which is what curl, OpenSSL and the JDK check.
 */
public final class SelfSignedCertificate {

    public enum KeyType { EC_P256, RSA_2048 }

    private static final String OID_EC_SHA256 = "1.2.840.10045.4.3.2";
    private static final String OID_RSA_SHA256 = "1.2.840.113549.1.1.11";
    private static final String OID_COMMON_NAME = "2.5.4.3";
    private static final String OID_SUBJECT_KEY_ID = "2.5.29.14";
    private static final String OID_KEY_USAGE = "2.5.29.15";
    private static final String OID_SUBJECT_ALT_NAME = "2.5.29.17";
    private static final String OID_BASIC_CONSTRAINTS = "2.5.29.19";
    private static final String OID_EXT_KEY_USAGE = "2.5.29.37";
    private static final String OID_SERVER_AUTH = "1.3.6.1.5.5.7.3.1";
    private static final DateTimeFormatter UTC_TIME = DateTimeFormatter.ofPattern("yyMMddHHmmss'Z'").withZone(ZoneOffset.UTC);

    private SelfSignedCertificate() {}

    /**
     * Writes {@code certFile} and {@code keyFile} (mode 0600) for {@code commonName}, valid from a day ago for
     * {@code validity}, naming the given DNS names and IP addresses.
     */
    public static void write(Path certFile, Path keyFile, KeyType type, String commonName, List<String> dnsNames,
                             List<String> ipAddresses, Duration validity) throws IOException, GeneralSecurityException {
        KeyPair pair = newKeyPair(type);
        String sigOid = type == KeyType.EC_P256 ? OID_EC_SHA256 : OID_RSA_SHA256;
        byte[] sigAlg = type == KeyType.EC_P256 ? Der.sequence(Der.oid(sigOid))
                : Der.sequence(Der.oid(sigOid), Der.tlv(Der.NULL));
        byte[] name = Der.sequence(Der.tlv(Der.SET, Der.sequence(Der.oid(OID_COMMON_NAME), Der.utf8(commonName))));
        Instant now = Instant.now();
        byte[] validityDer = Der.sequence(
                Der.tlv(Der.UTC_TIME, UTC_TIME.format(now.minus(Duration.ofDays(1))).getBytes(StandardCharsets.US_ASCII)),
                Der.tlv(Der.UTC_TIME, UTC_TIME.format(now.plus(validity)).getBytes(StandardCharsets.US_ASCII)));
        byte[] spki = pair.getPublic().getEncoded();

        List<byte[]> altNames = new ArrayList<>();
        for (String dns : dnsNames) {
            altNames.add(Der.implicit(2, dns.getBytes(StandardCharsets.US_ASCII)));
        }
        for (String ip : ipAddresses) {
            altNames.add(Der.implicit(7, InetAddress.getByName(ip).getAddress()));
        }
        byte[] keyId = MessageDigest.getInstance("SHA-1").digest(spki);
        byte[] extensions = Der.explicit(3, Der.sequence(
                extension(OID_BASIC_CONSTRAINTS, true, Der.sequence()),
                // RFC 5280 §4.2.1.3: digitalSignature (bit 0), and keyEncipherment (bit 2) for RSA key exchange
                extension(OID_KEY_USAGE, true, type == KeyType.EC_P256
                        ? Der.tlv(Der.BIT_STRING, new byte[] {7, (byte) 0x80})
                        : Der.tlv(Der.BIT_STRING, new byte[] {5, (byte) 0xa0})),
                extension(OID_EXT_KEY_USAGE, false, Der.sequence(Der.oid(OID_SERVER_AUTH))),
                extension(OID_SUBJECT_KEY_ID, false, Der.octets(keyId)),
                extension(OID_SUBJECT_ALT_NAME, false, Der.sequence(altNames.toArray(byte[][]::new)))));

        byte[] serial = new byte[16];
        new SecureRandom().nextBytes(serial);
        serial[0] &= 0x7f; // RFC 5280 §4.1.2.2: positive
        byte[] tbs = Der.sequence(
                Der.explicit(0, Der.integer(BigInteger.TWO)), // v3
                Der.integer(new BigInteger(serial)),
                sigAlg, name, validityDer, name, spki, extensions);

        Signature signer = Signature.getInstance(type == KeyType.EC_P256 ? "SHA256withECDSA" : "SHA256withRSA");
        signer.initSign(pair.getPrivate());
        signer.update(tbs);
        byte[] certificate = Der.sequence(tbs, sigAlg, Der.bitString(signer.sign()));

        Files.writeString(certFile, pem("CERTIFICATE", certificate));
        Files.deleteIfExists(keyFile);
        Files.createFile(keyFile, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(keyFile, pem("PRIVATE KEY", pair.getPrivate().getEncoded()));
    }

    private static KeyPair newKeyPair(KeyType type) throws GeneralSecurityException {
        KeyPairGenerator generator;
        if (type == KeyType.EC_P256) {
            generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp256r1"));
        } else {
            generator = KeyPairGenerator.getInstance("RSA");
            generator.initialize(2048);
        }
        return generator.generateKeyPair();
    }

    private static byte[] extension(String oid, boolean critical, byte[] value) {
        return critical
                ? Der.sequence(Der.oid(oid), Der.tlv(0x01, new byte[] {(byte) 0xff}), Der.octets(value))
                : Der.sequence(Der.oid(oid), Der.octets(value));
    }

    private static String pem(String label, byte[] der) {
        return "-----BEGIN " + label + "-----\n"
                + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
                + "\n-----END " + label + "-----\n";
    }
}
