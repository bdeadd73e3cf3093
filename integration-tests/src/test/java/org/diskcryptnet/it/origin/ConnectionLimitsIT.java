package org.diskcryptnet.it.origin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.diskcryptnet.it.support.Curl;
import org.diskcryptnet.it.support.OriginProcess;
import org.diskcryptnet.it.support.Proc;
import org.diskcryptnet.it.support.RawHttp;
import org.diskcryptnet.it.support.RawHttp.Response;
import org.diskcryptnet.it.support.RunningOrigin;
import org.diskcryptnet.it.support.TestCatalog;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The request-header timeout (slowloris), the keep-alive idle timeout and the connection limit. */
class ConnectionLimitsIT {

    @TempDir
    Path dir;

    private RunningOrigin start(String... settings) throws Exception {
        TestCatalog catalog = new TestCatalog(Files.createDirectories(dir.resolve("www")));
        catalog.file("seg.m4s", 1000);
        RunningOrigin.Builder b = RunningOrigin.serving(catalog.root());
        for (int i = 0; i < settings.length; i += 2) {
            b.set(settings[i], settings[i + 1]);
        }
        return b.start();
    }

    private static final String GET_SEGMENT = "GET /seg.m4s HTTP/1.1\r\nHost: origin\r\n\r\n";

    /** The origin as a process of its own serving seg.m4s, after a request has loaded everything a request needs. */
    private OriginProcess servingOneFile(String admin) throws Exception {
        Proc.require("prlimit");
        TestCatalog catalog = new TestCatalog(Files.createDirectories(dir.resolve("www")));
        catalog.file("seg.m4s", 1000);
        OriginProcess origin = OriginProcess.start(dir, Duration.ofMinutes(2), "serve", "--root",
                catalog.root().toString(), "--http", "127.0.0.1:0", "--admin", admin, "--access-log", "off");
        try (RawHttp c = new RawHttp(origin.http(), 5000)) {
            assertEquals(200, c.send(GET_SEGMENT).read().status());
        } catch (Throwable t) {
            origin.close();
            throw t;
        }
        return origin;
    }

    private static int highestDescriptor(OriginProcess origin) throws java.io.IOException {
        try (var open = Files.list(Path.of("/proc/" + origin.pid() + "/fd"))) {
            return open.mapToInt(f -> Integer.parseInt(f.getFileName().toString())).max().orElseThrow();
        }
    }

    /**
     * A process out of descriptors cannot tell whether a file is there: 503 with Retry-After and a close (which gives
     * a descriptor back), never the 404 that a cache would keep. The origin's open-file limit is lowered to just above
     * the descriptors it holds (prlimit), then keep-alive connections, each holding one, are opened until a lookup
     * finds none left.
     */
    @Test
    void outOfDescriptorsAFileIs503WithRetryAfterNot404() throws Exception {
        try (OriginProcess origin = servingOneFile("off")) {
            int limit = highestDescriptor(origin) + 3;
            Proc.Result lowered = Proc.run(Duration.ofSeconds(10), "prlimit", "--pid", Long.toString(origin.pid()),
                    "--nofile=" + limit + ":" + limit);
            assertEquals(0, lowered.exit(), lowered.toString());
            List<RawHttp> held = new ArrayList<>();
            try {
                Response last = null;
                for (int i = 0; i < limit && (last == null || last.status() == 200); i++) {
                    RawHttp c = new RawHttp(origin.http(), 5000);
                    held.add(c);
                    last = c.send(GET_SEGMENT).read();
                }
                assertEquals(503, last.status(), "after " + held.size() + " connections: " + last.text());
                assertEquals("1", last.header("retry-after"));
                assertTrue(held.getLast().closedByServer());
                assertTrue(origin.stderr().contains("answering 503: openat2 of seg.m4s: EMFILE"), origin.stderr());
            } finally {
                for (RawHttp c : held) {
                    c.close();
                }
            }
            Thread.sleep(200); // the origin sees the connections close
            try (RawHttp c = new RawHttp(origin.http(), 5000)) {
                assertEquals(200, c.send(GET_SEGMENT).read().status(), "served again once descriptors are back");
            }
        }
    }

