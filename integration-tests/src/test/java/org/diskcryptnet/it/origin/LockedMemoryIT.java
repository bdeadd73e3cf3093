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
import org.diskcryptnet.it.support.VethLink;
import org.diskcryptnet.netmap.channel.Netmap;
import org.diskcryptnet.netmap.port.PortUri;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An operator who runs the origin without CAP_IPC_LOCK and with a locked-memory limit below the loop's chunk pool
 * (a non-root user under systemd's 8 MiB default and the pool's 16 MiB, say): the kernel refuses the io_uring
 * fixed buffers, every read pins its pages instead, and the origin must say so once per loop, with what to change,
 * and serve the same bytes. Started as it would be, under {@code setpriv} (the capability taken out of the bounding
 * set, so root loses it across exec) and {@code prlimit}: on epoll, and on a packet port, where the disk send path's
 * staging area and read windows are refused too.
 */
class LockedMemoryIT {

    private static final String WARNING = "the kernel refused to register the loop's chunk pool";
    private static final String SEND_PATH_WARNING = "the kernel refused to register the disk send path's buffers";

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
            String log = awaitLog(origin, WARNING);
            assertTrue(log.contains(WARNING) && log.contains("LimitMEMLOCK") && log.contains("CAP_IPC_LOCK"), log);
            assertTrue(loopsWithoutFixedBuffers(origin) >= 1, "the loop that read counts in the gauge");
        }
    }

    /**
     * On a packet port the loop's disk send path registers its staging area and read windows as well; refused, it
     * says so in its own words, and the origin serves the same bytes through the userspace stack.
     */
    @Test
    void onAPacketPortTheSendPathWarnsToo() throws Exception {
        Assumptions.assumeTrue(Netmap.isAvailable(PortUri.Kind.PACKET),
                () -> "packet ports unavailable: " + Netmap.unavailabilityCause(PortUri.Kind.PACKET));
        Assumptions.assumeTrue("root".equals(System.getProperty("user.name")), "needs root for network namespaces");
        for (String tool : new String[] {"ip", "ethtool", "curl", "setpriv", "prlimit"}) {
            Proc.require(tool);
        }
        TestCatalog catalog = new TestCatalog(Files.createDirectories(dir.resolve("www")));
        Path segment = catalog.file("seg.m4s", 1_000_000);
        try (VethLink link = new VethLink("dcnl", "198.18.95.1/24")) {
            List<String> wrapper = List.of("ip", "netns", "exec", link.serverNs, "setpriv", "--bounding-set=-ipc_lock",
                    "prlimit", "--memlock=1048576:1048576", "--");
            try (OriginProcess origin = OriginProcess.startUnder(wrapper, dir, Duration.ofMinutes(2), "serve",
                    "--root", catalog.root().toString(), "--storage", "direct", "--transport",
                    "packet:" + link.serverIf, "--address", "198.18.95.2/24", "--event-loops", "1", "--http",
                    "0.0.0.0:8080", "--admin", "off", "--access-log", "off")) {
                Path body = dir.resolve("body");
                Proc.Result r = Proc.run(Duration.ofSeconds(90), "ip", "netns", "exec", link.clientNs, "curl", "-sS",
                        "--max-time", "60", "--retry", "3", "--retry-connrefused", "-o", body.toString(), "-w",
                        "%{http_code}", "http://198.18.95.2:8080/seg.m4s");
                assertEquals("200", r.out(), r + "\n" + origin.stderr());
                assertEquals(TestCatalog.sha256(segment), TestCatalog.sha256(body));
                String log = awaitLog(origin, SEND_PATH_WARNING);
                assertTrue(log.contains(SEND_PATH_WARNING) && log.contains("LimitMEMLOCK"), log);
            }
        }
    }

    private static String awaitLog(OriginProcess origin, String text) throws InterruptedException {
        String log = origin.stderr();
        for (long deadline = System.nanoTime() + 5_000_000_000L; !log.contains(text) && System.nanoTime() < deadline;
                log = origin.stderr()) {
            Thread.sleep(50);
        }
        return log;
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
