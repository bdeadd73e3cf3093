package org.diskcryptnet.tls.netty;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Arrays;

import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;

import org.diskcryptnet.tls.CipherSuite;
import org.diskcryptnet.tls.TlsVersion;
import org.diskcryptnet.tls.crypto.AeadAlgorithm;

/**
 * Opens a stream of records sealed by the record layer with nothing of the record layer: the keys derived here with
 * the JDK's HMAC (RFC 8446 §7.1, §7.3 HKDF-Expand-Label; RFC 5869), the nonces and additional data built here (RFC 8446
 * §5.2-5.3; RFC 5288 §3 and RFC 7905 §2 with RFC 5246 §6.2.3.3), the AEAD the JDK's {@link Cipher}. A record that does
 * not open under the next sequence number fails the test: that proves each record's sequence number as well as its
 * bytes. Test-side only.
 */
public final class JdkRecordOpener {

    /** One opened record: its (inner) content type and plaintext, and the sequence number it opened under. */
    public record Opened(int type, byte[] plaintext, long sequence) {}

    private final CipherSuite suite;
    private byte[] secret; // TLS 1.3: the traffic secret of the current generation
    private byte[] key;
    private byte[] iv;
    private long sequence;

    private JdkRecordOpener(CipherSuite suite) {
        this.suite = suite;
    }

    /** TLS 1.3 records sealed from {@code trafficSecret}, the first with sequence number {@code sequence}. */
    public static JdkRecordOpener tls13(CipherSuite suite, byte[] trafficSecret, long sequence) {
        JdkRecordOpener o = new JdkRecordOpener(suite);
        o.useSecret(trafficSecret.clone());
        o.sequence = sequence;
        return o;
    }

    /** TLS 1.2 records sealed with {@code key} and {@code fixedIv}, the first with sequence number {@code sequence}. */
    public static JdkRecordOpener tls12(CipherSuite suite, byte[] key, byte[] fixedIv, long sequence) {
        JdkRecordOpener o = new JdkRecordOpener(suite);
        o.key = key.clone();
        o.iv = fixedIv.clone();
        o.sequence = sequence;
        return o;
    }

    /** The sequence number the next record must open under. */
    public long sequence() {
        return sequence;
    }

    /** After a KeyUpdate (TLS 1.3): the next generation's secret, sequence numbers from 0 (RFC 8446 §7.2). */
    public void nextGeneration() {
        useSecret(expandLabel(secret, "traffic upd", secret.length));
        sequence = 0;
    }

    private void useSecret(byte[] s) {
        secret = s;
        key = expandLabel(s, "key", suite.aead().keyLength());
        iv = expandLabel(s, "iv", 12);
    }

    /** Opens the record at {@code offset} of {@code wire}; its length is in its header. */
    public Opened open(byte[] wire, int offset) throws GeneralSecurityException {
        int type = wire[offset] & 0xff;
        int length = (wire[offset + 3] & 0xff) << 8 | (wire[offset + 4] & 0xff);
        if (offset + 5 + length > wire.length) {
            throw new IllegalArgumentException("record at " + offset + " of " + length + " bytes runs past the end");
        }
        byte[] header = Arrays.copyOfRange(wire, offset, offset + 5);
        long seq = sequence++;
        boolean chacha = suite.aead() == AeadAlgorithm.CHACHA20_POLY1305;
        byte[] nonce;
        byte[] aad;
        int from = offset + 5;
        int n = length;
        if (suite.version() == TlsVersion.TLS_1_3 || chacha) {
            nonce = iv.clone();
            for (int i = 0; i < 8; i++) {
                nonce[11 - i] ^= (byte) (seq >>> (8 * i));
            }
        } else {
            nonce = new byte[12];
            System.arraycopy(iv, 0, nonce, 0, 4);
            System.arraycopy(wire, from, nonce, 4, 8); // the explicit part
            from += 8;
            n -= 8;
        }
        if (suite.version() == TlsVersion.TLS_1_3) {
            aad = header;
        } else {
            int plain = n - 16;
            aad = ByteBuffer.allocate(13).putLong(seq).put((byte) type).put(header[1]).put(header[2])
                    .putShort((short) plain).array();
        }
        Cipher c;
        if (chacha) {
            c = Cipher.getInstance("ChaCha20-Poly1305");
            c.init(Cipher.DECRYPT_MODE, new SecretKeySpec(key, "ChaCha20"), new IvParameterSpec(nonce));
        } else {
            c = Cipher.getInstance("AES/GCM/NoPadding");
            c.init(Cipher.DECRYPT_MODE, new SecretKeySpec(key, "AES"), new GCMParameterSpec(128, nonce));
        }
        c.updateAAD(aad);
        byte[] plain = c.doFinal(wire, from, n);
        if (suite.version() == TlsVersion.TLS_1_2) {
            return new Opened(type, plain, seq);
        }
        int end = plain.length - 1;
        while (end >= 0 && plain[end] == 0) {
            end--; // TLSInnerPlaintext: content, type, zero padding (RFC 8446 §5.2)
        }
        if (end < 0) {
            throw new GeneralSecurityException("record " + seq + " has no inner content type");
        }
        return new Opened(plain[end] & 0xff, Arrays.copyOf(plain, end), seq);
    }

    /**
     * Opens every record of {@code wire}, in order, and returns the application data joined; a KeyUpdate
     * (update_not_requested, ours) moves to the next generation; an alert ends the stream and is returned in
     * {@code alerts} (level, description pairs) when not null.
     */
    public byte[] openAll(byte[] wire, ByteArrayOutputStream alerts) throws GeneralSecurityException {
        ByteArrayOutputStream data = new ByteArrayOutputStream();
        for (int at = 0; at < wire.length; ) {
            int length = (wire[at + 3] & 0xff) << 8 | (wire[at + 4] & 0xff);
            Opened o = open(wire, at);
            at += 5 + length;
            switch (o.type()) {
                case 23 -> data.writeBytes(o.plaintext());
                case 22 -> {
                    if (o.plaintext().length != 5 || o.plaintext()[0] != 24) {
                        throw new GeneralSecurityException("handshake message after the handshake: "
                                + Arrays.toString(o.plaintext()));
                    }
                    nextGeneration();
                }
                case 21 -> {
                    if (alerts == null) {
                        throw new GeneralSecurityException("alert " + Arrays.toString(o.plaintext()));
                    }
                    alerts.writeBytes(o.plaintext());
                }
                default -> throw new GeneralSecurityException("content type " + o.type());
            }
        }
        return data.toByteArray();
    }

    /** HKDF-Expand-Label(secret, label, "", length) with the suite's hash (RFC 8446 §7.1, RFC 5869 §2.3). */
    private byte[] expandLabel(byte[] prk, String label, int length) {
        byte[] full = ("tls13 " + label).getBytes(StandardCharsets.US_ASCII);
        ByteBuffer info = ByteBuffer.allocate(2 + 1 + full.length + 1);
        info.putShort((short) length).put((byte) full.length).put(full).put((byte) 0);
        try {
            String alg = switch (suite.hash()) {
                case SHA256 -> "HmacSHA256";
                case SHA384 -> "HmacSHA384";
            };
            Mac mac = Mac.getInstance(alg);
            mac.init(new SecretKeySpec(prk, alg));
            ByteArrayOutputStream okm = new ByteArrayOutputStream();
            byte[] t = new byte[0];
            for (int i = 1; okm.size() < length; i++) {
                mac.update(t);
                mac.update(info.array());
                mac.update((byte) i);
                t = mac.doFinal();
                okm.writeBytes(t);
            }
            return Arrays.copyOf(okm.toByteArray(), length);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
