package org.diskcryptnet.tls.crypto;

import java.lang.foreign.MemorySegment;

/**
 * OpenSSL 3's EVP AEADs through FFM. One {@code EVP_CIPHER_CTX} per {@link Aead}, keyed once; each record re-inits
 * only the IV. The key schedule lives in OpenSSL's memory, which {@code EVP_CIPHER_CTX_free} cleanses.
 */
public final class OpenSslAeadEngine implements AeadEngine {

    public static final OpenSslAeadEngine INSTANCE = new OpenSslAeadEngine();

    private OpenSslAeadEngine() {}

    @Override
    public String name() {
        return "openssl";
    }

    @Override
    public String description() {
        return LibCrypto.VERSION == null ? "OpenSSL libcrypto (unavailable)" : LibCrypto.VERSION + " EVP through FFM";
    }

    @Override
    public boolean isAvailable() {
        return LibCrypto.UNAVAILABLE == null;
    }

    @Override
    public Throwable unavailabilityCause() {
        return LibCrypto.UNAVAILABLE;
    }

    @Override
    public boolean supports(AeadAlgorithm algorithm) {
        return isAvailable();
    }

    @Override
    public Aead create(AeadAlgorithm algorithm, MemorySegment key) {
        if (!isAvailable()) {
            throw new IllegalStateException("OpenSSL engine unavailable", LibCrypto.UNAVAILABLE);
        }
        return new EvpAead(algorithm, key);
    }

    private static final class EvpAead extends Aead {
        private long ctx;

        EvpAead(AeadAlgorithm algorithm, MemorySegment key) {
            super(algorithm, 0);
            try {
                long cipher = switch (algorithm) {
                    case AES_128_GCM -> (long) LibCrypto.EVP_aes_128_gcm.invokeExact();
                    case AES_256_GCM -> (long) LibCrypto.EVP_aes_256_gcm.invokeExact();
                    case CHACHA20_POLY1305 -> (long) LibCrypto.EVP_chacha20_poly1305.invokeExact();
                };
                ctx = (long) LibCrypto.EVP_CIPHER_CTX_new.invokeExact();
                if (ctx == 0) {
                    throw new OutOfMemoryError("EVP_CIPHER_CTX_new");
                }
                // The default IV length of all three is 12 (EVP_EncryptInit(3)); key now, IV per record.
                check((int) LibCrypto.EVP_CipherInit_ex.invokeExact(ctx, cipher, 0L, key.address(), 0L, 1),
                        "EVP_CipherInit_ex(key)");
            } catch (Throwable t) {
                destroyKey();
                throw t instanceof RuntimeException r ? r : new IllegalStateException(t);
            }
        }

        private long outl() {
            return base + SPARE;
        }

        @Override
        public void seal(MemorySegment src, long srcOffset, MemorySegment dst, long dstOffset, int length,
                         int aadLength) {
            checkOpen();
            checkNative(src);
            checkNative(dst);
            long in = src.address() + srcOffset;
            long out = dst.address() + dstOffset;
            try {
                check((int) LibCrypto.EVP_CipherInit_ex.invokeExact(ctx, 0L, 0L, 0L, nonceAddress(), 1), "init");
                check((int) LibCrypto.EVP_CipherUpdate.invokeExact(ctx, 0L, outl(), aadAddress(), aadLength), "aad");
                check((int) LibCrypto.EVP_CipherUpdate.invokeExact(ctx, out, outl(), in, length), "update");
                check((int) LibCrypto.EVP_CipherFinal_ex.invokeExact(ctx, out + length, outl()), "final");
                check((int) LibCrypto.EVP_CIPHER_CTX_ctrl.invokeExact(ctx, LibCrypto.EVP_CTRL_AEAD_GET_TAG,
                        AeadAlgorithm.TAG_LENGTH, out + length), "get tag");
            } catch (RuntimeException e) {
                throw e;
            } catch (Throwable t) {
                throw new IllegalStateException(t);
            }
        }

        @Override
        public boolean open(MemorySegment buffer, long offset, int length, int aadLength) {
            checkOpen();
            checkNative(buffer);
            long data = buffer.address() + offset;
            try {
                check((int) LibCrypto.EVP_CipherInit_ex.invokeExact(ctx, 0L, 0L, 0L, nonceAddress(), 0), "init");
                check((int) LibCrypto.EVP_CipherUpdate.invokeExact(ctx, 0L, outl(), aadAddress(), aadLength), "aad");
                check((int) LibCrypto.EVP_CipherUpdate.invokeExact(ctx, data, outl(), data, length), "update");
                check((int) LibCrypto.EVP_CIPHER_CTX_ctrl.invokeExact(ctx, LibCrypto.EVP_CTRL_AEAD_SET_TAG,
                        AeadAlgorithm.TAG_LENGTH, data + length), "set tag");
                return (int) LibCrypto.EVP_CipherFinal_ex.invokeExact(ctx, data + length, outl()) > 0;
            } catch (RuntimeException e) {
                throw e;
            } catch (Throwable t) {
                throw new IllegalStateException(t);
            }
        }

        @Override
        protected void destroyKey() {
            if (ctx != 0) {
                try {
                    LibCrypto.EVP_CIPHER_CTX_free.invokeExact(ctx);
                } catch (Throwable t) {
                    throw new IllegalStateException(t);
                }
                ctx = 0;
            }
        }

        private static void check(int rc, String what) {
            if (rc != 1) {
                throw new IllegalStateException("OpenSSL " + what + " failed");
            }
        }
    }
}