    /**
     * A process out of descriptors cannot accept: the connection waits in the kernel's queue, the failure is counted
     * and logged once with its remedy (not Netty's generic tail-of-pipeline warning for every try), and the
     * connection is served when descriptors are back. The limit is lowered to just above the descriptors the origin
     * holds, then idle connections, each holding one, are opened until one is not accepted.
     */
    @Test
    void outOfDescriptorsAnAcceptWaitsIsCountedAndLoggedOnceThenServed() throws Exception {
        try (OriginProcess origin = servingOneFile("127.0.0.1:0")) {
            String pid = Long.toString(origin.pid());
            String original = Proc.run(Duration.ofSeconds(10), "prlimit", "--pid", pid, "--nofile", "--output",
                    "SOFT,HARD", "--noheadings").out().trim().replaceAll("\\s+", ":");
            int highest = highestDescriptor(origin);
            String hard = original.substring(original.indexOf(':') + 1);
            // the soft limit only: raising a hard limit again needs CAP_SYS_RESOURCE
            Proc.Result lowered = Proc.run(Duration.ofSeconds(10), "prlimit", "--pid", pid,
                    "--nofile=" + (highest + 3) + ":" + hard);
            assertEquals(0, lowered.exit(), lowered.toString());
            List<RawHttp> held = new ArrayList<>();
            try {
                RawHttp waiting = null;
                for (int i = 0; i < 64 && waiting == null; i++) { // idle connections, each holding a descriptor
                    RawHttp c = new RawHttp(origin.http(), 5000);
                    held.add(c);
                    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(1000);
                    while (System.nanoTime() < deadline && !origin.stderr().contains("accepting on")) {
                        Thread.sleep(50);
                    }
                    if (origin.stderr().contains("accepting on")) {
                        waiting = c;
                    }
                }
                assertTrue(waiting != null, held.size() + " connections were all accepted:\n" + origin.stderr());
                Proc.Result restored = Proc.run(Duration.ofSeconds(10), "prlimit", "--pid", pid,
                        "--nofile=" + original);
                assertEquals(0, restored.exit(), restored.toString());
                assertEquals(200, waiting.send(GET_SEGMENT).read().status(), "served once the limit is back");
            } finally {
                for (RawHttp c : held) {
                    c.close();
                }
            }
            String err = origin.stderr();
            assertTrue(err.contains("Too many open files; accepting resumes in 1 s (raise the open-file limit"), err);
            String time = "\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}[+-]\\d{4}";
            assertTrue(err.lines().anyMatch(l -> l.matches(time
                    + " WARNING org\\.diskcryptnet\\.origin\\.server\\.AcceptFailures: origin: accepting on .*")),
                    "one line a record, time first:\n" + err);
            assertEquals(1, err.split("accepting on", -1).length - 1, "one line per 10 s:\n" + err);
            assertFalse(err.contains("reached at the tail of the pipeline"), err);
            String metrics = Curl.exchange("http://127.0.0.1:" + origin.admin().getPort() + "/metrics", null).text();
            assertTrue(metrics.lines().anyMatch(l -> l.startsWith("http_server_accept_failures_total ")
                    && Double.parseDouble(l.substring(l.indexOf(' ') + 1)) >= 1), metrics);
        }
    }

    @Test
    void slowHeadersGet408AndClose() throws Exception {
        try (RunningOrigin origin = start("server.request_header_timeout", "1s", "server.keep_alive_timeout", "30s");
             RawHttp c = new RawHttp(origin.http(), 5000)) {
            long start = System.nanoTime();
            c.send("GET /seg.m4s HTTP/1.1\r\n");
            for (int i = 0; i < 3; i++) { // a header line every 400 ms: alive, but never done
                Thread.sleep(400);
                try {
                    c.send("X-Slow-" + i + ": y\r\n");
                } catch (java.io.IOException closedAlready) {
                    break;
                }
            }
            Response r = c.read();
            assertEquals(408, r.status());
            assertTrue(c.closedByServer());
            long ms = (System.nanoTime() - start) / 1_000_000;
            assertTrue(ms >= 900 && ms < 4000, "closed after " + ms + " ms");
        }
    }

    @Test
    void aConnectionThatNeverSpeaksIsClosedWithoutAResponse() throws Exception {
        try (RunningOrigin origin = start("server.request_header_timeout", "1s");
             RawHttp c = new RawHttp(origin.http(), 4000)) {
            assertTrue(c.closedByServer(), "closed after the header timeout");
        }
    }

