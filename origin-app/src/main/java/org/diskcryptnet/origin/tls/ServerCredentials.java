package org.diskcryptnet.origin.tls;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.net.ssl.SSLException;

/**
 * A certificate chain and its private key, read from the PEM files of {@code tls.certificate} and
 * {@code tls.private_key} and checked to belong together: the key signs and the leaf certificate's public key
 * verifies. netty-tcnative takes a key that does not match its certificate without a word and fails every
 * handshake afterwards; a renewed certificate installed without its new key must be refused where it is loaded,
 * at start-up or on a reload, with the files named.
 *
 * <p>The key must be unencrypted PKCS #8 ({@code BEGIN PRIVATE KEY}, what {@code openssl req -nodes} and
 * {@code openssl genpkey} write), as Netty without Bouncy Castle requires too; the older PKCS #1 and SEC 1 forms get
 * an error that says how to convert them.
 */
public final class ServerCredentials {

    private static final Pattern PKCS8 = Pattern.compile(
            "-----BEGIN PRIVATE KEY-----([A-Za-z0-9+/=\\s]+)-----END PRIVATE KEY-----");
    private static final int EXPIRY_WARNING_DAYS = 14;
    private static final Pattern OTHER_KEY = Pattern.compile("-----BEGIN ([A-Z0-9 ]*)PRIVATE KEY-----");

    private final X509Certificate[] chain;
    private final PrivateKey key;

    private ServerCredentials(X509Certificate[] chain, PrivateKey key) {
        this.chain = chain;
        this.key = key;
    }

    /** The certificate the listener presents (the first of the chain). */
    private X509Certificate leaf() {
        return chain[0];
    }

    X509Certificate[] chain() {
        return chain.clone();
    }

    PrivateKey key() {
        return key;
    }

    public Instant notAfter() {
        return leaf().getNotAfter().toInstant();
    }

    /** Subject and expiry, for log lines; with a warning when it has expired or expires within 14 days. */
    public String describe() {
        return describe(Instant.now());
    }

    String describe(Instant now) {
        String text = leaf().getSubjectX500Principal().getName() + ", valid until " + notAfter();
        Instant notBefore = leaf().getNotBefore().toInstant();
        if (now.isBefore(notBefore)) {
            return text + " (WARNING: not valid before " + notBefore + "; clients refuse it until then)";
        }
        long days = Duration.between(now, notAfter()).toDays();
        if (!now.isBefore(notAfter())) {
            return text + " (WARNING: expired " + Duration.between(notAfter(), now).toDays()
                    + " days ago; clients refuse it)";
        }
        return days < EXPIRY_WARNING_DAYS ? text + " (WARNING: expires in " + days + " days)" : text;
    }

    public static ServerCredentials load(Path certificateFile, Path keyFile) throws SSLException {
        X509Certificate[] chain = readChain(certificateFile);
        PrivateKey key = readKey(keyFile, chain[0].getPublicKey().getAlgorithm());
        if (!belongTogether(key, chain[0].getPublicKey())) {
            throw new SSLException("the private key in " + keyFile + " does not belong to the certificate in "
                    + certificateFile + " (" + chain[0].getSubjectX500Principal().getName() + ")");
        }
        return new ServerCredentials(chain, key);
    }

    private static X509Certificate[] readChain(Path file) throws SSLException {
        byte[] pem = read(file, "certificate");
        try {
            X509Certificate[] chain = CertificateFactory.getInstance("X.509")
                    .generateCertificates(new ByteArrayInputStream(pem)).toArray(X509Certificate[]::new);
            if (chain.length == 0) {
                throw new SSLException(file + " holds no certificate (expected PEM: -----BEGIN CERTIFICATE-----)");
            }
            return chain;
        } catch (CertificateException e) {
            throw new SSLException(file + " is not a PEM certificate chain: " + e.getMessage(), e);
        }
    }

    private static PrivateKey readKey(Path file, String algorithm) throws SSLException {
        String pem = new String(read(file, "private key"), StandardCharsets.US_ASCII);
        Matcher m = PKCS8.matcher(pem);
        if (!m.find()) {
            Matcher other = OTHER_KEY.matcher(pem);
            throw new SSLException(other.find()
                    ? file + " holds a key of the form BEGIN " + other.group(1) + "PRIVATE KEY; the origin reads "
                            + "unencrypted PKCS #8 (BEGIN PRIVATE KEY): convert it with "
                            + "openssl pkcs8 -topk8 -nocrypt -in " + file
                    : file + " holds no private key (expected PEM: -----BEGIN PRIVATE KEY-----)");
        }
        try {
            byte[] der = Base64.getMimeDecoder().decode(m.group(1));
            return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            throw new SSLException(file + " does not hold a valid " + algorithm + " private key for the certificate: "
                    + e.getMessage(), e);
        }
    }

    private static byte[] read(Path file, String what) throws SSLException {
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new SSLException("cannot read the " + what + " " + file + ": " + e, e);
        }
    }

    /** Whether a signature made with {@code key} verifies with {@code publicKey}. */
    private static boolean belongTogether(PrivateKey key, PublicKey publicKey) throws SSLException {
        String algorithm = switch (publicKey.getAlgorithm()) {
            case "EC" -> "SHA256withECDSA";
            case "RSA" -> "SHA256withRSA";
            case "Ed25519", "Ed448", "EdDSA" -> publicKey.getAlgorithm();
            default -> throw new SSLException("certificates with " + publicKey.getAlgorithm()
                    + " keys are not supported (EC, RSA, Ed25519)");
        };
        try {
            byte[] challenge = new byte[32];
            new SecureRandom().nextBytes(challenge);
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(key);
            signer.update(challenge);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(publicKey);
            verifier.update(challenge);
            return verifier.verify(signature);
        } catch (GeneralSecurityException e) {
            return false; // a key of another curve or size: not this certificate's
        }
    }
}
