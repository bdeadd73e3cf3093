package org.diskcryptnet.it.origin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.diskcryptnet.it.support.Proc;
import org.diskcryptnet.it.support.RunningOrigin;
import org.diskcryptnet.it.support.TestCatalog;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** wrk with keep-alive for a few seconds over a catalog of ~300 KB segments: zero errors, every byte counted. */
class OriginWrkIT {

    private static final Pattern REQUESTS = Pattern.compile("(\\d+) requests in [\\d.]+\\w+, ([\\d.]+)(\\w+) read");

    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void keepAliveLoadHasNoErrors(boolean tls) throws Exception {
        Proc.require("wrk");
        TestCatalog catalog = new TestCatalog(Files.createDirectories(dir.resolve("www")));
        for (int i = 0; i < 8; i++) {
            catalog.file("seg" + i + ".m4s", 300_000);
        }
        Path script = dir.resolve("segments.lua");
        // Rotates through the segments so that every connection asks for several different objects.
        Files.writeString(script, """
                local n = 0
                request = function()
                  n = n + 1
                  return wrk.format("GET", "/seg" .. (n % 8) .. ".m4s")
                end
                """);
        RunningOrigin.Builder builder = RunningOrigin.serving(catalog.root());
        if (tls) {
            builder.https(Files.createDirectories(dir.resolve("tls")));
        }
        try (RunningOrigin origin = builder.start()) {
            String url = tls ? "https://127.0.0.1:" + origin.https().getPort() : origin.httpUrl("");
            Proc.Result r = Proc.run(Duration.ofSeconds(60), "wrk", "-t2", "-c32", "-d4s", "--timeout", "10s",
                    "-s", script.toString(), url);
            assertEquals(0, r.exit(), r.toString());
            String out = r.out();
            assertFalse(out.contains("Non-2xx or 3xx responses"), out);
            assertFalse(out.contains("Socket errors"), out);
            Matcher m = REQUESTS.matcher(out);
            assertTrue(m.find(), out);
            long requests = Long.parseLong(m.group(1));
            assertTrue(requests > 100, out);
            double read = Double.parseDouble(m.group(2)) * switch (m.group(3)) {
                case "GB" -> 1e9 * 1.073741824;
                case "MB" -> 1e6 * 1.048576;
                case "KB" -> 1e3 * 1.024;
                default -> 1;
            };
            // wrk counts header and body bytes: at least the bodies of every completed request were read
            assertTrue(read >= requests * 300_000.0 * 0.99, out);
        }
    }

    @Test
    void wrkIsInstalledAsThePeer() {
        Proc.require("wrk");
        Proc.Result r = Proc.run(Duration.ofSeconds(10), "wrk", "--version");
        assertTrue((r.out() + r.stderr()).contains("wrk"), r.toString());
    }
}
