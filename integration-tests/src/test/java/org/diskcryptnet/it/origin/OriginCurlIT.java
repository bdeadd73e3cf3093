package org.diskcryptnet.it.origin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.diskcryptnet.it.support.Curl;
import org.diskcryptnet.it.support.Curl.Reply;
import org.diskcryptnet.it.support.RunningOrigin;
import org.diskcryptnet.it.support.TestCatalog;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Every range, conditional, HEAD, CORS and HTTPS case, with curl as the client and bodies compared by SHA-256. */
class OriginCurlIT {

    @TempDir
    static Path dir;
    static TestCatalog catalog;
    static RunningOrigin origin;
    static Path segment;

    @BeforeAll
    static void start() throws Exception {
        catalog = new TestCatalog(Files.createDirectories(dir.resolve("www")));
        segment = catalog.file("hls/v1/seg1.m4s", 300_000);
        catalog.file("empty.ts", 0);
        catalog.file("one.ts", 1);
        catalog.file("kilo.m4s", 1000);
        catalog.file("big.mp4", 5_000_000);
        Files.writeString(catalog.root().resolve("hls/master.m3u8"), "#EXTM3U\n");
        Files.writeString(catalog.root().resolve("manifest.mpd"), "<MPD/>\n");
        origin = RunningOrigin.serving(catalog.root()).https(Files.createDirectories(dir.resolve("tls")))
                .set("cors.allowed_origins", "https://player.example,https://other.example").start();
    }

    @AfterAll
    static void stop() {
        origin.close();
    }

    private static String url(boolean tls, String path) {
        return tls ? origin.httpsUrl(path) : origin.httpUrl(path);
    }

