package org.diskcryptnet.tls.record;

/**
 * Where the records of one response body begin and end, as a pure function of the body's stream offset: record
 * {@code k} carries plaintext bytes {@code [k·P, min((k+1)·P, L))} and starts at wire offset {@code k·(P+O)}, where
 * {@code P} is the plaintext per record and {@code O} the per-record overhead. With the record's sequence number
 * (the body's first plus {@code k}) any byte range of the body can be sealed again byte-identically after a loss.
 *
 * @param payload  plaintext bytes per full record, at most 2^14 (RFC 8446 §5.1)
 * @param overhead wire bytes each record adds: header, explicit nonce, inner type, tag
 * @param length   plaintext bytes of the body
 */
public record RecordLayout(int payload, int overhead, long length) {

    public RecordLayout {
        if (payload <= 0 || payload > RecordProtection.MAX_PLAINTEXT) {
            throw new IllegalArgumentException("record payload " + payload + " not in 1.." + RecordProtection.MAX_PLAINTEXT);
        }
        if (length < 0 || overhead < 0) {
            throw new IllegalArgumentException("negative length or overhead");
        }
    }

    /** Number of records: the last one may be short; an empty body has none. */
    public long records() {
        return (length + payload - 1) / payload;
    }

    /** Bytes on the wire for the whole body. */
    public long wireLength() {
        return length + records() * overhead;
    }

    /** The record that carries plaintext byte {@code offset}. */
    public long recordOfPlaintext(long offset) {
        return offset / payload;
    }

    /** The record that wire byte {@code wireOffset} belongs to. */
    public long recordOfWire(long wireOffset) {
        return wireOffset / ((long) payload + overhead);
    }

    /** Wire offset of the first byte (the header) of record {@code k}. */
    public long wireOffset(long k) {
        return k * ((long) payload + overhead);
    }

    /** Plaintext offset of the first byte record {@code k} carries. */
    public long plaintextOffset(long k) {
        return k * payload;
    }

    /** Plaintext bytes record {@code k} carries. */
    public int plaintextLength(long k) {
        return (int) Math.min(payload, length - k * payload);
    }
}
