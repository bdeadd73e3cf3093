package org.diskcryptnet.tls.keys;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import javax.crypto.Mac;

/**
 * The TLS 1.2 PRF, {@code PRF(secret, label, seed) = P_<hash>(secret, label + seed)} (RFC 5246 §5), and the key
 * block it expands the master secret into (§6.3).
 */
public final class Tls12Prf {

    private Tls12Prf() {}

    /** P_hash(secret, seed): A(0) = seed, A(i) = HMAC(secret, A(i-1)), output HMAC(secret, A(i) + seed)... */
    public static byte[] prf(HashAlgorithm hash, byte[] secret, String label, byte[] seed, int length) {
        byte[] l = label.getBytes(StandardCharsets.US_ASCII);
        byte[] labelSeed = new byte[l.length + seed.length];
        System.arraycopy(l, 0, labelSeed, 0, l.length);
        System.arraycopy(seed, 0, labelSeed, l.length, seed.length);
        Mac mac = Hkdf.mac(hash, secret);
        byte[] out = new byte[length];
        byte[] a = labelSeed;
        int done = 0;
        while (done < length) {
            byte[] next = mac.doFinal(a);
            if (a != labelSeed) {
                Arrays.fill(a, (byte) 0);
            }
            a = next;
            mac.update(a);
            mac.update(labelSeed);
            byte[] block = mac.doFinal();
            int n = Math.min(block.length, length - done);
            System.arraycopy(block, 0, out, done, n);
            Arrays.fill(block, (byte) 0);
            done += n;
        }
        Arrays.fill(a, (byte) 0);
        return out;
    }

    /**
     * The key block for an AEAD suite: {@code PRF(master_secret, "key expansion", server_random + client_random)}
     * cut into client_write_key, server_write_key, client_write_IV, server_write_IV (RFC 5246 §6.3; AEAD suites have
     * no MAC keys, RFC 5246 §6.2.3.3).
     */
    public static byte[] keyBlock(HashAlgorithm hash, byte[] masterSecret, byte[] clientRandom, byte[] serverRandom,
                                  int keyLength, int ivLength) {
        byte[] seed = new byte[serverRandom.length + clientRandom.length];
        System.arraycopy(serverRandom, 0, seed, 0, serverRandom.length);
        System.arraycopy(clientRandom, 0, seed, serverRandom.length, clientRandom.length);
        return prf(hash, masterSecret, "key expansion", seed, 2 * keyLength + 2 * ivLength);
    }
}
