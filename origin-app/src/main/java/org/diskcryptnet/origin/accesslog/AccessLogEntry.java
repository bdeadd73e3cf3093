package org.diskcryptnet.origin.accesslog;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/** What one response did, captured on the event loop and formatted on the log writer's thread. */
public record AccessLogEntry(
        String client, long epochMillis, String method, String target, String version,
        int status, long bodyBytesSent, String range, long durationNanos, String tls, boolean complete) {

    private static final DateTimeFormatter TIME =
            DateTimeFormatter.ofPattern("dd/MMM/yyyy:HH:mm:ss Z", Locale.US).withZone(ZoneOffset.UTC);

    void appendTo(StringBuilder b) {
        b.append(client).append(" - - [").append(TIME.format(Instant.ofEpochMilli(epochMillis))).append("] \"")
                .append(method).append(' ').append(escape(target)).append(' ').append(version).append("\" ")
                .append(status).append(' ').append(bodyBytesSent).append(" \"")
                .append(range == null ? "-" : escape(range)).append("\" ");
        long micros = durationNanos / 1000;
        b.append(micros / 1_000_000).append('.');
        long ms = (micros / 1000) % 1000;
        if (ms < 100) {
            b.append('0');
        }
        if (ms < 10) {
            b.append('0');
        }
        b.append(ms).append(' ').append(tls == null ? "-" : tls).append(' ').append(complete ? "complete" : "aborted");
    }

    /** Keeps one entry on one line and the quotes balanced, whatever the client sent. */
    private static String escape(String s) {
        StringBuilder out = null;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c == '"' || c == '\\' || c > 0x7e) {
                if (out == null) {
                    out = new StringBuilder(s.length() + 16).append(s, 0, i);
                }
                out.append(String.format("\\x%02x", (int) c & 0xff));
            } else if (out != null) {
                out.append(c);
            }
        }
        return out == null ? s : out.toString();
    }
}
