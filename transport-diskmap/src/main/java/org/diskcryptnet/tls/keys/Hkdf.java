package org.diskcryptnet.tls.keys;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.InvalidKeyException;
import java.util.Arrays;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * HKDF (RFC 5869) and TLS 1.3's HKDF-Expand-Label (RFC 8446 §7.1). Used once per connection and once per key
 * update, never on the data path.
 */
public final class Hkdf {

    private static final byte[] LABEL_PREFIX = "tls13 ".getBytes(StandardCharsets.US_ASCII);

    private Hkdf() {}

    /** HKDF-Extract(salt, IKM) = HMAC-Hash(salt, IKM) (RFC 5869 §2.2); an empty salt is HashLen zeros. */
    public static byte[] extract(HashAlgorithm hash, byte[] salt, byte[] ikm) {
        byte[] s = salt.length == 0 ? new byte[hash.length()] : salt;
        Mac mac = mac(hash, s);
        return mac.doFinal(ikm);
    }

    /** HKDF-Expand(PRK, info, L) (RFC 5869 §2.3). */
    public static byte[] expand(HashAlgorithm hash, byte[] prk, byte[] info, int length) {
        if (length > 255 * hash.length()) {
            throw new IllegalArgumentException("HKDF-Expand cannot produce " + length + " bytes with " + hash);
        }
        Mac mac = mac(hash, prk);
        byte[] out = new byte[length];
        byte[] t = new byte[0];
        int done = 0;
        for (int i = 1; done < length; i++) {
            mac.update(t);
            mac.update(info);
            mac.update((byte) i);
            byte[] next = mac.doFinal();
            Arrays.fill(t, (byte) 0);
            t = next;
            int n = Math.min(t.length, length - done);
            System.arraycopy(t, 0, out, done, n);
            done += n;
        }
        Arrays.fill(t, (byte) 0);
        return out;
    }

    /**
     * HKDF-Expand-Label(Secret, Label, Context, Length) = HKDF-Expand(Secret, HkdfLabel, Length), where HkdfLabel is
     * {@code uint16 length, opaque label<7..255> = "tls13 " + Label, opaque context<0..255>} (RFC 8446 §7.1).
     */
    public static byte[] expandLabel(HashAlgorithm hash, byte[] secret, String label, byte[] context, int length) {
        byte[] l = label.getBytes(StandardCharsets.US_ASCII);
        int labelLength = LABEL_PREFIX.length + l.length;
        if (labelLength > 255 || context.length > 255) {
            throw new IllegalArgumentException("label or context too long");
        }
        byte[] info = new byte[2 + 1 + labelLength + 1 + context.length];
        int i = 0;
        info[i++] = (byte) (length >>> 8);
        info[i++] = (byte) length;
        info[i++] = (byte) labelLength;
        System.arraycopy(LABEL_PREFIX, 0, info, i, LABEL_PREFIX.length);
        i += LABEL_PREFIX.length;
        System.arraycopy(l, 0, info, i, l.length);
        i += l.length;
        info[i++] = (byte) context.length;
        System.arraycopy(context, 0, info, i, context.length);
        return expand(hash, secret, info, length);
    }

    /** The traffic key of a TLS 1.3 secret: HKDF-Expand-Label(secret, "key", "", key_length) (RFC 8446 §7.3). */
    public static byte[] trafficKey(HashAlgorithm hash, byte[] secret, int keyLength) {
        return expandLabel(hash, secret, "key", new byte[0], keyLength);
    }

    /** The write IV of a TLS 1.3 secret: HKDF-Expand-Label(secret, "iv", "", 12) (RFC 8446 §7.3). */
    public static byte[] trafficIv(HashAlgorithm hash, byte[] secret) {
        return expandLabel(hash, secret, "iv", new byte[0], 12);
    }

    /** The next generation of a traffic secret after a KeyUpdate (RFC 8446 §7.2). */
    public static byte[] nextTrafficSecret(HashAlgorithm hash, byte[] secret) {
        return expandLabel(hash, secret, "traffic upd", new byte[0], hash.length());
    }

    static Mac mac(HashAlgorithm hash, byte[] key) {
        try {
            Mac mac = Mac.getInstance(hash.hmacName());
            mac.init(new SecretKeySpec(key, hash.hmacName()));
            return mac;
        } catch (InvalidKeyException e) {
            throw new IllegalArgumentException(e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(hash.hmacName() + " is not available in this JDK", e);
        }
    }
}
