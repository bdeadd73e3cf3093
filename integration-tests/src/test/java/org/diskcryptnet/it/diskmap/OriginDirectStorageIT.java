package org.diskcryptnet.it.diskmap;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.diskcryptnet.disk.linux.Fcntl;
import org.diskcryptnet.disk.linux.Mman;
import org.diskcryptnet.disk.uring.IoUringBackend;
import org.diskcryptnet.it.support.PrometheusText;
import org.diskcryptnet.origin.config.ConfigSource;
import org.diskcryptnet.origin.config.OriginConfig;
import org.diskcryptnet.origin.server.OriginServer;

/**
 * The origin with {@code content.storage: direct} against curl: exact bytes for whole files and unaligned ranges,
 * the page cache left alone (while {@code buffered} fills it), a file truncated under load ending only its own
 * responses, and the disk metrics on the admin port.
 *
 * <p>The page-cache test serves {@code dcn.pagecache.bytes} bytes per mode (default 128 MiB, to stay within CI
 * time; {@code -Ddcn.pagecache.bytes=1073741824} gives the 1 GB) as 300 KB-ish chunks and measures each
 * content file's resident pages with mincore(2).
 */
class OriginDirectStorageIT {

    private Path root;
    private OriginServer server;

    @BeforeEach
    void content() throws IOException {
        assumeTrue(IoUringBackend.isAvailable(), () -> "io_uring unavailable: " + IoUringBackend.unavailabilityCause());
        root = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "direct-content");
    }

    @AfterEach
    void stop() throws IOException {
        if (server != null) {
            server.close();
        }
        if (root != null) {
            try (var s = Files.walk(root)) {
                s.sorted((a, b) -> b.compareTo(a)).forEach(p -> p.toFile().delete());
            }
        }
    }

    private OriginServer start(String storage) throws Exception {
        return start(storage, ConfigSource.empty());
    }

    private OriginServer start(String storage, ConfigSource base) throws Exception {
        ConfigSource source = base
                .override("content.root", root.toString(), "test")
                .override("content.storage", storage, "test")
                .override("listen.http", "127.0.0.1:0", "test")
                .override("listen.admin", "127.0.0.1:0", "test")
                .override("server.event_loops", "2", "test")
                .override("access_log.path", "off", "test");
        return OriginServer.start(OriginConfig.bind(source));
    }

    private static byte[] random(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    private static String url(InetSocketAddress a, String path) {
        return "http://127.0.0.1:" + a.getPort() + path;
    }

    /** curl with the given arguments; returns its stdout (bytes), failing on a non-zero exit unless allowed. */
    private static byte[] curl(boolean allowFailure, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("curl", "-s", "--max-time", "60"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        byte[] out = p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(90, TimeUnit.SECONDS), "curl did not finish");
        if (!allowFailure) {
            assertEquals(0, p.exitValue(), "curl " + String.join(" ", args));
        }
        return out;
    }

    @Test
    void servesExactBytesForWholeFilesAndUnalignedRanges() throws Exception {
        byte[] body = random(1_000_003, 1);
        Files.write(root.resolve("seg.m4s"), body);
        server = start("direct");
        String u = url(server.httpAddress(), "/seg.m4s");
        assertArrayEquals(body, curl(false, u));
        assertArrayEquals(Arrays.copyOfRange(body, 511, 70_000), curl(false, "-r", "511-69999", u));
        assertArrayEquals(Arrays.copyOfRange(body, 999_000, body.length), curl(false, "-r", "999000-", u));
        assertArrayEquals(Arrays.copyOfRange(body, 0, 1), curl(false, "-r", "0-0", u));
        String metrics = new String(curl(false, url(server.adminAddress(), "/metrics")), StandardCharsets.UTF_8);
        assertTrue(metrics.contains("origin_disk_reads_total{backend=\""), metrics);
        assertTrue(metrics.contains("origin_disk_read_latency_seconds_bucket"), metrics);
        assertTrue(metrics.contains("origin_disk_read_errors_total{backend=\"io_uring\",kind=\"short_read\"} 0")
                || metrics.contains("origin_disk_read_errors_total{backend=\"nvme\",kind=\"short_read\"} 0"), metrics);
        long reads = (long) PrometheusText.sum(metrics, "origin_disk_reads_total", null);
        assertTrue(reads >= 4, "reads counted: " + reads);
    }

    /** Records read by DiskRegionSource straight into the seal buffer. */
    @Test
    void httpsBodiesAreReadDirectlyAndSealedInPlace() throws Exception {
        httpsBodiesAreReadDirectly("transport");
    }

    @Test
    void httpsBodiesAreReadDirectlyAndEncryptedBySslHandler() throws Exception {
        httpsBodiesAreReadDirectly("sslhandler");
    }

    private void httpsBodiesAreReadDirectly(String recordLayer) throws Exception {
        byte[] body = random(700_001, 5);
        Path file = Files.write(root.resolve("tls.m4s"), body);
        Path tls = Files.createDirectories(root.resolve(".tls"));
        org.diskcryptnet.origin.tls.SelfSignedCertificate.write(tls.resolve("cert.pem"), tls.resolve("key.pem"),
                org.diskcryptnet.origin.tls.SelfSignedCertificate.KeyType.EC_P256, "localhost", List.of("localhost"),
                List.of("127.0.0.1"), java.time.Duration.ofDays(1));
        dropFromCache(List.of(file));
        server = start("direct", ConfigSource.empty()
                .override("listen.https", "127.0.0.1:0", "test")
                .override("tls.certificate", tls.resolve("cert.pem").toString(), "test")
                .override("tls.private_key", tls.resolve("key.pem").toString(), "test")
                .override("tls.record_layer", recordLayer, "test"));
        String u = "https://127.0.0.1:" + server.httpsAddress().getPort() + "/tls.m4s";
        assertArrayEquals(body, curl(false, "-k", u));
        assertArrayEquals(Arrays.copyOfRange(body, 4097, 300_000), curl(false, "-k", "-r", "4097-299999", u));
        assertCloseNotifyEndsAClosingResponse(server.httpsAddress().getPort(), body.length);
        assertEquals(0, resident(List.of(file)), "HTTPS with storage direct must not fill the page cache either");
        String metrics = new String(curl(false, url(server.adminAddress(), "/metrics")), StandardCharsets.UTF_8);
        assertTrue((long) PrometheusText.sum(metrics, "origin_disk_read_bytes_total", null) >= body.length, metrics);
    }

    /** RFC 8446 §6.1: a response that closes the connection ends with close_notify, not a bare FIN. */
    private static void assertCloseNotifyEndsAClosingResponse(int port, int bodyLength) throws Exception {
        Process p = new ProcessBuilder("openssl", "s_client", "-connect", "127.0.0.1:" + port, "-quiet", "-ign_eof")
                .start();
        p.getOutputStream().write("GET /tls.m4s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
                .getBytes(StandardCharsets.US_ASCII));
        p.getOutputStream().close();
        var err = new ByteArrayOutputStream();
        Thread drain = Thread.ofVirtual().start(() -> {
            try {
                p.getErrorStream().transferTo(err);
            } catch (IOException ignored) {
                // the process is gone; what was read is asserted on
            }
        });
        byte[] out = p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "s_client did not finish");
        drain.join();
        String stderr = err.toString(StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), stderr);
        assertFalse(stderr.contains("unexpected eof"), "no close_notify before the FIN: " + stderr);
        assertTrue(out.length > bodyLength, "whole response read: " + out.length);
    }

    @Test
    void directLeavesThePageCacheAloneWhileBufferedFillsIt() throws Exception {
        long total = Long.getLong("dcn.pagecache.bytes", 128L << 20);
        int chunk = 4 << 20;
        int files = (int) Math.max(1, total / chunk);
        List<Path> paths = new ArrayList<>();
        byte[] data = random(chunk, 2);
        for (int i = 0; i < files; i++) {
            data[0] = (byte) i; // distinct files
            paths.add(Files.write(root.resolve("c" + i + ".m4s"), data));
        }
        for (String mode : List.of("direct", "buffered")) {
            dropFromCache(paths);
            assertEquals(0, resident(paths), "could not start " + mode + " from a cold cache");
            server = start(mode);
            List<String> args = new ArrayList<>();
            for (int i = 0; i < files; i++) {
                args.add(url(server.httpAddress(), "/c" + i + ".m4s"));
                args.add("-o");
                args.add("/dev/null");
            }
            args.add("-w");
            args.add("%{size_download}\n");
            String sizes = new String(curl(false, args.toArray(String[]::new)), StandardCharsets.US_ASCII);
            assertEquals((long) files * chunk, sizes.lines().mapToLong(Long::parseLong).sum(), mode + " served it all");
            long pages = resident(paths);
            long filePages = (long) files * chunk / Mman.PAGE_SIZE;
            System.out.printf("page cache after serving %d MiB with storage %s: %d of %d pages resident%n",
                    (long) files * chunk >> 20, mode, pages, filePages);
            if (mode.equals("direct")) {
                assertEquals(0, pages, "storage direct must not bring content into the page cache");
            } else {
                assertTrue(pages > filePages * 9 / 10, "storage buffered serves from the page cache: " + pages);
            }
            server.close();
            server = null;
        }
    }

    @Test
    void aFileTruncatedUnderLoadEndsOnlyItsResponses() throws Exception {
        byte[] big = random(32 << 20, 3);
        byte[] small = random(2 << 20, 4);
        Files.write(root.resolve("victim.m4s"), big);
        Files.write(root.resolve("other.m4s"), small);
        server = start("direct");
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        List<java.util.concurrent.CompletableFuture<byte[]>> victims = new ArrayList<>();
        List<java.util.concurrent.CompletableFuture<byte[]>> others = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            // --limit-rate makes the victims' responses last seconds, so the truncation hits them mid-way
            victims.add(java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                try {
                    return curl(true, "--limit-rate", "8M", url(server.httpAddress(), "/victim.m4s"));
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            }));
        }
        Thread.sleep(500);
        try (RandomAccessFile raf = new RandomAccessFile(root.resolve("victim.m4s").toFile(), "rw")) {
            raf.setLength(1 << 20);
        }
        for (int i = 0; i < 8; i++) {
            others.add(client.sendAsync(HttpRequest.newBuilder(URI.create(url(server.httpAddress(), "/other.m4s"))).build(),
                    HttpResponse.BodyHandlers.ofByteArray()).thenApply(HttpResponse::body));
        }
        for (var f : others) {
            assertArrayEquals(small, f.get(60, TimeUnit.SECONDS), "another file's response was affected");
        }
        for (var f : victims) {
            byte[] got = f.get(60, TimeUnit.SECONDS);
            assertTrue(got.length < big.length, "a truncated file's response must end early, got " + got.length);
            assertArrayEquals(Arrays.copyOf(big, got.length), got, "bytes before the truncation are right");
        }
        String metrics = new String(curl(false, url(server.adminAddress(), "/metrics")), StandardCharsets.UTF_8);
        assertTrue(metrics.lines().anyMatch(l -> l.startsWith("origin_disk_read_errors_total{")
                && l.contains("kind=\"short_read\"") && !l.endsWith(" 0.0") && !l.endsWith(" 0")), metrics);
    }

    private static void dropFromCache(List<Path> paths) throws IOException {
        for (Path p : paths) {
            int fd = Fcntl.open(p.toString(), Fcntl.O_RDONLY | Fcntl.O_CLOEXEC);
            try {
                Fcntl.dropFromPageCache(fd);
            } finally {
                Fcntl.close(fd);
            }
        }
    }

    private static long resident(List<Path> paths) throws IOException {
        long pages = 0;
        for (Path p : paths) {
            int fd = Fcntl.open(p.toString(), Fcntl.O_RDONLY | Fcntl.O_CLOEXEC);
            try {
                pages += Mman.residentPages(fd, Files.size(p));
            } finally {
                Fcntl.close(fd);
            }
        }
        return pages;
    }
}
