package org.diskcryptnet.origin.http.validators;

import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.temporal.ChronoField;
import java.util.Locale;

/** HTTP-date (RFC 9110 §5.6.7): IMF-fixdate is generated; the two obsolete forms are accepted too. */
public final class HttpDates {

    private static final DateTimeFormatter IMF_FIXDATE =
            DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss 'GMT'", Locale.US).withZone(ZoneOffset.UTC);
    /** §5.6.7: a two-digit year more than 50 years ahead means the most recent past year with those digits. */
    private static final DateTimeFormatter RFC_850 = new DateTimeFormatterBuilder()
            .appendPattern("EEEE, dd-MMM-")
            .appendValueReduced(ChronoField.YEAR, 2, 2, LocalDate.now(ZoneOffset.UTC).minusYears(49))
            .appendPattern(" HH:mm:ss 'GMT'")
            .toFormatter(Locale.US).withZone(ZoneOffset.UTC);
    private static final DateTimeFormatter ASCTIME = new DateTimeFormatterBuilder()
            .appendPattern("EEE MMM ")
            .padNext(2).appendValue(ChronoField.DAY_OF_MONTH)
            .appendPattern(" HH:mm:ss yyyy")
            .toFormatter(Locale.US).withZone(ZoneOffset.UTC);
    private static final DateTimeFormatter[] ACCEPTED = {IMF_FIXDATE, RFC_850, ASCTIME};

    private HttpDates() {}

    public static String format(long epochSeconds) {
        return IMF_FIXDATE.format(Instant.ofEpochSecond(epochSeconds));
    }

    /** Seconds since the epoch, or {@code Long.MIN_VALUE} if the value is not an HTTP-date (§5.6.7: then ignore it). */
    public static long parse(String value) {
        if (value == null) {
            return Long.MIN_VALUE;
        }
        String v = value.trim();
        for (DateTimeFormatter f : ACCEPTED) {
            try {
                return Instant.from(f.parse(v)).getEpochSecond();
            } catch (DateTimeException ignored) {
                // try the next form
            }
        }
        return Long.MIN_VALUE;
    }
}
