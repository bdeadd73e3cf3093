package org.diskcryptnet.it.origin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import org.diskcryptnet.it.support.Curl;
import org.diskcryptnet.it.support.Curl.Reply;
import org.diskcryptnet.it.support.RunningOrigin;
import org.diskcryptnet.it.support.TestCatalog;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A lookup opens the file it answers about, and its bodies read through that descriptor or duplicates of it: every
 * kind of response (whole, HEAD, 304, 412, 416, single range, multipart, empty, 404) must close them all, with
 * every storage mode and record layer, over HTTP and HTTPS. The origin runs in this JVM, so its open files are
 * this process's: none may still name a file of the catalog once the responses are done.
 */
class OpenFilesIT {

    @TempDir
    Path dir;

    @ParameterizedTest(name = "storage {0}, record layer {1}")
    @CsvSource({"direct, transport", "direct, sslhandler", "buffered, transport", "buffered, sslhandler"})
    void noResponseLeavesAFileOpen(String storage, String recordLayer) throws Exception {
        TestCatalog catalog = new TestCatalog(Files.createDirectories(dir.resolve("www")));
        Path segment = catalog.file("seg.m4s", 300_000);
        catalog.file("kilo.m4s", 1000);
        catalog.file("empty.ts", 0);
        try (RunningOrigin origin = RunningOrigin.serving(catalog.root()).https(Files.createDirectories(dir.resolve("tls")))
                .set("content.storage", storage).set("tls.record_layer", recordLayer).start()) {
            for (boolean tls : List.of(false, true)) {
                String base = tls ? origin.httpsUrl("") : origin.httpUrl("");
                Path ca = tls ? origin.certificate() : null;
                String etag = Curl.exchange(base + "/kilo.m4s", ca).header("ETag");
                record Case(String path, int status, String... args) {}
                List<Case> cases = List.of(
                        new Case("/seg.m4s", 200),
                        new Case("/seg.m4s", 200, "-I"),
                        new Case("/kilo.m4s", 304, "-H", "If-None-Match: " + etag),
                        new Case("/kilo.m4s", 412, "-H", "If-Match: \"other\""),
                        new Case("/kilo.m4s", 416, "-H", "Range: bytes=5000-"),
                        new Case("/seg.m4s", 206, "-H", "Range: bytes=1000-70999"),
                        new Case("/seg.m4s", 206, "-H", "Range: bytes=0-99,5000-90000,-10"),
                        new Case("/empty.ts", 200),
                        new Case("/missing.m4s", 404));
                for (Case c : cases) {
                    Reply r = Curl.exchange(base + c.path, ca, c.args);
                    assertEquals(c.status, r.status(), c.path + " " + String.join(" ", c.args));
                }
                Reply whole = Curl.exchange(base + "/seg.m4s", ca);
                assertEquals(TestCatalog.sha256(segment), whole.sha256());
            }
            assertNoneOpenBelow(catalog.root(), storage + "/" + recordLayer);
        }
    }

    /** Bodies close their descriptors once written, on their loop: waits up to 5 s for the last ones. */
    private static void assertNoneOpenBelow(Path root, String what) throws Exception {
        Path real = root.toRealPath();
        List<String> open = List.of();
        for (long deadline = System.nanoTime() + 5_000_000_000L; System.nanoTime() < deadline; Thread.sleep(50)) {
            open = openFilesBelow(real);
            if (open.isEmpty()) {
                return;
            }
        }
        assertTrue(open.isEmpty(), what + ": descriptors still open on served files: " + open);
    }

    private static List<String> openFilesBelow(Path root) throws IOException {
        List<String> found = new ArrayList<>();
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            for (Path fd : (Iterable<Path>) fds::iterator) {
                try {
                    Path target = Files.readSymbolicLink(fd);
                    if (target.startsWith(root) && !target.equals(root)) { // the root itself: the lookups' base
                        found.add(fd.getFileName() + " -> " + target);
                    }
                } catch (IOException gone) {
                    // closed while listing (the directory's own descriptor, among others)
                }
            }
        }
        return found;
    }
}
