package org.diskcryptnet.it.origin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import org.diskcryptnet.it.support.Curl;
import org.diskcryptnet.it.support.OriginProcess;
import org.diskcryptnet.it.support.Proc;
import org.diskcryptnet.it.support.TestCatalog;
import org.diskcryptnet.origin.demo.DemoCatalog;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's first command, `./origin demo`, run as written (ports moved to ephemeral ones): the catalog is
 * real media that ffprobe and ffmpeg read end to end over HTTP and HTTPS, and SIGTERM stops it with status 0.
 */
class DemoIT {

    @TempDir
    Path dir;

    @Test
    void demoServesAPlayableLadderAndStopsCleanly() throws Exception {
        Proc.require("ffprobe");
        Proc.require("ffmpeg");
        Path demoDir = dir.resolve("demo-content");
        try (OriginProcess origin = OriginProcess.start(dir, Duration.ofMinutes(5), "demo", "--dir", demoDir.toString(),
                "--http", "127.0.0.1:0", "--https", "127.0.0.1:0", "--admin", "127.0.0.1:0", "--access-log", "off")) {
            assertNotNull(origin.http(), origin.stderr());
            assertNotNull(origin.https(), origin.stderr());
            String http = "http://127.0.0.1:" + origin.http().getPort();
            Path catalog = demoDir.resolve("catalog");
            for (String name : DemoCatalog.index()) {
                assertEquals(TestCatalog.sha256(catalog.resolve(name)), Curl.exchange(http + "/" + name, null).sha256(), name);
            }
            String hints = origin.stderr();
            assertTrue(hints.contains("/hls/master.m3u8") && hints.contains("/dash/manifest.mpd"), hints);

            for (String manifest : new String[] {"/hls/master.m3u8", "/dash/manifest.mpd"}) {
                Proc.Result probe = Proc.run(Duration.ofSeconds(60), "ffprobe", "-v", "error", "-show_entries",
                        "stream=codec_name,width,height", "-of", "csv=p=0", http + manifest);
                assertEquals(0, probe.exit(), probe.toString());
                for (String size : new String[] {"416,234", "640,360", "1280,720"}) {
                    assertTrue(probe.out().contains("h264," + size), manifest + ": " + probe.out());
                }
                // every segment of every rendition, decoded end to end
                Proc.Result pull = Proc.run(Duration.ofSeconds(120), "ffmpeg", "-v", "error", "-i", http + manifest,
                        "-map", "0", "-f", "null", "-");
                assertEquals(0, pull.exit(), pull.toString());
                assertEquals("", pull.stderr().strip(), manifest);
            }
            Curl.Reply tls = Curl.exchange("https://localhost:" + origin.https().getPort() + "/dash/manifest.mpd",
                    demoDir.resolve("tls/localhost.crt"));
            assertEquals(200, tls.status());
            assertEquals(TestCatalog.sha256(catalog.resolve("dash/manifest.mpd")), tls.sha256());

            assertEquals(0, origin.terminate(Duration.ofSeconds(30)), origin.stderr());
        }
        // a second run reuses the directory
        assertTrue(Files.isRegularFile(demoDir.resolve("origin.yaml")));
        try (OriginProcess again = OriginProcess.start(dir, Duration.ofMinutes(2), "demo", "--dir", demoDir.toString(),
                "--http", "127.0.0.1:0", "--https", "off", "--admin", "off")) {
            assertTrue(again.stderr().contains("reusing the catalog"), again.stderr());
            assertEquals(0, again.terminate(Duration.ofSeconds(30)));
        }
    }
}
