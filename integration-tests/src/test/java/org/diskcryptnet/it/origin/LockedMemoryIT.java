package org.diskcryptnet.it.origin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.diskcryptnet.it.support.Curl;
import org.diskcryptnet.it.support.Curl.Reply;
import org.diskcryptnet.it.support.OriginProcess;
import org.diskcryptnet.it.support.PrometheusText;
import org.diskcryptnet.it.support.Proc;
import org.diskcryptnet.it.support.TestCatalog;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An operator who runs the origin without CAP_IPC_LOCK and with a locked-memory limit below the loop's chunk pool
 * (a non-root user under systemd's 8 MiB default and the pool's 16 MiB, say): the kernel refuses the io_uring
 * fixed buffers, every read pins its pages instead, and the origin must say so once per loop, with what to change,
 * and serve the same bytes. Started as it would be, under {@code setpriv} (the capability taken out of the bounding
 * set, so root loses it across exec) and {@code prlimit}.
 */
class LockedMemoryIT {

    private static final String WARNING = "the kernel refused to register the loop's chunk pool";

    @TempDir
    Path dir;

    @Test
    void withoutLockableMemoryTheOriginWarnsAndServesTheSameBytes() throws Exception {
        Proc.require("curl");
        Proc.require("setpriv");
        Proc.require("prlimit");
        TestCatalog catalog = new TestCatalog(Files.createDirectories(dir.resolve("www")));
        Path segment = catalog.file("seg.m4s", 1_000_000);
        String[] serve = {"serve", "--root", catalog.root().toString(), "--storage", "direct", "--http", "127.0.0.1:0",
                "--admin", "127.0.0.1:0", "--access-log", "off"};

        // as every other test runs it: the pool is registered, no warning
        try (OriginProcess origin = OriginProcess.start(Files.createDirectories(dir.resolve("plain")),
                Duration.ofMinutes(2), serve)) {
            assertEquals(TestCatalog.sha256(segment), Curl.exchange(url(origin, "/seg.m4s"), null).sha256());
            assertFalse(origin.stderr().contains(WARNING), origin.stderr());
            assertEquals(0, loopsWithoutFixedBuffers(origin));
        }

        List<String> noLockedMemory = List.of("setpriv", "--bounding-set=-ipc_lock",
                "prlimit", "--memlock=1048576:1048576", "--");
        try (OriginProcess origin = OriginProcess.startUnder(noLockedMemory,
                Files.createDirectories(dir.resolve("limited")), Duration.ofMinutes(2), serve)) {
            Reply whole = Curl.exchange(url(origin, "/seg.m4s"), null);
            assertEquals(200, whole.status());
            assertEquals(TestCatalog.sha256(segment), whole.sha256(), "the same bytes through unregistered buffers");
            Reply range = Curl.exchange(url(origin, "/seg.m4s"), null, "-H", "Range: bytes=4097-700000");
            assertEquals(206, range.status());
            assertEquals(TestCatalog.sha256(segment, 4097, 700_000 - 4097 + 1), range.sha256());
            String log = origin.stderr();
            for (long deadline = System.nanoTime() + 5_000_000_000L; !log.contains(WARNING)
                    && System.nanoTime() < deadline; log = origin.stderr()) {
                Thread.sleep(50);
            }
            assertTrue(log.contains(WARNING) && log.contains("LimitMEMLOCK") && log.contains("CAP_IPC_LOCK"), log);
            assertTrue(loopsWithoutFixedBuffers(origin) >= 1, "the loop that read counts in the gauge");
        }
    }

    private static double loopsWithoutFixedBuffers(OriginProcess origin) {
        String metrics = Curl.exchange("http://127.0.0.1:" + origin.admin().getPort() + "/metrics", null).text();
        assertTrue(metrics.contains("origin_disk_loops_without_fixed_buffers{"), metrics);
        return PrometheusText.sum(metrics, "origin_disk_loops_without_fixed_buffers", "backend=\"io_uring\"");
    }

    private static String url(OriginProcess origin, String path) {
        return "http://127.0.0.1:" + origin.http().getPort() + path;
    }
}
