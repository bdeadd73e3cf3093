package org.diskcryptnet.origin.http.validators;

/**
 * Entity-tag comparison for the conditional request fields (RFC 9110 §8.8.3).
 *
 * <p>The origin only ever issues strong tags: {@code "<size hex>-<mtime nanos hex>"}, which change whenever
 * the file's length or modification time does.
 */
public final class EntityTags {

    private EntityTags() {}

    /** The strong entity-tag of a file of this length and modification time (nanoseconds since the epoch). */
    public static String strongTag(long size, long modifiedNanos) {
        return '"' + Long.toHexString(size) + '-' + Long.toHexString(modifiedNanos) + '"';
    }

    /**
     * Does a field value {@code If-Match}/{@code If-None-Match} ({@code "*" / #entity-tag}) match {@code current}?
     *
     * @param strong strong comparison (If-Match, If-Range) rather than weak (If-None-Match), §8.8.3.2
     */
    public static boolean listMatches(String fieldValue, String current, boolean strong) {
        String value = fieldValue.trim();
        if (value.equals("*")) {
            return true;
        }
        int pos = 0;
        int len = value.length();
        while (pos < len) {
            char c = value.charAt(pos);
            if (c == ',' || c == ' ' || c == '\t') {
                pos++;
                continue;
            }
            boolean weak = false;
            if (c == 'W' && pos + 1 < len && value.charAt(pos + 1) == '/') {
                weak = true;
                pos += 2;
            }
            if (pos >= len || value.charAt(pos) != '"') {
                return false; // malformed list: matches nothing
            }
            int close = value.indexOf('"', pos + 1);
            if (close < 0) {
                return false;
            }
            if ((!strong || !weak) && current.regionMatches(0, value, pos, close - pos + 1)
                    && current.length() == close - pos + 1) {
                return true;
            }
            pos = close + 1;
        }
        return false;
    }

    /** True if the field value is a single entity-tag (as opposed to an HTTP-date), for {@code If-Range}. */
    public static boolean looksLikeTag(String fieldValue) {
        String v = fieldValue.trim();
        return v.startsWith("\"") || v.startsWith("W/");
    }
}
