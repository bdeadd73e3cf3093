package org.diskcryptnet.origin.http.validators;

/**
 * Evaluates the conditional request fields in the order of RFC 9110 §13.2.2 against a representation's
 * validators. Pure: the caller passes the field values (null when absent).
 */
public final class Preconditions {

    public enum Outcome { PROCEED, NOT_MODIFIED, PRECONDITION_FAILED }

    private Preconditions() {}

    /**
     * @param safeMethod       GET or HEAD (the methods for which a match of If-None-Match means 304, §13.1.2)
     * @param etag             the current strong entity-tag
     * @param lastModified     the current Last-Modified, seconds since the epoch
     */
    public static Outcome evaluate(boolean safeMethod, String etag, long lastModified,
                                   String ifMatch, String ifUnmodifiedSince,
                                   String ifNoneMatch, String ifModifiedSince) {
        // Step 1 and 2: If-Match, else If-Unmodified-Since.
        if (ifMatch != null) {
            if (!EntityTags.listMatches(ifMatch, etag, true)) {
                return Outcome.PRECONDITION_FAILED;
            }
        } else if (ifUnmodifiedSince != null) {
            long date = HttpDates.parse(ifUnmodifiedSince);
            if (date != Long.MIN_VALUE && lastModified > date) {
                return Outcome.PRECONDITION_FAILED;
            }
        }
        // Step 3 and 4: If-None-Match, else If-Modified-Since (GET/HEAD only, §13.1.3).
        if (ifNoneMatch != null) {
            if (EntityTags.listMatches(ifNoneMatch, etag, false)) {
                return safeMethod ? Outcome.NOT_MODIFIED : Outcome.PRECONDITION_FAILED;
            }
        } else if (safeMethod && ifModifiedSince != null) {
            long date = HttpDates.parse(ifModifiedSince);
            if (date != Long.MIN_VALUE && lastModified <= date) {
                return Outcome.NOT_MODIFIED;
            }
        }
        return Outcome.PROCEED;
    }

    /**
     * §13.1.5: a Range is honoured only if If-Range is absent or its validator matches the current
     * representation: a strong tag comparison, or a date equal to Last-Modified.
     */
    public static boolean ifRangeHolds(String ifRange, String etag, long lastModified) {
        if (ifRange == null) {
            return true;
        }
        if (EntityTags.looksLikeTag(ifRange)) {
            String v = ifRange.trim();
            return !v.startsWith("W/") && v.equals(etag);
        }
        long date = HttpDates.parse(ifRange);
        return date != Long.MIN_VALUE && date == lastModified;
    }
}
