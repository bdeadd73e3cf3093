package org.diskcryptnet.tls.record;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Arrays;

import io.netty.util.AbstractReferenceCounted;
import io.netty.util.ReferenceCounted;

import org.diskcryptnet.tls.CipherSuite;
import org.diskcryptnet.tls.TlsVersion;
import org.diskcryptnet.tls.crypto.Aead;
import org.diskcryptnet.tls.crypto.AeadAlgorithm;
import org.diskcryptnet.tls.crypto.AeadEngine;
import org.diskcryptnet.tls.keys.Hkdf;

/**
 * One direction's record protection under one key: seals and opens records in place (RFC 8446 §5.2–5.3 for TLS 1.3,
 * RFC 5246 §6.2.3.3 with RFC 5288 §3 and RFC 7905 §2 for TLS 1.2). The write IV (and, for TLS 1.3, the traffic secret
 * the next generation is derived from) live in the AEAD's block, next to the nonce they make and the key schedule, so
 * that a record touches one native block; it is zeroed when the last reference is released: a response still being
 * sealed holds a reference, so a key update never pulls the key from under it.
 *
 * <p>A record in a buffer is laid out as {@link #headerLength()} bytes of header (and explicit nonce), the plaintext,
 * and {@link #trailerLength()} bytes for the inner content type and the tag. Sealing is a pure function of the
 * plaintext, the content type and the sequence number.
 */
public final class RecordProtection extends AbstractReferenceCounted {

    /** RFC 8446 §5.1 / RFC 5246 §6.2.1: plaintext per record. */
    public static final int MAX_PLAINTEXT = 1 << 14;
    /** RFC 8446 §5.2: a ciphertext fragment longer than this is a record_overflow. */
    public static final int MAX_CIPHERTEXT = MAX_PLAINTEXT + 256;
    public static final int HEADER = 5;

    static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    /** Every address of the process, for the AEAD block's nonce, additional data and IV, which it gives by address. */
    private static final MemorySegment MEMORY = MemorySegment.NULL.reinterpret(Long.MAX_VALUE);
    /** Where the traffic secret follows the IV in the block's kept bytes. */
    private static final long SECRET = 16;

    private final CipherSuite suite;
    private final AeadEngine engine;
    private final Aead aead;
    private final boolean tls13;
    private final int explicitNonce;
    /** Addresses in the AEAD's block: where each record's nonce and additional data go. */
    private final long nonce, aad;
    /** The write IV (12 bytes, or the 4-byte salt of TLS 1.2 AES-GCM), then the TLS 1.3 traffic secret. */
    private final long material;
    private final int secretLength;
    private long sequence;

    private RecordProtection(CipherSuite suite, AeadEngine engine, byte[] key, byte[] iv, byte[] secret, long sequence) {
        this.suite = suite;
        this.engine = engine;
        this.tls13 = suite.version() == TlsVersion.TLS_1_3;
        this.explicitNonce = suite.explicitNonceLength();
        this.secretLength = secret == null ? 0 : secret.length;
        if (SECRET + secretLength > Aead.KEPT_SIZE) {
            throw new IllegalArgumentException("traffic secret of " + secretLength + " bytes");
        }
        MemorySegment keySegment = Arena.ofAuto().allocate(key.length);
        MemorySegment.copy(key, 0, keySegment, ValueLayout.JAVA_BYTE, 0, key.length);
        try {
            this.aead = engine.create(suite.aead(), keySegment);
        } finally {
            keySegment.fill((byte) 0);
        }
        this.nonce = aead.nonceAddress();
        this.aad = aead.aadAddress();
        this.material = aead.keptAddress();
        MemorySegment.copy(iv, 0, MEMORY, ValueLayout.JAVA_BYTE, material, iv.length);
        if (secret != null) {
            MemorySegment.copy(secret, 0, MEMORY, ValueLayout.JAVA_BYTE, material + SECRET, secretLength);
        }
        this.sequence = sequence;
    }

    /**
     * TLS 1.3 protection from a traffic secret (RFC 8446 §7.3). {@code secret} is copied; the caller zeroes its own
     * copy.
     */
    public static RecordProtection tls13(CipherSuite suite, AeadEngine engine, byte[] secret, long sequence) {
        byte[] key = Hkdf.trafficKey(suite.hash(), secret, suite.aead().keyLength());
        byte[] iv = Hkdf.trafficIv(suite.hash(), secret);
        try {
            return new RecordProtection(suite, engine, key, iv, secret, sequence);
        } finally {
            Arrays.fill(key, (byte) 0);
            Arrays.fill(iv, (byte) 0);
        }
    }

