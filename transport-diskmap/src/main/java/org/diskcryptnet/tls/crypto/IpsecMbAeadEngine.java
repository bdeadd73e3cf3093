package org.diskcryptnet.tls.crypto;

import java.lang.foreign.MemorySegment;

/**
 * Intel IPsec-MB's direct AES-GCM and ChaCha20-Poly1305 APIs through FFM (on AVX-512 CPUs with VAES it runs the
 * VAES/VPCLMULQDQ code). The context and the key schedule (expanded AES key and GHASH key powers) live in the AEAD's
 * block, which {@link Aead#close()} zeroes. Opening computes the tag into the block's scratch and compares it in
 * constant time.
 */
public final class IpsecMbAeadEngine implements AeadEngine {

    public static final IpsecMbAeadEngine INSTANCE = new IpsecMbAeadEngine();

    private IpsecMbAeadEngine() {}

    @Override
    public String name() {
        return "ipsec-mb";
    }

    @Override
    public String description() {
        return IpsecMb.VERSION == null ? "Intel IPsec-MB (unavailable)"
                : "Intel IPsec-MB " + IpsecMb.VERSION + " (" + IpsecMb.ARCH + ") direct API through FFM";
    }

    @Override
    public boolean isAvailable() {
        return IpsecMb.UNAVAILABLE == null;
    }

    @Override
    public Throwable unavailabilityCause() {
        return IpsecMb.UNAVAILABLE;
    }

    @Override
    public boolean supports(AeadAlgorithm algorithm) {
        return isAvailable();
    }

    @Override
    public Aead create(AeadAlgorithm algorithm, MemorySegment key) {
        if (!isAvailable()) {
            throw new IllegalStateException("IPsec-MB engine unavailable", IpsecMb.UNAVAILABLE);
        }
        return algorithm == AeadAlgorithm.CHACHA20_POLY1305 ? new ChaChaAead(key) : new GcmAead(algorithm, key);
    }

    private static final class GcmAead extends Aead {
        /** The context first, then the key schedule on its alignment. */
        private static final long CONTEXT = STATE, KEY_DATA = STATE
                + (IpsecMb.GCM_CONTEXT_SIZE + IpsecMb.GCM_KEY_DATA_ALIGN - 1 & -IpsecMb.GCM_KEY_DATA_ALIGN);

        private final boolean aes256;

        GcmAead(AeadAlgorithm algorithm, MemorySegment key) {
            super(algorithm, KEY_DATA - STATE + IpsecMb.GCM_KEY_DATA_SIZE);
            this.aes256 = algorithm == AeadAlgorithm.AES_256_GCM;
            try {
                (aes256 ? IpsecMb.GCM256_PRE : IpsecMb.GCM128_PRE).invokeExact(key.address(), base + KEY_DATA);
            } catch (Throwable t) {
                throw new IllegalStateException(t);
            }
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
                if (aes256) {
                    IpsecMb.GCM256_ENC.invokeExact(base + KEY_DATA, base + CONTEXT, out, in, (long) length,
                            nonceAddress(), aadAddress(), (long) aadLength, out + length, (long) AeadAlgorithm.TAG_LENGTH);
                } else {
                    IpsecMb.GCM128_ENC.invokeExact(base + KEY_DATA, base + CONTEXT, out, in, (long) length,
                            nonceAddress(), aadAddress(), (long) aadLength, out + length, (long) AeadAlgorithm.TAG_LENGTH);
                }
            } catch (Throwable t) {
                throw new IllegalStateException(t);
            }
        }

        @Override
        public boolean open(MemorySegment buffer, long offset, int length, int aadLength) {
            checkOpen();
            checkNative(buffer);
            long data = buffer.address() + offset;
            long expected = base + SPARE;
            try {
                if (aes256) {
                    IpsecMb.GCM256_DEC.invokeExact(base + KEY_DATA, base + CONTEXT, data, data, (long) length,
                            nonceAddress(), aadAddress(), (long) aadLength, expected, (long) AeadAlgorithm.TAG_LENGTH);
                } else {
                    IpsecMb.GCM128_DEC.invokeExact(base + KEY_DATA, base + CONTEXT, data, data, (long) length,
                            nonceAddress(), aadAddress(), (long) aadLength, expected, (long) AeadAlgorithm.TAG_LENGTH);
                }
            } catch (Throwable t) {
                throw new IllegalStateException(t);
            }
            return tagsEqual(expected, data + length);
        }
    }

    private static final class ChaChaAead extends Aead {
        /** The 32-byte key, then the context. */
        private static final long KEY = STATE, CONTEXT = STATE + 32;

        ChaChaAead(MemorySegment key) {
            super(AeadAlgorithm.CHACHA20_POLY1305, CONTEXT - STATE + IpsecMb.CHACHA_CONTEXT_SIZE);
            MemorySegment.copy(key, 0, MEMORY, base + KEY, 32);
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
                IpsecMb.CHACHA_INIT_FN.invokeExact(base + KEY, base + CONTEXT, nonceAddress(), aadAddress(),
                        (long) aadLength);
                IpsecMb.CHACHA_ENC_UPDATE.invokeExact(base + KEY, base + CONTEXT, out, in, (long) length);
                IpsecMb.CHACHA_FINALIZE_FN.invokeExact(base + CONTEXT, out + length, (long) AeadAlgorithm.TAG_LENGTH);
            } catch (Throwable t) {
                throw new IllegalStateException(t);
            }
        }

        @Override
        public boolean open(MemorySegment buffer, long offset, int length, int aadLength) {
            checkOpen();
            checkNative(buffer);
            long data = buffer.address() + offset;
            long expected = base + SPARE;
            try {
                IpsecMb.CHACHA_INIT_FN.invokeExact(base + KEY, base + CONTEXT, nonceAddress(), aadAddress(),
                        (long) aadLength);
                IpsecMb.CHACHA_DEC_UPDATE.invokeExact(base + KEY, base + CONTEXT, data, data, (long) length);
                IpsecMb.CHACHA_FINALIZE_FN.invokeExact(base + CONTEXT, expected, (long) AeadAlgorithm.TAG_LENGTH);
            } catch (Throwable t) {
                throw new IllegalStateException(t);
            }
            return tagsEqual(expected, data + length);
        }
    }
}