    @Test
    void overTlsTheHeaderClockStartsAfterTheHandshake() throws Exception {
        TestCatalog catalog = new TestCatalog(Files.createDirectories(dir.resolve("www")));
        catalog.file("seg.m4s", 1000);
        try (RunningOrigin origin = RunningOrigin.serving(catalog.root()).https(dir)
                .set("server.request_header_timeout", "1s").set("server.keep_alive_timeout", "30s").start()) {
            javax.net.ssl.SSLContext context = javax.net.ssl.SSLContext.getInstance("TLS");
            context.init(null, io.netty.handler.ssl.util.InsecureTrustManagerFactory.INSTANCE.getTrustManagers(), null);
            javax.net.ssl.SSLSocketFactory tls = context.getSocketFactory(); // the origin's self-signed certificate
            // a client whose handshake starts 1.5 s after accept (a lossy link): served, not cut by the header clock
            try (java.net.Socket raw = new java.net.Socket("127.0.0.1", origin.https().getPort())) {
                Thread.sleep(1500);
                try (javax.net.ssl.SSLSocket s = (javax.net.ssl.SSLSocket) tls.createSocket(raw, "localhost",
                        origin.https().getPort(), false)) {
                    s.setSoTimeout(5000);
                    s.startHandshake();
                    s.getOutputStream().write("GET /seg.m4s HTTP/1.1\r\nHost: x\r\n\r\n"
                            .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
                    byte[] head = new byte[12];
                    int n = s.getInputStream().readNBytes(head, 0, head.length);
                    assertEquals("HTTP/1.1 200", new String(head, 0, n, java.nio.charset.StandardCharsets.US_ASCII));
                }
            }
            // a client that says nothing after its handshake is closed after the header timeout
            try (javax.net.ssl.SSLSocket s = (javax.net.ssl.SSLSocket) tls.createSocket("127.0.0.1",
                    origin.https().getPort())) {
                s.setSoTimeout(5000);
                s.startHandshake();
                long start = System.nanoTime();
                int read;
                try {
                    read = s.getInputStream().read();
                } catch (javax.net.ssl.SSLException | java.net.SocketException e) {
                    read = -1; // closed: close_notify, or a reset
                }
                long waited = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
                assertEquals(-1, read, "closed by the server");
                assertTrue(waited >= 800 && waited < 4000, "after about 1 s: " + waited + " ms");
            }
        }
    }

    @Test
    void idleKeepAliveConnectionIsClosed() throws Exception {
        try (RunningOrigin origin = start("server.keep_alive_timeout", "1s", "server.request_header_timeout", "30s");
             RawHttp c = new RawHttp(origin.http(), 500)) {
            assertEquals(200, c.send("GET /seg.m4s HTTP/1.1\r\nHost: x\r\n\r\n").read().status());
            assertFalse(c.closedByServer(), "still open after 0.5 s");
            c.timeout(3000);
            assertTrue(c.closedByServer(), "closed after the 1 s keep-alive timeout");
        }
    }

    @Test
    void aBusyConnectionIsNotCutByTheKeepAliveTimeout() throws Exception {
        try (RunningOrigin origin = start("server.keep_alive_timeout", "1s");
             RawHttp c = new RawHttp(origin.http(), 3000)) {
            for (int i = 0; i < 6; i++) { // requests every 400 ms for 2.4 s
                assertEquals(200, c.send("GET /seg.m4s HTTP/1.1\r\nHost: x\r\n\r\n").read().status());
                Thread.sleep(400);
            }
        }
    }

    /** Held connections in the middle of a request: none is idle, so the one over the limit is refused. */
    @Test
    void connectionsOverTheLimitGet503AndTheOthersAreServed() throws Exception {
        try (RunningOrigin origin = start("server.max_connections", "3")) {
            List<RawHttp> held = new ArrayList<>();
            try {
                for (int i = 0; i < 3; i++) {
                    RawHttp c = new RawHttp(origin.http(), 3000);
                    held.add(c);
                    assertEquals(200, c.send("GET /seg.m4s HTTP/1.1\r\nHost: x\r\n\r\n").read().status());
                    c.send("GET /seg.m4s HTTP/1.1\r\n"); // a next request begun: no longer idle
                }
                Thread.sleep(200); // the origin reads those first lines
                try (RawHttp over = new RawHttp(origin.http(), 3000)) {
                    Response r = over.send("GET /seg.m4s HTTP/1.1\r\nHost: x\r\n\r\n").read();
                    assertEquals(503, r.status());
                    assertTrue(over.closedByServer());
                }
                for (RawHttp c : held) {
                    assertEquals(200, c.send("Host: x\r\n\r\n").read().status());
                }
            } finally {
                for (RawHttp c : held) {
                    c.close();
                }
            }
            // once the held connections are gone, new ones are admitted again
            Thread.sleep(200);
            try (RawHttp again = new RawHttp(origin.http(), 3000)) {
                assertEquals(200, again.send("GET /seg.m4s HTTP/1.1\r\nHost: x\r\n\r\n").read().status());
            }
        }
    }

    /**
     * At the limit, a new connection takes the place of the connection idle the longest (as nginx reuses keep-alive
     * connections), which is closed; the others stay. One loop, as the list is per loop.
     */
    @Test
    void atTheLimitTheOldestIdleKeepAliveConnectionMakesRoom() throws Exception {
        String get = "GET /seg.m4s HTTP/1.1\r\nHost: x\r\n\r\n";
        try (RunningOrigin origin = start("server.max_connections", "3", "server.event_loops", "1")) {
            List<RawHttp> held = new ArrayList<>();
            try {
                for (int i = 0; i < 3; i++) {
                    RawHttp c = new RawHttp(origin.http(), 3000);
                    held.add(c);
                    assertEquals(200, c.send(get).read().status());
                    Thread.sleep(50); // idle since different moments
                }
                try (RawHttp newcomer = new RawHttp(origin.http(), 3000)) {
                    assertEquals(200, newcomer.send(get).read().status(), "admitted and served");
                }
                assertTrue(held.get(0).closedByServer(), "the oldest idle connection was closed");
                held.get(1).timeout(500);
                assertFalse(held.get(1).closedByServer(), "the others stay");
                for (RawHttp c : held.subList(1, 3)) {
                    assertEquals(200, c.send(get).read().status());
                }
                String metrics = origin.server().metrics().scrape();
                assertTrue(metrics.contains("http_server_connections_evicted_total 1.0"), metrics);
                assertTrue(metrics.contains("http_server_connections_rejected_total 0.0"), metrics);
            } finally {
                for (RawHttp c : held) {
                    c.close();
                }
            }
        }
    }
}
