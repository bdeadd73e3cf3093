package org.diskcryptnet.origin.http.range;

import java.util.List;

/** What a {@code Range} header asks of a representation of known length, after RFC 9110 §14.2 is applied. */
public sealed interface RangeRequest {

    /** No usable Range header (absent, another unit, or syntactically invalid): send the whole representation. */
    record Whole() implements RangeRequest {}

    /** At least one range overlaps the representation: 206 with these ranges, in request order. */
    record Partial(List<ByteRange> ranges) implements RangeRequest {
        public Partial {
            ranges = List.copyOf(ranges);
            if (ranges.isEmpty()) {
                throw new IllegalArgumentException("a partial response needs at least one range");
            }
        }

        public boolean single() {
            return ranges.size() == 1;
        }
    }

    /** Valid syntax, but no range overlaps the representation: 416 with {@code Content-Range: bytes *}{@code /LEN}. */
    record Unsatisfiable() implements RangeRequest {}

    RangeRequest WHOLE = new Whole();
    RangeRequest UNSATISFIABLE = new Unsatisfiable();
}
