package org.diskcryptnet.it.origin;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import org.diskcryptnet.it.support.Proc;
import org.diskcryptnet.it.support.RunningOrigin;
import org.diskcryptnet.it.support.TestCatalog;
import org.diskcryptnet.it.support.Wrk;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** wrk with keep-alive for a few seconds over a catalog of ~300 KB segments: zero errors, every byte counted. */
class OriginWrkIT {


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
            // wrk counts header and body bytes: at least the bodies of every completed request were read
            Wrk.assertClean(r, 100, 300_000.0, 0.99);
        }
    }

    @Test
    void wrkIsInstalledAsThePeer() {
        Proc.require("wrk");
        Proc.Result r = Proc.run(Duration.ofSeconds(10), "wrk", "--version");
        assertTrue((r.out() + r.stderr()).contains("wrk"), r.toString());
    }
}