    /** TLS 1.2 protection from a slice of the key block (RFC 5246 §6.3). The caller zeroes its arrays. */
    public static RecordProtection tls12(CipherSuite suite, AeadEngine engine, byte[] key, byte[] fixedIv, long sequence) {
        return new RecordProtection(suite, engine, key, fixedIv, null, sequence);
    }

    /**
     * The next generation after a KeyUpdate: application_traffic_secret_N+1 = HKDF-Expand-Label(secret_N,
     * "traffic upd", "", Hash.length), sequence numbers from zero (RFC 8446 §7.2, §5.3). TLS 1.3 only.
     */
    public RecordProtection nextGeneration() {
        if (!tls13) {
            throw new IllegalStateException("KeyUpdate is TLS 1.3 only");
        }
        byte[] secret = new byte[secretLength];
        MemorySegment.copy(MEMORY, ValueLayout.JAVA_BYTE, material + SECRET, secret, 0, secretLength);
        byte[] next = Hkdf.nextTrafficSecret(suite.hash(), secret);
        try {
            return tls13(suite, engine, next, 0);
        } finally {
            Arrays.fill(secret, (byte) 0);
            Arrays.fill(next, (byte) 0);
        }
    }

    public CipherSuite suite() {
        return suite;
    }

    public AeadEngine engine() {
        return engine;
    }

    /** Bytes in front of the plaintext: the record header and, for TLS 1.2 AES-GCM, the explicit nonce. */
    public int headerLength() {
        return HEADER + explicitNonce;
    }

    /** Bytes after the plaintext: the TLS 1.3 inner content type and the tag. */
    public int trailerLength() {
        return (tls13 ? 1 : 0) + AeadAlgorithm.TAG_LENGTH;
    }

    /** Wire bytes a record adds to its plaintext. */
    public int overhead() {
        return headerLength() + trailerLength();
    }

    /** The sequence number the next record takes. */
    public long sequence() {
        return sequence;
    }

    /** Takes {@code records} consecutive sequence numbers and returns the first. */
    public long reserve(long records) {
        long first = sequence;
        sequence += records;
        return first;
    }

    /**
     * Seals the record whose header starts at {@code recordOffset} and whose {@code plaintextLength} bytes of plaintext
     * are already at {@code recordOffset + headerLength()}, with sequence number {@code seq}. Writes the header, the
     * explicit nonce, the inner type and the tag around the plaintext; returns the record's length on the wire.
     */
    public int seal(MemorySegment buffer, long recordOffset, int plaintextLength, int contentType, long seq) {
        return seal(buffer, recordOffset + headerLength(), buffer, recordOffset, plaintextLength, contentType, seq);
    }

    /**
     * Seals into {@code dst}, as the record whose header starts at {@code recordOffset}, the {@code plaintextLength}
     * bytes of plaintext at {@code src[plaintextOffset]}: the encryption reads them there and writes the ciphertext in
     * the record, so bytes read from disk into another buffer reach the record in one pass, not a copy and then a
     * seal. The record is byte for byte what {@link #seal(MemorySegment, long, int, int, long)} makes of the same
     * plaintext; returns its length on the wire.
     *
     * <p>For TLS 1.3 the byte after the plaintext in {@code src} must exist, and nothing else (no other thread, no
     * device) may use it during the call: the inner content type is put there so that the AEAD reads the whole inner
     * plaintext from one place, and the byte is given back after.
     */
    public int seal(MemorySegment src, long plaintextOffset, MemorySegment dst, long recordOffset, int plaintextLength,
                    int contentType, long seq) {
        if (plaintextLength > MAX_PLAINTEXT) {
            throw new IllegalArgumentException("plaintext " + plaintextLength + " > " + MAX_PLAINTEXT);
        }
        long plaintext = recordOffset + headerLength();
        boolean inPlace = src == dst ? plaintextOffset == plaintext
                : src.isNative() && dst.isNative() && src.address() + plaintextOffset == dst.address() + plaintext;
        int inner = plaintextLength;
        byte borrowed = 0;
        if (tls13) {
            // RFC 8446 §5.2: TLSInnerPlaintext is the content, then its type (we add no padding)
            borrowed = src.get(ValueLayout.JAVA_BYTE, plaintextOffset + plaintextLength);
            src.set(ValueLayout.JAVA_BYTE, plaintextOffset + plaintextLength, (byte) contentType);
            inner++;
        }
        int fragment = explicitNonce + inner + AeadAlgorithm.TAG_LENGTH;
        dst.set(ValueLayout.JAVA_BYTE, recordOffset, (byte) (tls13 ? ContentType.APPLICATION_DATA : contentType));
        dst.set(U16, recordOffset + 1, (short) TlsVersion.RECORD_VERSION);
        dst.set(U16, recordOffset + 3, (short) fragment);
        if (explicitNonce != 0) {
            // RFC 5288 §3: salt from the key block, then an explicit part that must not repeat: the sequence number.
            dst.set(U64, recordOffset + HEADER, seq);
            saltNonce(seq);
        } else {
            xorNonce(seq);
        }
        int aadLength = additionalData(dst, recordOffset, contentType, plaintextLength, seq);
        aead.seal(src, plaintextOffset, dst, plaintext, inner, aadLength);
        if (tls13 && !inPlace) {
            src.set(ValueLayout.JAVA_BYTE, plaintextOffset + plaintextLength, borrowed);
        }
        return HEADER + fragment;
    }

