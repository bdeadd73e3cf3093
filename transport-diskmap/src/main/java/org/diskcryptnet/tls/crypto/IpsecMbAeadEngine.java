package org.diskcryptnet.tls.crypto;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Intel IPsec-MB's direct AES-GCM and ChaCha20-Poly1305 APIs through FFM (on AVX-512 CPUs with VAES it runs the
 * VAES/VPCLMULQDQ code). The expanded AES key and GHASH key powers live in a native block this engine allocates and
 * {@link Aead#close()} zeroes. Opening computes the tag into scratch memory and compares it in constant time.
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
        private final MemorySegment keyData;
        private final MemorySegment context;
        private final boolean aes256;

        GcmAead(AeadAlgorithm algorithm, MemorySegment key) {
            super(algorithm);
            this.aes256 = algorithm == AeadAlgorithm.AES_256_GCM;
            Arena arena = Arena.ofAuto();
            this.keyData = arena.allocate(IpsecMb.GCM_KEY_DATA_SIZE, IpsecMb.GCM_KEY_DATA_ALIGN);
            this.context = arena.allocate(IpsecMb.GCM_CONTEXT_SIZE, 16);
            try {
                (aes256 ? IpsecMb.GCM256_PRE : IpsecMb.GCM128_PRE).invokeExact(key.address(), keyData.address());
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
                    IpsecMb.GCM256_ENC.invokeExact(keyData.address(), context.address(), out, in, (long) length,
                            nonceAddress(), aadAddress(), (long) aadLength, out + length, (long) AeadAlgorithm.TAG_LENGTH);
                } else {
                    IpsecMb.GCM128_ENC.invokeExact(keyData.address(), context.address(), out, in, (long) length,
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
            long expected = scratch.address() + SPARE_OFFSET;
            try {
                if (aes256) {
                    IpsecMb.GCM256_DEC.invokeExact(keyData.address(), context.address(), data, data, (long) length,
                            nonceAddress(), aadAddress(), (long) aadLength, expected, (long) AeadAlgorithm.TAG_LENGTH);
                } else {
                    IpsecMb.GCM128_DEC.invokeExact(keyData.address(), context.address(), data, data, (long) length,
                            nonceAddress(), aadAddress(), (long) aadLength, expected, (long) AeadAlgorithm.TAG_LENGTH);
                }
            } catch (Throwable t) {
                throw new IllegalStateException(t);
            }
            return tagsEqual(scratch, SPARE_OFFSET, buffer, offset + length);
        }

        @Override
        protected void destroyKey() {
            keyData.fill((byte) 0);
            context.fill((byte) 0);
        }
    }

    private static final class ChaChaAead extends Aead {
        private final MemorySegment key;
        private final MemorySegment context;

        ChaChaAead(MemorySegment key) {
            super(AeadAlgorithm.CHACHA20_POLY1305);
            Arena arena = Arena.ofAuto();
            this.key = arena.allocate(32, 16);
            this.key.copyFrom(key.asSlice(0, 32));
            this.context = arena.allocate(IpsecMb.CHACHA_CONTEXT_SIZE, 16);
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
                IpsecMb.CHACHA_INIT_FN.invokeExact(key.address(), context.address(), nonceAddress(), aadAddress(),
                        (long) aadLength);
                IpsecMb.CHACHA_ENC_UPDATE.invokeExact(key.address(), context.address(), out, in, (long) length);
                IpsecMb.CHACHA_FINALIZE_FN.invokeExact(context.address(), out + length, (long) AeadAlgorithm.TAG_LENGTH);
            } catch (Throwable t) {
                throw new IllegalStateException(t);
            }
        }

        @Override
        public boolean open(MemorySegment buffer, long offset, int length, int aadLength) {
            checkOpen();
            checkNative(buffer);
            long data = buffer.address() + offset;
            long expected = scratch.address() + SPARE_OFFSET;
            try {
                IpsecMb.CHACHA_INIT_FN.invokeExact(key.address(), context.address(), nonceAddress(), aadAddress(),
                        (long) aadLength);
                IpsecMb.CHACHA_DEC_UPDATE.invokeExact(key.address(), context.address(), data, data, (long) length);
                IpsecMb.CHACHA_FINALIZE_FN.invokeExact(context.address(), expected, (long) AeadAlgorithm.TAG_LENGTH);
            } catch (Throwable t) {
                throw new IllegalStateException(t);
            }
            return tagsEqual(scratch, SPARE_OFFSET, buffer, offset + length);
        }

        @Override
        protected void destroyKey() {
            key.fill((byte) 0);
            context.fill((byte) 0);
        }
    }
}
