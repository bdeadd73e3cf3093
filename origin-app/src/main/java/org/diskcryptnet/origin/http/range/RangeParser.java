package org.diskcryptnet.origin.http.range;

import java.util.ArrayList;
import java.util.List;

/**
 * Parses a {@code Range} header field (RFC 9110 §14.1.2) against a representation length.
 *
 * <pre>
 *   ranges-specifier = range-unit "=" range-set
 *   range-set        = 1#range-spec
 *   range-spec       = int-range / suffix-range / other-range
 *   int-range        = first-pos "-" [ last-pos ]
 *   suffix-range     = "-" suffix-length
 * </pre>
 *
 * Invalid syntax means the field is ignored (§14.2: "A server MAY ignore the Range header field"),
 * so the whole representation is sent. A server may also refuse to do work for range sets that look
 * like an attack (§14.2: many small or overlapping ranges); such sets are answered with the whole
 * representation too, which is always correct.
 */
public final class RangeParser {

    /** More ranges than this in one request are answered with the whole representation. */
    public static final int MAX_RANGES = 16;

    private RangeParser() {}

    public static RangeRequest parse(String header, long length) {
        if (header == null) {
            return RangeRequest.WHOLE;
        }
        int eq = header.indexOf('=');
        if (eq < 0 || !header.substring(0, eq).trim().equalsIgnoreCase("bytes")) {
            return RangeRequest.WHOLE; // §14.1: unknown range units are ignored
        }
        List<ByteRange> satisfiable = new ArrayList<>(2);
        int specs = 0;
        int pos = eq + 1;
        int end = header.length();
        while (pos <= end) {
            int comma = header.indexOf(',', pos);
            int specEnd = comma < 0 ? end : comma;
            String spec = header.substring(pos, specEnd).trim();
            pos = specEnd + 1;
            if (spec.isEmpty()) {
                if (comma < 0) {
                    break;
                }
                continue; // #rule: empty list elements are allowed and ignored (RFC 9110 §5.6.1)
            }
            if (++specs > MAX_RANGES) {
                return RangeRequest.WHOLE;
            }
            int dash = spec.indexOf('-');
            if (dash < 0) {
                return RangeRequest.WHOLE;
            }
            String firstText = spec.substring(0, dash).trim();
            String lastText = spec.substring(dash + 1).trim();
            if (firstText.isEmpty()) {
                long suffix = digits(lastText);
                if (suffix < 0) {
                    return RangeRequest.WHOLE;
                }
                // §14.1.3: a suffix range selects the last N bytes; a zero suffix selects nothing.
                if (suffix > 0 && length > 0) {
                    satisfiable.add(new ByteRange(Math.max(0, length - suffix), length - 1));
                }
            } else {
                long first = digits(firstText);
                long last = lastText.isEmpty() ? Long.MAX_VALUE : digits(lastText);
                if (first < 0 || last < 0 || last < first) {
                    return RangeRequest.WHOLE; // §14.1.1: last-pos < first-pos makes the whole set invalid
                }
                if (first < length) { // §14.1.1: satisfiable iff first-pos < length
                    satisfiable.add(new ByteRange(first, Math.min(last, length - 1)));
                }
            }
            if (comma < 0) {
                break;
            }
        }
        if (specs == 0) {
            return RangeRequest.WHOLE;
        }
        if (satisfiable.isEmpty()) {
            return RangeRequest.UNSATISFIABLE;
        }
        if (satisfiable.size() > 1 && overlapping(satisfiable)) {
            return RangeRequest.WHOLE;
        }
        return new RangeRequest.Partial(satisfiable);
    }

    /** A non-negative decimal integer, or -1 for anything else (including overflow). */
    private static long digits(String text) {
        if (text.isEmpty() || text.length() > 18) {
            return -1;
        }
        long value = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            value = value * 10 + (c - '0');
        }
        return value;
    }

    private static boolean overlapping(List<ByteRange> ranges) {
        for (int i = 0; i < ranges.size(); i++) {
            for (int j = i + 1; j < ranges.size(); j++) {
                ByteRange a = ranges.get(i);
                ByteRange b = ranges.get(j);
                if (a.first() <= b.last() && b.first() <= a.last()) {
                    return true;
                }
            }
        }
        return false;
    }
}
