package org.diskcryptnet.origin.accesslog;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class AccessLogEntryTest {

    private static String format(AccessLogEntry e) {
        StringBuilder b = new StringBuilder();
        e.appendTo(b);
        return b.toString();
    }

    @Test
    void documentedFormat() {
        AccessLogEntry e = new AccessLogEntry("198.18.0.1", 1_795_000_000_000L, "GET", "/hls/v1/seg2.m4s", "HTTP/1.1",
                206, 1000, "bytes=0-999", 4_250_000, "TLSv1.3/TLS_AES_128_GCM_SHA256", true);
        assertEquals("198.18.0.1 - - [18/Nov/2026:11:06:40 +0000] \"GET /hls/v1/seg2.m4s HTTP/1.1\" 206 1000 "
                + "\"bytes=0-999\" 0.004 TLSv1.3/TLS_AES_128_GCM_SHA256 complete", format(e));
    }

    @Test
    void absentFieldsAreDashesAndAbortsAreMarked() {
        AccessLogEntry e = new AccessLogEntry("::1", 0, "HEAD", "/x", "HTTP/1.0", 200, 0, null, 1_234_000_000L, null, false);
        assertEquals("::1 - - [01/Jan/1970:00:00:00 +0000] \"HEAD /x HTTP/1.0\" 200 0 \"-\" 1.234 - aborted", format(e));
    }

    @Test
    void clientControlledTextCannotBreakTheLine() {
        AccessLogEntry e = new AccessLogEntry("1.2.3.4", 0, "GET", "/a\"b\nc", "HTTP/1.1", 400, 12, "x\"y", 0, null, true);
        assertEquals("1.2.3.4 - - [01/Jan/1970:00:00:00 +0000] \"GET /a\\x22b\\x0ac HTTP/1.1\" 400 12 \"x\\x22y\" 0.000 - complete",
                format(e));
    }
}
