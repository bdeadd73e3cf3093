package org.diskcryptnet.it.origin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

import org.diskcryptnet.it.support.OriginProcess;
import org.diskcryptnet.it.support.Proc;
import org.diskcryptnet.it.support.RawHttp;
import org.diskcryptnet.it.support.TestCatalog;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** SIGTERM: stop accepting, let the response in flight finish, close idle connections, exit 0. */
class GracefulShutdownIT {

    @TempDir
    Path dir;

    @Test
    void responseInFlightFinishesAndTheProcessExitsZero() throws Exception {
        Proc.require("curl");
        TestCatalog catalog = new TestCatalog(Files.createDirectories(dir.resolve("www")));
        Path big = catalog.file("big.mp4", 6_000_000);
        try (OriginProcess origin = OriginProcess.start(dir, Duration.ofMinutes(5), "serve", "--root",
                catalog.root().toString(), "--http", "127.0.0.1:0", "--admin", "127.0.0.1:0", "--access-log", "off",
                "--set", "server.drain_timeout=20s");
             RawHttp idle = new RawHttp(origin.http(), 5000)) {
            assertEquals(200, idle.send("GET /big.mp4 HTTP/1.1\r\nHost: x\r\nRange: bytes=0-0\r\n\r\n").read().status() - 6);
            String url = "http://127.0.0.1:" + origin.http().getPort() + "/big.mp4";
            Path out = dir.resolve("download");
            // ~3 s at 2 MB/s: SIGTERM arrives in the middle
            CompletableFuture<Proc.Result> download = CompletableFuture.supplyAsync(() -> Proc.run(Duration.ofSeconds(60),
                    "curl", "-s", "-S", "--limit-rate", "2M", "-o", out.toString(), "-w", "%{http_code}", url));
            Thread.sleep(1000);
            long sent = System.nanoTime();
            int exit = origin.terminate(Duration.ofSeconds(30));
            Proc.Result r = download.join();
            assertEquals(0, exit, origin.stderr());
            assertEquals("200", r.out(), r.toString());
            assertEquals(TestCatalog.sha256(big), TestCatalog.sha256(out), "the download in flight completed intact");
            assertTrue(idle.closedByServer(), "the idle keep-alive connection was closed");
            assertTrue((System.nanoTime() - sent) / 1_000_000_000 < 20, "exit came before the drain timeout");
            assertThrows(IOException.class, () -> {
                try (Socket s = new Socket("127.0.0.1", origin.http().getPort())) {
                    s.getOutputStream().write("GET /big.mp4 HTTP/1.1\r\n\r\n".getBytes());
                    if (s.getInputStream().read() < 0) {
                        throw new IOException("closed");
                    }
                }
            }, "no new connections after SIGTERM");
            assertTrue(origin.stderr().contains("stopped"), origin.stderr());
        }
    }

    @Test
    void drainTimeoutCutsWhatIsLeft() throws Exception {
        Proc.require("curl");
        TestCatalog catalog = new TestCatalog(Files.createDirectories(dir.resolve("www")));
        // Larger than what the socket buffers of both ends can absorb during the 1 s drain: with a tcp_rmem maximum
        // of 32 MiB (as on these machines) a 20 MB body once fitted in them whole and nothing was left to cut.
        catalog.file("big.mp4", 200_000_000);
        try (OriginProcess origin = OriginProcess.start(dir, Duration.ofMinutes(5), "serve", "--root",
                catalog.root().toString(), "--http", "127.0.0.1:0", "--admin", "off", "--access-log", "off",
                "--set", "server.drain_timeout=1s")) {
            String url = "http://127.0.0.1:" + origin.http().getPort() + "/big.mp4";
            CompletableFuture<Proc.Result> download = CompletableFuture.supplyAsync(() -> Proc.run(Duration.ofSeconds(60),
                    "curl", "-s", "--limit-rate", "1M", "-o", "/dev/null", "-w", "%{http_code} %{size_download}", url));
            Thread.sleep(1000);
            assertEquals(0, origin.terminate(Duration.ofSeconds(20)));
            Proc.Result r = download.join();
            assertTrue(r.exit() != 0, "the slow download was cut: " + r);
            assertTrue(origin.stderr().contains("1 connections cut"), origin.stderr());
        }
    }
}
