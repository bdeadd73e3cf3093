package org.diskcryptnet.it.origin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;

import org.diskcryptnet.it.support.RawHttp;
import org.diskcryptnet.it.support.RawHttp.Response;
import org.diskcryptnet.it.support.RunningOrigin;
import org.diskcryptnet.it.support.TestCatalog;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Bad input over a raw socket: the exact status, whether the connection is closed or kept, and that nothing
 * outside the content root is ever served. A file named {@code secret} sits beside the root with a marker in it.
 */
class BadInputIT {

    private static final String SECRET = "TOP-SECRET-OUTSIDE-THE-ROOT";

    @TempDir
    static Path dir;
    static RunningOrigin origin;

    @BeforeAll
    static void start() throws Exception {
        TestCatalog catalog = new TestCatalog(Files.createDirectories(dir.resolve("www")));
        catalog.file("a/seg.m4s", 1000);
        Files.writeString(dir.resolve("secret"), SECRET);
        Files.writeString(Files.createDirectories(dir.resolve("www-other")).resolve("x"), SECRET);
        Files.createSymbolicLink(catalog.root().resolve("escape"), dir.resolve("secret"));
        Files.createSymbolicLink(catalog.root().resolve("escape-dir"), dir);
        origin = RunningOrigin.serving(catalog.root()).start();
    }

    @AfterAll
    static void stop() {
        origin.close();
    }

    private static RawHttp connect() throws Exception {
        return new RawHttp(origin.http(), 3000);
    }