    private static Reply curl(boolean tls, String path, String... args) {
        return Curl.exchange(url(tls, path), tls ? origin.certificate() : null, args);
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void wholeObjectsOfEverySize(boolean tls) {
        for (String name : List.of("empty.ts", "one.ts", "kilo.m4s", "hls/v1/seg1.m4s", "big.mp4")) {
            Reply r = curl(tls, "/" + name);
            assertEquals(200, r.status(), name);
            assertEquals(TestCatalog.sha256(catalog.root().resolve(name)), r.sha256(), name);
            assertEquals(String.valueOf(Files.exists(catalog.root().resolve(name)) ? r.body().length : -1),
                    r.header("Content-Length"));
            assertEquals("bytes", r.header("Accept-Ranges"));
            assertNotNull(r.header("ETag"));
            assertNotNull(r.header("Last-Modified"));
            assertNotNull(r.header("Date"));
        }
    }

    @Test
    void contentTypesOfStreamingFormats() {
        assertEquals("application/vnd.apple.mpegurl", curl(false, "/hls/master.m3u8").header("Content-Type"));
        assertEquals("application/dash+xml", curl(false, "/manifest.mpd").header("Content-Type"));
        assertEquals("video/iso.segment", curl(false, "/hls/v1/seg1.m4s").header("Content-Type"));
        assertEquals("video/mp2t", curl(false, "/one.ts").header("Content-Type"));
        assertEquals("video/mp4", curl(false, "/big.mp4").header("Content-Type"));
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void head(boolean tls) {
        Reply r = curl(tls, "/hls/v1/seg1.m4s", "-I");
        assertEquals(200, r.status());
        assertEquals("300000", r.header("Content-Length"));
        assertEquals(0, r.body().length);
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void singleRanges(boolean tls) { // RFC 9110 §14.1.2, §15.3.7
        record Case(String spec, long first, long last) {}
        for (Case c : List.of(new Case("0-999", 0, 999), new Case("1000-", 1000, 299_999),
                new Case("-500", 299_500, 299_999), new Case("299999-400000", 299_999, 299_999))) {
            Reply r = curl(tls, "/hls/v1/seg1.m4s", "-H", "Range: bytes=" + c.spec);
            assertEquals(206, r.status(), c.spec);
            assertEquals("bytes " + c.first + "-" + c.last + "/300000", r.header("Content-Range"), c.spec);
            assertEquals(String.valueOf(c.last - c.first + 1), r.header("Content-Length"));
            assertEquals(TestCatalog.sha256(segment, c.first, c.last - c.first + 1), r.sha256(), c.spec);
        }
    }

    @Test
    void unsatisfiableRange() { // §15.5.17
        Reply r = curl(false, "/hls/v1/seg1.m4s", "-H", "Range: bytes=300000-");
        assertEquals(416, r.status());
        assertEquals("bytes */300000", r.header("Content-Range"));
    }

    @Test
    void invalidRangeIsIgnored() { // §14.2
        Reply r = curl(false, "/kilo.m4s", "-H", "Range: bytes=9-1");
        assertEquals(200, r.status());
        assertEquals(1000, r.body().length);
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void multipleRangesAsMultipartByteranges(boolean tls) { // §14.6
        Reply r = curl(tls, "/hls/v1/seg1.m4s", "-H", "Range: bytes=0-99,1000-1999,-10");
        assertEquals(206, r.status());
        String type = r.header("Content-Type");
        assertTrue(type.startsWith("multipart/byteranges; boundary="), type);
        assertEquals(String.valueOf(r.body().length), r.header("Content-Length"));
        String boundary = type.substring(type.indexOf('=') + 1);
        List<byte[]> parts = parts(r.body(), boundary);
        long[][] expected = {{0, 99}, {1000, 1999}, {299_990, 299_999}};
        assertEquals(3, parts.size());
        for (int i = 0; i < 3; i++) {
            String part = new String(parts.get(i), StandardCharsets.ISO_8859_1);
            int bodyAt = part.indexOf("\r\n\r\n") + 4;
            String headers = part.substring(0, bodyAt);
            assertTrue(headers.contains("Content-Type: video/iso.segment"), headers);
            assertTrue(headers.contains("Content-Range: bytes " + expected[i][0] + "-" + expected[i][1] + "/300000"), headers);
            byte[] body = Arrays.copyOfRange(parts.get(i), bodyAt, parts.get(i).length);
            assertEquals(TestCatalog.sha256(segment, expected[i][0], expected[i][1] - expected[i][0] + 1),
                    TestCatalog.sha256(body));
        }
    }

    /** Splits a multipart body at its delimiters (RFC 2046 §5.1.1), each part starting with its header fields. */
    private static List<byte[]> parts(byte[] body, String boundary) {
        byte[] delimiter = ("--" + boundary).getBytes(StandardCharsets.ISO_8859_1);
        List<Integer> at = new ArrayList<>();
        for (int i = 0; i + delimiter.length <= body.length; i++) {
            if (Arrays.equals(body, i, i + delimiter.length, delimiter, 0, delimiter.length)) {
                at.add(i);
            }
        }
        List<byte[]> parts = new ArrayList<>();
        for (int k = 0; k + 1 < at.size(); k++) {
            int start = at.get(k) + delimiter.length + 2; // skip CRLF after the delimiter
            int end = at.get(k + 1) - 2; // the CRLF before the next delimiter belongs to it
            parts.add(Arrays.copyOfRange(body, start, end));
        }
        assertTrue(new String(body, at.getLast(), body.length - at.getLast(), StandardCharsets.ISO_8859_1)
                .startsWith("--" + boundary + "--"), "closing delimiter");
        return parts;
    }

    @Test
    void ifRange() { // §13.1.5
        String etag = curl(false, "/kilo.m4s", "-I").header("ETag");
        String lastModified = curl(false, "/kilo.m4s", "-I").header("Last-Modified");
        assertEquals(206, curl(false, "/kilo.m4s", "-H", "Range: bytes=0-9", "-H", "If-Range: " + etag).status());
        assertEquals(206, curl(false, "/kilo.m4s", "-H", "Range: bytes=0-9", "-H", "If-Range: " + lastModified).status());
        Reply stale = curl(false, "/kilo.m4s", "-H", "Range: bytes=0-9", "-H", "If-Range: \"stale\"");
        assertEquals(200, stale.status());
        assertEquals(1000, stale.body().length);
    }

    @Test
    void conditionalRequests() { // §13.1
        Reply first = curl(false, "/kilo.m4s");
        String etag = first.header("ETag");
        Reply notModified = curl(false, "/kilo.m4s", "-H", "If-None-Match: " + etag);
        assertEquals(304, notModified.status());
        assertEquals(0, notModified.body().length);
        assertEquals(etag, notModified.header("ETag"));
        assertEquals(304, curl(false, "/kilo.m4s", "-H", "If-Modified-Since: " + first.header("Last-Modified")).status());
        assertEquals(200, curl(false, "/kilo.m4s", "-H", "If-None-Match: \"other\"").status());
        assertEquals(200, curl(false, "/kilo.m4s", "-H", "If-Modified-Since: Sat, 01 Jan 2000 00:00:00 GMT").status());
        assertEquals(412, curl(false, "/kilo.m4s", "-H", "If-Match: \"other\"").status());
        assertEquals(200, curl(false, "/kilo.m4s", "-H", "If-Match: " + etag).status());
        assertEquals(412, curl(false, "/kilo.m4s", "-H", "If-Unmodified-Since: Sat, 01 Jan 2000 00:00:00 GMT").status());
    }

    @Test
    void validatorsChangeWhenTheFileChanges() throws Exception {
        Path f = catalog.file("changing.m4s", 100);
        String before = curl(false, "/changing.m4s").header("ETag");
        catalog.file("changing.m4s", 101);
        Reply after = curl(false, "/changing.m4s", "-H", "If-None-Match: " + before);
        assertEquals(200, after.status());
        assertEquals(TestCatalog.sha256(f), after.sha256());
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void corsForAnAllowedOrigin(boolean tls) {
        Reply r = curl(tls, "/hls/v1/seg1.m4s", "-H", "Origin: https://player.example", "-H", "Range: bytes=0-9");
        assertEquals(206, r.status());
        assertEquals("https://player.example", r.header("Access-Control-Allow-Origin"));
        assertTrue(r.header("Vary").contains("Origin"));
        String exposed = r.header("Access-Control-Expose-Headers");
        for (String h : List.of("Content-Range", "Content-Length", "Accept-Ranges")) {
            assertTrue(exposed.contains(h), exposed);
        }
    }

    @Test
    void corsForAnotherOriginSaysNothing() {
        Reply r = curl(false, "/kilo.m4s", "-H", "Origin: https://evil.example");
        assertEquals(200, r.status());
        assertNull(r.header("Access-Control-Allow-Origin"));
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void corsPreflightForRange(boolean tls) {
        Reply r = curl(tls, "/hls/v1/seg1.m4s", "-X", "OPTIONS", "-H", "Origin: https://other.example",
                "-H", "Access-Control-Request-Method: GET", "-H", "Access-Control-Request-Headers: range");
        assertEquals(204, r.status());
        assertEquals("https://other.example", r.header("Access-Control-Allow-Origin"));
        assertTrue(r.header("Access-Control-Allow-Methods").contains("GET"));
        assertTrue(r.header("Access-Control-Allow-Headers").toLowerCase().contains("range"));
        assertEquals("600", r.header("Access-Control-Max-Age"));
        assertEquals(0, r.body().length);
    }

    @Test
    void plainOptionsListsTheMethods() {
        Reply r = curl(false, "/kilo.m4s", "-X", "OPTIONS");
        assertEquals(204, r.status());
        assertEquals("GET, HEAD, OPTIONS", r.header("Allow"));
    }

    @Test
    void notFound() {
        assertEquals(404, curl(false, "/nope.m4s").status());
        assertEquals(404, curl(true, "/hls/").status());
    }

    @Test
    void httpsNegotiatesTls13WithAlpnAndTls12WhenAsked() {
        Reply v13 = curl(true, "/kilo.m4s", "--tlsv1.3");
        assertTrue(v13.verbose().contains("TLSv1.3"), v13.verbose());
        assertTrue(v13.verbose().contains("ALPN: server accepted http/1.1")
                || v13.verbose().contains("ALPN, server accepted to use http/1.1"), v13.verbose());
        Reply v12 = curl(true, "/kilo.m4s", "--tlsv1.2", "--tls-max", "1.2");
        assertEquals(200, v12.status());
        assertTrue(v12.verbose().contains("TLSv1.2 / ECDHE-ECDSA-AES128-GCM-SHA256")
                || v12.verbose().contains("TLSv1.2 / ECDHE-ECDSA"), v12.verbose());
    }
}
