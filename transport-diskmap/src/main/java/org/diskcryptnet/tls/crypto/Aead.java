package org.diskcryptnet.tls.crypto;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * One keyed AEAD, used by one direction of one connection on one thread. The caller writes the record's nonce into
 * {@link #nonce()} and its additional data into {@link #aad()}, then seals or opens the record's bytes in place:
 * no second buffer, no copy. A seal may also read its plaintext from another buffer (a disk read's), so that the
 * encryption itself is the one pass that moves the bytes into the packet. Buffers are native segments; addresses are
 * passed to native engines as plain longs, so nothing is allocated per record.
 *
 * <p>{@link #close()} zeroes the key schedule (for the FFM engines it lives in memory this object owns) and makes the
 * object unusable.
 */
public abstract class Aead implements AutoCloseable {

    /** Nonce at 0, additional data at 16 (13 bytes at most: the TLS 1.2 AAD), 32 spare bytes for the engine. */
    private static final long AAD_OFFSET = 16, SCRATCH_SIZE = 64;
    /** Where an engine's own per-record scratch (32 bytes) starts in {@link #scratch}. */
    protected static final long SPARE_OFFSET = 32;

    protected final AeadAlgorithm algorithm;
    protected final MemorySegment scratch;
    private final MemorySegment nonce;
    private final MemorySegment aad;
    protected boolean closed;

    protected Aead(AeadAlgorithm algorithm) {
        this.algorithm = algorithm;
        this.scratch = Arena.ofAuto().allocate(SCRATCH_SIZE, 16);
        this.nonce = scratch.asSlice(0, AeadAlgorithm.NONCE_LENGTH);
        this.aad = scratch.asSlice(AAD_OFFSET, 13);
    }

    public final AeadAlgorithm algorithm() {
        return algorithm;
    }

    /** Where the next record's 12-byte nonce goes. */
    public final MemorySegment nonce() {
        return nonce;
    }

    /** Where the next record's additional data goes (at most 13 bytes). */
    public final MemorySegment aad() {
        return aad;
    }

    protected final long nonceAddress() {
        return nonce.address();
    }

    protected final long aadAddress() {
        return aad.address();
    }

    /**
     * Encrypts {@code [offset, offset + length)} of {@code buffer} in place and writes the 16-byte tag right after it,
     * authenticating the first {@code aadLength} bytes of {@link #aad()}.
     */
    public final void seal(MemorySegment buffer, long offset, int length, int aadLength) {
        seal(buffer, offset, buffer, offset, length, aadLength);
    }

    /**
     * Encrypts the {@code length} bytes at {@code src[srcOffset]} into {@code dst} at {@code dstOffset} and writes the
     * 16-byte tag right after them; authenticates the first {@code aadLength} bytes of {@link #aad()}. The output is
     * what {@link #seal(MemorySegment, long, int, int)} makes of the same bytes in place. {@code src} and {@code dst}
     * are the same bytes or do not overlap.
     */
    public abstract void seal(MemorySegment src, long srcOffset, MemorySegment dst, long dstOffset, int length,
                              int aadLength);

    /**
     * Checks the tag at {@code offset + length} and decrypts {@code [offset, offset + length)} in place. Returns false
     * if the tag does not verify; the bytes are then garbage and must not be used.
     */
    public abstract boolean open(MemorySegment buffer, long offset, int length, int aadLength);

    /** Zeroes the key schedule. Idempotent. */
    @Override
    public void close() {
        if (!closed) {
            closed = true;
            scratch.fill((byte) 0);
            destroyKey();
        }
    }

    protected abstract void destroyKey();

    protected final void checkOpen() {
        if (closed) {
            throw new IllegalStateException("AEAD used after close");
        }
    }

    /** The native engines take raw addresses: a heap segment's "address" would be an offset into an array. */
    protected static void checkNative(MemorySegment buffer) {
        if (!buffer.isNative()) {
            throw new IllegalArgumentException("record buffers must be native memory");
        }
    }

    /** Constant-time comparison of two 16-byte tags in native memory. */
    protected static boolean tagsEqual(MemorySegment a, long aOffset, MemorySegment b, long bOffset) {
        long x = a.get(java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED, aOffset)
                ^ b.get(java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED, bOffset);
        long y = a.get(java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED, aOffset + 8)
                ^ b.get(java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED, bOffset + 8);
        return (x | y) == 0;
    }
}
