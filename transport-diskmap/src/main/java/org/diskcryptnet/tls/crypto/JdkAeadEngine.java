package org.diskcryptnet.tls.crypto;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.security.spec.AlgorithmParameterSpec;
import java.util.Arrays;

import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * The JDK's {@code Cipher} over {@code ByteBuffer} views of the native record buffer. Always available, the fallback.
 * Its key schedule lives on the Java heap inside the provider, where this class cannot zero it: {@link Aead#close()}
 * zeroes only the copies this class made. Allocates a parameter spec per record, which the JDK's API requires.
 */
public final class JdkAeadEngine implements AeadEngine {

    public static final JdkAeadEngine INSTANCE = new JdkAeadEngine();

    private JdkAeadEngine() {}

    @Override
    public String name() {
        return "jdk";
    }

    @Override
    public String description() {
        return "JDK " + Runtime.version() + " javax.crypto.Cipher (SunJCE) over direct ByteBuffers";
    }

    @Override
    public boolean isAvailable() {
        return true;
    }

    @Override
    public Throwable unavailabilityCause() {
        return null;
    }

    @Override
    public boolean supports(AeadAlgorithm algorithm) {
        return true;
    }

    @Override
    public Aead create(AeadAlgorithm algorithm, MemorySegment key) {
        byte[] k = key.asSlice(0, algorithm.keyLength()).toArray(ValueLayout.JAVA_BYTE);
        try {
            return new JdkAead(algorithm, k);
        } finally {
            Arrays.fill(k, (byte) 0);
        }
    }

    private static final class JdkAead extends Aead {
        private final Cipher cipher;
        private final SecretKeySpec key;
        private final byte[] nonce = new byte[AeadAlgorithm.NONCE_LENGTH];
        private final byte[] lastSealNonce = new byte[AeadAlgorithm.NONCE_LENGTH];
        private final byte[] decoyNonce = new byte[AeadAlgorithm.NONCE_LENGTH];
        private boolean sealedBefore;
        private final byte[][] aadByLength = new byte[14][];

        JdkAead(AeadAlgorithm algorithm, byte[] key) {
            super(algorithm, 0);
            boolean gcm = algorithm != AeadAlgorithm.CHACHA20_POLY1305;
            try {
                this.cipher = Cipher.getInstance(gcm ? "AES/GCM/NoPadding" : "ChaCha20-Poly1305");
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("the JDK lacks " + algorithm, e);
            }
            this.key = new SecretKeySpec(key, gcm ? "AES" : "ChaCha20");
            for (int i = 0; i < aadByLength.length; i++) {
                aadByLength[i] = new byte[i];
            }
        }

        private AlgorithmParameterSpec spec() {
            nonce().asByteBuffer().get(nonce);
            return algorithm == AeadAlgorithm.CHACHA20_POLY1305 ? new IvParameterSpec(nonce)
                    : new GCMParameterSpec(AeadAlgorithm.TAG_LENGTH * 8, nonce);
        }

        private byte[] aadBytes(int length) {
            byte[] a = aadByLength[length];
            MemorySegment.copy(aad(), ValueLayout.JAVA_BYTE, 0, a, 0, length);
            return a;
        }

        @Override
        public void seal(MemorySegment src, long srcOffset, MemorySegment dst, long dstOffset, int length,
                         int aadLength) {
            checkOpen();
            ByteBuffer in = src.asSlice(srcOffset, length).asByteBuffer();
            ByteBuffer out = dst.asSlice(dstOffset, length + AeadAlgorithm.TAG_LENGTH).asByteBuffer();
            try {
                AlgorithmParameterSpec spec = spec();
                if (sealedBefore && Arrays.equals(nonce, lastSealNonce)) {
                    // The JDK refuses to encrypt twice in a row under one key and nonce, a guard against nonce reuse.
                    // Sealing the same record again is the retransmission path's purpose (issue 8): the same
                    // plaintext gives the same ciphertext, nothing leaks. Step aside with another nonce first.
                    System.arraycopy(nonce, 0, decoyNonce, 0, nonce.length);
                    decoyNonce[0] ^= 1;
                    cipher.init(Cipher.ENCRYPT_MODE, key, algorithm == AeadAlgorithm.CHACHA20_POLY1305
                            ? new IvParameterSpec(decoyNonce) : new GCMParameterSpec(AeadAlgorithm.TAG_LENGTH * 8, decoyNonce));
                }
                cipher.init(Cipher.ENCRYPT_MODE, key, spec);
                System.arraycopy(nonce, 0, lastSealNonce, 0, nonce.length);
                sealedBefore = true;
                cipher.updateAAD(aadBytes(aadLength));
                int n = cipher.doFinal(in, out);
                if (n != length + AeadAlgorithm.TAG_LENGTH) {
                    throw new IllegalStateException("sealed " + n + " bytes, expected " + (length + 16));
                }
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("cannot seal with " + algorithm, e);
            }
        }

        @Override
        public boolean open(MemorySegment buffer, long offset, int length, int aadLength) {
            checkOpen();
            ByteBuffer view = buffer.asSlice(offset, length + AeadAlgorithm.TAG_LENGTH).asByteBuffer();
            try {
                cipher.init(Cipher.DECRYPT_MODE, key, spec());
                cipher.updateAAD(aadBytes(aadLength));
                cipher.doFinal(view.duplicate(), view.duplicate());
                return true;
            } catch (AEADBadTagException e) {
                return false;
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("cannot open with " + algorithm, e);
            }
        }

        @Override
        protected void destroyKey() {
            Arrays.fill(nonce, (byte) 0);
            Arrays.fill(lastSealNonce, (byte) 0);
            Arrays.fill(decoyNonce, (byte) 0);
            for (byte[] a : aadByLength) {
                Arrays.fill(a, (byte) 0);
            }
        }
    }
}