    /**
     * Opens, in place, the whole record of {@code recordLength} bytes at {@code recordOffset} with the next read
     * sequence number. Returns {@code contentType << 32 | plaintextLength}; the plaintext starts at
     * {@code recordOffset + headerLength()}. Throws bad_record_mac if the tag does not verify (nothing of the record
     * may then be used), record_overflow or unexpected_message for a malformed inner plaintext.
     */
    public long open(MemorySegment buffer, long recordOffset, int recordLength) throws TlsAlertException {
        int outerType = buffer.get(ValueLayout.JAVA_BYTE, recordOffset) & 0xff;
        int ciphertext = recordLength - HEADER - explicitNonce - AeadAlgorithm.TAG_LENGTH;
        if (ciphertext < (tls13 ? 1 : 0)) {
            throw new TlsAlertException(AlertDescription.BAD_RECORD_MAC, "record of " + recordLength + " bytes is too short");
        }
        long seq = sequence++;
        if (explicitNonce != 0) {
            saltNonce(buffer.get(U64, recordOffset + HEADER));
        } else {
            xorNonce(seq);
        }
        int aadLength = additionalData(buffer, recordOffset, outerType, ciphertext, seq);
        long plaintext = recordOffset + headerLength();
        if (!aead.open(buffer, plaintext, ciphertext, aadLength)) {
            throw new TlsAlertException(AlertDescription.BAD_RECORD_MAC, "record " + seq + " fails authentication");
        }
        int type = outerType;
        int length = ciphertext;
        if (tls13) {
            // RFC 8446 §5.4: the content type is the last non-zero byte; all zeros is unexpected_message.
            int i = ciphertext - 1;
            while (i >= 0 && buffer.get(ValueLayout.JAVA_BYTE, plaintext + i) == 0) {
                i--;
            }
            if (i < 0) {
                throw new TlsAlertException(AlertDescription.UNEXPECTED_MESSAGE, "inner plaintext has no content type");
            }
            type = buffer.get(ValueLayout.JAVA_BYTE, plaintext + i) & 0xff;
            length = i;
        }
        if (length > MAX_PLAINTEXT) {
            throw new TlsAlertException(AlertDescription.RECORD_OVERFLOW, "plaintext of " + length + " bytes");
        }
        return (long) type << 32 | length;
    }

    /** RFC 8446 §5.3 and RFC 7905 §2: the 64-bit sequence number, left-padded to 12 bytes, XORed with the IV. */
    private void xorNonce(long seq) {
        MEMORY.set(ValueLayout.JAVA_INT_UNALIGNED, nonce, MEMORY.get(ValueLayout.JAVA_INT_UNALIGNED, material));
        MEMORY.set(U64, nonce + 4, MEMORY.get(U64, material + 4) ^ seq);
    }

    /** RFC 5288 §3: the 4-byte salt, then the 8-byte explicit nonce. */
    private void saltNonce(long explicit) {
        MEMORY.set(ValueLayout.JAVA_INT_UNALIGNED, nonce, MEMORY.get(ValueLayout.JAVA_INT_UNALIGNED, material));
        MEMORY.set(U64, nonce + 4, explicit);
    }

    /**
     * TLS 1.3: the record header (RFC 8446 §5.2). TLS 1.2: seq_num + type + version + length of the plaintext
     * (RFC 5246 §6.2.3.3).
     */
    private int additionalData(MemorySegment buffer, long recordOffset, int type, int plaintextLength, long seq) {
        if (tls13) {
            MemorySegment.copy(buffer, recordOffset, MEMORY, aad, HEADER);
            return HEADER;
        }
        MEMORY.set(U64, aad, seq);
        MEMORY.set(ValueLayout.JAVA_BYTE, aad + 8, (byte) type);
        MEMORY.set(U16, aad + 9, (short) TlsVersion.RECORD_VERSION);
        MEMORY.set(U16, aad + 11, (short) plaintextLength);
        return 13;
    }

    @Override
    public ReferenceCounted touch(Object hint) {
        return this;
    }

    /** Zeroes the AEAD's block: the IV, the traffic secret and the key schedule. */
    @Override
    protected void deallocate() {
        aead.close();
    }
}
