package org.diskcryptnet.origin.http.validators;

import static org.diskcryptnet.origin.http.validators.Preconditions.Outcome.NOT_MODIFIED;
import static org.diskcryptnet.origin.http.validators.Preconditions.Outcome.PRECONDITION_FAILED;
import static org.diskcryptnet.origin.http.validators.Preconditions.Outcome.PROCEED;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** RFC 9110 §13: conditional requests, evaluated in the order of §13.2.2. */
class PreconditionsTest {

    private static final String TAG = "\"3e8-17a\"";
    private static final long MODIFIED = 1_700_000_000L;
    private static final String MODIFIED_DATE = HttpDates.format(MODIFIED);
    private static final String EARLIER = HttpDates.format(MODIFIED - 60);
    private static final String LATER = HttpDates.format(MODIFIED + 60);

    private static Preconditions.Outcome get(String ifMatch, String ifUnmodifiedSince, String ifNoneMatch, String ifModifiedSince) {
        return Preconditions.evaluate(true, TAG, MODIFIED, ifMatch, ifUnmodifiedSince, ifNoneMatch, ifModifiedSince);
    }

    @Test
    void noConditionsProceed() {
        assertEquals(PROCEED, get(null, null, null, null));
    }

    @Test
    void ifNoneMatchWithCurrentTagIsNotModified() { // §13.1.2
        assertEquals(NOT_MODIFIED, get(null, null, TAG, null));
        assertEquals(NOT_MODIFIED, get(null, null, "\"other\", " + TAG, null));
        assertEquals(NOT_MODIFIED, get(null, null, "*", null));
    }

    @Test
    void ifNoneMatchUsesWeakComparison() { // §8.8.3.2
        assertEquals(NOT_MODIFIED, get(null, null, "W/" + TAG, null));
    }

    @Test
    void ifNoneMatchWithOtherTagProceeds() {
        assertEquals(PROCEED, get(null, null, "\"other\"", null));
    }

    @Test
    void ifNoneMatchOnUnsafeMethodFails() { // §13.1.2: 412 for methods other than GET/HEAD
        assertEquals(PRECONDITION_FAILED, Preconditions.evaluate(false, TAG, MODIFIED, null, null, TAG, null));
    }

    @Test
    void ifModifiedSince() { // §13.1.3
        assertEquals(NOT_MODIFIED, get(null, null, null, MODIFIED_DATE));
        assertEquals(NOT_MODIFIED, get(null, null, null, LATER));
        assertEquals(PROCEED, get(null, null, null, EARLIER));
    }

    @Test
    void ifModifiedSinceIsIgnoredWhenIfNoneMatchIsPresent() { // §13.1.3: "MUST ignore If-Modified-Since if ... If-None-Match"
        assertEquals(PROCEED, get(null, null, "\"other\"", LATER));
    }

    @Test
    void invalidDateIsIgnored() { // §13.1.3: ignore if not a valid HTTP-date
        assertEquals(PROCEED, get(null, null, null, "yesterday"));
    }

    @Test
    void ifMatch() { // §13.1.1: strong comparison
        assertEquals(PROCEED, get(TAG, null, null, null));
        assertEquals(PROCEED, get("*", null, null, null));
        assertEquals(PRECONDITION_FAILED, get("\"other\"", null, null, null));
        assertEquals(PRECONDITION_FAILED, get("W/" + TAG, null, null, null));
    }

    @Test
    void ifUnmodifiedSince() { // §13.1.4
        assertEquals(PROCEED, get(null, MODIFIED_DATE, null, null));
        assertEquals(PRECONDITION_FAILED, get(null, EARLIER, null, null));
    }

    @Test
    void ifMatchTakesPrecedenceOverIfUnmodifiedSince() { // §13.2.2 step 2 only when If-Match is absent
        assertEquals(PROCEED, get(TAG, EARLIER, null, null));
    }

    @Test
    void ifRange() { // §13.1.5
        assertTrue(Preconditions.ifRangeHolds(null, TAG, MODIFIED));
        assertTrue(Preconditions.ifRangeHolds(TAG, TAG, MODIFIED));
        assertFalse(Preconditions.ifRangeHolds("\"other\"", TAG, MODIFIED));
        assertFalse(Preconditions.ifRangeHolds("W/" + TAG, TAG, MODIFIED)); // weak tags never match
        assertTrue(Preconditions.ifRangeHolds(MODIFIED_DATE, TAG, MODIFIED));
        assertFalse(Preconditions.ifRangeHolds(LATER, TAG, MODIFIED)); // a date must match exactly
        assertFalse(Preconditions.ifRangeHolds("garbage", TAG, MODIFIED));
    }

    @Test
    void obsoleteDateFormsAreAccepted() { // §5.6.7
        assertEquals(784111777L, HttpDates.parse("Sun, 06 Nov 1994 08:49:37 GMT"));
        assertEquals(784111777L, HttpDates.parse("Sunday, 06-Nov-94 08:49:37 GMT"));
        assertEquals(784111777L, HttpDates.parse("Sun Nov  6 08:49:37 1994"));
        assertEquals(Long.MIN_VALUE, HttpDates.parse("not a date"));
    }

    @Test
    void strongTagChangesWithSizeOrTime() {
        assertFalse(EntityTags.strongTag(1000, 5).equals(EntityTags.strongTag(1001, 5)));
        assertFalse(EntityTags.strongTag(1000, 5).equals(EntityTags.strongTag(1000, 6)));
    }
}
