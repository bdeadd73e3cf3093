package org.diskcryptnet.tls.crypto;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * One keyed AEAD, used by one direction of one connection on one thread. The caller writes the record's nonce into
 * {@link #nonce()} and its additional data into {@link #aad()}, then seals or opens the record's bytes in place:
 * no second buffer, no copy. A seal may also read its plaintext from another buffer (a disk read's), so that the
 * encryption itself is the one pass that moves the bytes into the packet. Buffers are native segments; addresses are
 * passed to native engines as plain longs, so nothing is allocated per record.
 *
 * <p>Everything a record touches lives in one native block, at fixed offsets from one address: the nonce, the
 * additional data, the engine's per-record scratch, {@link #KEPT_SIZE} bytes the record layer keeps with the key (its
 * IV, its traffic secret) and the engine's key schedule and context. A record reached through a connection's object
 * then costs one load to this object's {@code base} and loads of the block that can all be in flight at once, where
 * a segment object per field (and its session, checked on every access) made a chain of dependent loads that a cold
 * connection paid miss after miss.
 *
 * <p>{@link #close()} zeroes the block and makes the object unusable.
 */
public abstract class Aead implements AutoCloseable {

    /** Every address of the process: the block is read and written by address, not through a segment object. */
    protected static final MemorySegment MEMORY = MemorySegment.NULL.reinterpret(Long.MAX_VALUE);
    /** Offsets in the block: the nonce (12 bytes), the additional data (13 bytes at most: the TLS 1.2 AAD). */
    private static final long NONCE = 0, AAD = 16;
    /** The engine's per-record scratch: 32 bytes (an expected tag). */
    protected static final long SPARE = 32;
    /** The bytes the record layer keeps with the key, zeroed with it. */
    private static final long KEPT = 64;
    public static final int KEPT_SIZE = 64;
    /** Where the engine's own state starts: 64-byte aligned, as IPsec-MB's key schedule must be. */
    protected static final long STATE = 128;

    protected final AeadAlgorithm algorithm;
    /** Owns the block; its address is {@link #base}. */
    private final MemorySegment block;
    protected final long base;
    private final MemorySegment nonce;
    private final MemorySegment aad;
    protected boolean closed;

    /** {@code stateSize} bytes at {@link #STATE} are the engine's. */
    protected Aead(AeadAlgorithm algorithm, long stateSize) {
        this.algorithm = algorithm;
        this.block = Arena.ofAuto().allocate(STATE + stateSize, 64);
        this.base = block.address();
        this.nonce = block.asSlice(NONCE, AeadAlgorithm.NONCE_LENGTH);
        this.aad = block.asSlice(AAD, 13);
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

    /** The address of {@link #nonce()}, for the record layer's writes on its hot path. */
    public final long nonceAddress() {
        return base + NONCE;
    }

    /** The address of {@link #aad()}. */
    public final long aadAddress() {
        return base + AAD;
    }

    /** The address of the {@link #KEPT_SIZE} bytes the record layer keeps with the key. */
    public final long keptAddress() {
        return base + KEPT;
    }

    /** The whole block, for tests of what {@link #close()} leaves. */
    final MemorySegment block() {
        return block;
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
            destroyKey();
            block.fill((byte) 0);
        }
    }

    /** Frees what the engine holds outside the block (nothing by default); the block itself is zeroed after. */
    protected void destroyKey() {
    }

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
    protected static boolean tagsEqual(long a, long b) {
        long x = MEMORY.get(ValueLayout.JAVA_LONG_UNALIGNED, a) ^ MEMORY.get(ValueLayout.JAVA_LONG_UNALIGNED, b);
        long y = MEMORY.get(ValueLayout.JAVA_LONG_UNALIGNED, a + 8) ^ MEMORY.get(ValueLayout.JAVA_LONG_UNALIGNED, b + 8);
        return (x | y) == 0;
    }
}
