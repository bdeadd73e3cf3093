package org.diskcryptnet.origin.http.range;

/**
 * A satisfiable byte range of a representation: {@code first} and {@code last} inclusive, as in
 * {@code Content-Range: bytes first-last/length} (RFC 9110 §14.4).
 */
public record ByteRange(long first, long last) {

    public ByteRange {
        if (first < 0 || last < first) {
            throw new IllegalArgumentException("bad range " + first + "-" + last);
        }
    }

    public long length() {
        return last - first + 1;
    }

    /** The {@code Content-Range} value for this range of a representation of {@code completeLength} bytes. */
    public String contentRange(long completeLength) {
        return "bytes " + first + '-' + last + '/' + completeLength;
    }

    @Override
    public String toString() {
        return first + "-" + last;
    }
}