    private static String get(String target) {
        return "GET " + target + " HTTP/1.1\r\nHost: localhost\r\n\r\n";
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "/../secret", "/a/../../secret", "/%2e%2e/secret", "/%2E%2E/%2e%2E/secret", "/.%2e/secret",
            "/..%2fsecret", "/a%2f..%2f..%2fsecret", "/..%5csecret", "/..\\secret", "/a/..%5c..%5csecret",
            "/secret%00.m4s", "/a/seg.m4s%00", "/%c0%ae%c0%ae/secret", "/%c0%af..%c0%afsecret", "/%e0%80%ae%e0%80%ae/secret",
            "/escape", "/escape-dir/secret", "/escape-dir/www-other/x", "/../www-other/x", "//secret",
            "/./a/seg.m4s", "/a/./seg.m4s"})
    void traversalInEverySpellingNeverLeavesTheRoot(String target) throws Exception {
        try (RawHttp c = connect()) {
            Response r = c.send(get(target)).read();
            assertTrue(r.status() == 400 || r.status() == 404, target + " → " + r.status());
            assertFalse(r.text().contains(SECRET), target);
        }
    }

    @Test
    void absoluteFormAndAsteriskTargetsAreRefused() throws Exception {
        try (RawHttp c = connect()) {
            assertEquals(400, c.send(get("http://localhost/../secret")).read().status());
        }
        try (RawHttp c = connect()) {
            assertEquals(400, c.send(get("*")).read().status());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"POST", "PUT", "DELETE", "PATCH", "TRACE", "CONNECT", "BREW"})
    void otherMethodsGet405WithAllow(String method) throws Exception {
        try (RawHttp c = connect()) {
            Response r = c.send(method + " /a/seg.m4s HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n").read();
            assertEquals(405, r.status());
            assertEquals("GET, HEAD, OPTIONS", r.header("Allow"));
            // the request was well framed: the connection stays usable
            assertEquals(200, c.send(get("/a/seg.m4s")).read().status());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {
            // a body on GET/HEAD
            "GET /a/seg.m4s HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello",
            "HEAD /a/seg.m4s HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
            // both framings: the classic smuggling vector (RFC 9112 §6.1)
            "GET /a/seg.m4s HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
            "POST /a/seg.m4s HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
            // duplicate Content-Length (RFC 9110 §8.6), equal or not
            "GET /a/seg.m4s HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nContent-Length: 0\r\n\r\n",
            "POST /a/seg.m4s HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab",
            "POST /a/seg.m4s HTTP/1.1\r\nHost: x\r\nContent-Length: 1, 2\r\n\r\nab",
            // malformed request lines
            "GET /a/seg.m4s\r\n\r\n",
            "G\u0000T /a/seg.m4s HTTP/1.1\r\nHost: x\r\n\r\n",
            "GET /a/seg.m4s HTTP/1.1\r\nBad Header: x\r\n\r\n",
            "GET /a/seg.m4s HTTP/1.1\r\n: novalue\r\n\r\n",
            "\u0016\u0003\u0001\u0000\u00a5\u0001\u0000\u0000\u00a1\u0003\u0003\r\n\r\n"})
    void smugglingAndMalformedRequestsGet400AndClose(String request) throws Exception {
        try (RawHttp c = connect()) {
            Response r = c.send(request + get("/a/seg.m4s")).read(request.startsWith("HEAD"));
            assertEquals(400, r.status(), request);
            assertEquals("close", r.header("Connection"), request);
            assertTrue(c.closedByServer(), "connection must be closed after: " + request);
        }
    }

    @Test
    void unknownMajorVersionGets505AndClose() throws Exception { // RFC 9110 §15.6.6
        try (RawHttp c = connect()) {
            Response r = c.send("GET /a/seg.m4s HTTP/9.9\r\nHost: x\r\n\r\n").read();
            assertEquals(505, r.status());
            assertTrue(c.closedByServer());
        }
    }

    @Test
    void headerSectionOver8KiBGets431AndClose() throws Exception {
        try (RawHttp c = connect()) {
            Response r = c.send("GET /a/seg.m4s HTTP/1.1\r\nHost: x\r\nX-Big: " + "a".repeat(9000) + "\r\n\r\n").read();
            assertEquals(431, r.status());
            assertTrue(c.closedByServer());
        }
    }

    @Test
    void headerSectionJustUnder8KiBIsServed() throws Exception {
        try (RawHttp c = connect()) {
            Response r = c.send("GET /a/seg.m4s HTTP/1.1\r\nHost: x\r\nX-Big: " + "a".repeat(7900) + "\r\n\r\n").read();
            assertEquals(200, r.status());
        }
    }

    @Test
    void targetOver4KiBGets414AndClose() throws Exception {
        for (int length : new int[] {4097, 5000, 20000}) {
            try (RawHttp c = connect()) {
                Response r = c.send(get("/a/" + "x".repeat(length))).read();
                assertEquals(414, r.status(), "target of " + length);
                assertTrue(c.closedByServer());
            }
        }
        try (RawHttp c = connect()) {
            assertEquals(404, c.send(get("/" + "x".repeat(4000))).read().status());
        }
    }

    @Test
    void pipelinedRequestsAreAnsweredInOrder() throws Exception {
        try (RawHttp c = connect()) {
            c.send(get("/a/seg.m4s") + get("/nope") + "HEAD /a/seg.m4s HTTP/1.1\r\nHost: x\r\n\r\n"
                    + "GET /a/seg.m4s HTTP/1.1\r\nHost: x\r\nRange: bytes=0-9\r\n\r\n");
            assertEquals(200, c.read().status());
            assertEquals(404, c.read().status());
            Response head = c.read(true);
            assertEquals(200, head.status());
            assertEquals("1000", head.header("Content-Length"));
            Response range = c.read();
            assertEquals(206, range.status());
            assertEquals(10, range.body().length);
            assertFalse(c.closedByServer());
        }
    }

    @Test
    void http10WithoutKeepAliveIsClosedAfterTheResponse() throws Exception {
        try (RawHttp c = connect()) {
            assertEquals(200, c.send("GET /a/seg.m4s HTTP/1.0\r\n\r\n").read().status());
            assertTrue(c.closedByServer());
        }
    }

    @Test
    void connectionCloseIsHonoured() throws Exception {
        try (RawHttp c = connect()) {
            Response r = c.send("GET /a/seg.m4s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").read();
            assertEquals(200, r.status());
            assertEquals("close", r.header("Connection"));
            assertTrue(c.closedByServer());
        }
    }
}
