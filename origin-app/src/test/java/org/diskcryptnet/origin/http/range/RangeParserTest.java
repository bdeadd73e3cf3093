package org.diskcryptnet.origin.http.range;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** RFC 9110 §14.1–14.2 against a 1000-byte representation unless stated. */
class RangeParserTest {

    private static List<ByteRange> partial(String header, long length) {
        return assertInstanceOf(RangeRequest.Partial.class, RangeParser.parse(header, length)).ranges();
    }

    @Test
    void firstLast() {
        assertEquals(List.of(new ByteRange(0, 499)), partial("bytes=0-499", 1000));
    }

    @Test
    void lastPosBeyondLengthIsClipped() { // §14.1.1
        assertEquals(List.of(new ByteRange(500, 999)), partial("bytes=500-5000", 1000));
    }

    @Test
    void openEnded() {
        assertEquals(List.of(new ByteRange(900, 999)), partial("bytes=900-", 1000));
    }

    @Test
    void suffix() { // §14.1.3
        assertEquals(List.of(new ByteRange(900, 999)), partial("bytes=-100", 1000));
    }

    @Test
    void suffixLongerThanRepresentationSelectsAll() {
        assertEquals(List.of(new ByteRange(0, 999)), partial("bytes=-5000", 1000));
    }

    @Test
    void unitIsCaseInsensitiveAndWhitespaceTolerated() {
        assertEquals(List.of(new ByteRange(1, 2), new ByteRange(10, 20)), partial("Bytes = 1-2 , 10-20", 1000));
    }

    @Test
    void multipleRangesKeepRequestOrder() {
        assertEquals(List.of(new ByteRange(500, 599), new ByteRange(0, 99)), partial("bytes=500-599,0-99", 1000));
    }

    @Test
    void unsatisfiableRangeAmongSatisfiableIsDropped() {
        assertEquals(List.of(new ByteRange(0, 9)), partial("bytes=0-9,2000-3000", 1000));
    }

    @Test
    void firstPosAtOrPastLengthIsUnsatisfiable() { // §14.1.1: satisfiable iff first-pos < length
        assertInstanceOf(RangeRequest.Unsatisfiable.class, RangeParser.parse("bytes=1000-", 1000));
        assertInstanceOf(RangeRequest.Unsatisfiable.class, RangeParser.parse("bytes=2000-3000", 1000));
    }

    @Test
    void zeroSuffixIsUnsatisfiable() {
        assertInstanceOf(RangeRequest.Unsatisfiable.class, RangeParser.parse("bytes=-0", 1000));
    }

    @Test
    void anyRangeOfAnEmptyRepresentationIsUnsatisfiable() {
        assertInstanceOf(RangeRequest.Unsatisfiable.class, RangeParser.parse("bytes=0-", 0));
        assertInstanceOf(RangeRequest.Unsatisfiable.class, RangeParser.parse("bytes=-10", 0));
    }

    @ParameterizedTest
    @ValueSource(strings = {"bytes=", "bytes=abc", "bytes=5-1", "bytes=1-2-3", "bytes=--1", "items=0-1", "0-1",
            "bytes=99999999999999999999-", "bytes=+1-2", "bytes=1-+2", "bytes=0x10-0x20", "bytes=,,,"})
    void invalidSyntaxIsIgnored(String header) { // §14.2: an invalid Range is ignored → 200 with the whole
        assertInstanceOf(RangeRequest.Whole.class, RangeParser.parse(header, 1000));
    }

    @Test
    void absentHeaderIsWhole() {
        assertInstanceOf(RangeRequest.Whole.class, RangeParser.parse(null, 1000));
    }

    @Test
    void overlappingRangesAreServedWhole() { // §14.2: a server MAY ignore overlapping ranges
        assertInstanceOf(RangeRequest.Whole.class, RangeParser.parse("bytes=0-500,400-600", 1000));
    }

    @Test
    void tooManyRangesAreServedWhole() {
        StringBuilder h = new StringBuilder("bytes=");
        for (int i = 0; i <= RangeParser.MAX_RANGES; i++) {
            h.append(i * 10).append('-').append(i * 10 + 1).append(',');
        }
        assertInstanceOf(RangeRequest.Whole.class, RangeParser.parse(h.toString(), 1000));
    }

    @Test
    void contentRangeFormat() { // §14.4
        assertEquals("bytes 0-499/1000", new ByteRange(0, 499).contentRange(1000));
        assertEquals(500, new ByteRange(0, 499).length());
    }
}
