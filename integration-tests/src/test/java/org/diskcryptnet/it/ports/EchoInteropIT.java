package org.diskcryptnet.it.ports;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The userspace stack against Linux's TCP, through each kernel-facing port: {@code origin echo} in one namespace,
 * kernel clients in the other (on TAP, the kernel end of the device). Bytes are checked with SHA-256 in both
 * directions: the kernel sending (echo: the stack receives every byte and sends it back) and the stack sending
 * (source: a chargen stream produced on demand). Sizes: {@code -Ddcn.interop.bytes} (default 16 MiB per direction,
 * sized for CI; the 1 GB is the same test with {@code -Ddcn.interop.bytes=1073741824}).
 */
@Timeout(value = 600, unit = TimeUnit.SECONDS)
class EchoInteropIT {

    static final long BYTES = Long.getLong("dcn.interop.bytes", 16L << 20);
    /** The bound on one transfer: generous for a loaded 2-core CI machine (a few Mbit/s suffice). */
    static final long BOUND_SECONDS = Long.getLong("dcn.interop.seconds", 120);

    /** Runs a transfer with a bound; past it, fails with what the tool printed (its counters) instead of hanging. */
    static <T> T within(EchoLink link, java.util.concurrent.Callable<T> transfer) throws Exception {
        var future = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor().submit(transfer);
        try {
            return future.get(BOUND_SECONDS, TimeUnit.SECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            future.cancel(true);
            throw new AssertionError("transfer through " + link.variant + " did not finish in " + BOUND_SECONDS + " s:\n"
                    + link.stop());
        }
    }

    @ParameterizedTest
    @EnumSource(PortVariant.class)
    void kernelSendsAndGetsEveryByteBack(PortVariant variant) throws Exception {
        try (EchoLink link = new EchoLink(variant)) {
            link.start("--mode", "echo");
            KernelClient.Echo echo;
            try (SocketChannel c = link.connect()) {
                echo = within(link, () -> KernelClient.echo(c, BYTES, 42));
            }
            String out = link.stop();
            assertEquals(BYTES, echo.received().bytes(), "bytes echoed through " + variant + "\n" + out);
            assertEquals(echo.sent().sha256(), echo.received().sha256(), "SHA-256 of what came back");
            // every byte received once by the stack (retransmissions count in tx, so tx may exceed)
            assertTrue(out.contains("payload rx " + BYTES + " B tx "), out);
            System.out.printf("%s echo %d B: %.1f Mbit/s each way%n%s%n", variant, BYTES, echo.received().megabitsPerSecond(),
                    out.lines().filter(l -> l.startsWith("echo: stack") || l.startsWith("echo: port")).toList());
        }
    }

    @ParameterizedTest
    @EnumSource(PortVariant.class)
    void stackSendsAChargenStreamByteExact(PortVariant variant) throws Exception {
        try (EchoLink link = new EchoLink(variant)) {
            link.start("--mode", "source", "--bytes", "" + BYTES);
            KernelClient.Transfer t;
            try (SocketChannel c = link.connect()) {
                c.shutdownOutput();
                t = within(link, () -> KernelClient.readToEnd(c));
            }
            String out = link.stop();
            assertEquals(BYTES, t.bytes(), "bytes from the stack through " + variant + "\n" + out);
            assertEquals(KernelClient.chargenSha256(BYTES), t.sha256());
            System.out.printf("%s source %d B: %.1f Mbit/s%n", variant, BYTES, t.megabitsPerSecond());
        }
    }

    @ParameterizedTest
    @EnumSource(PortVariant.class)
    void curlReadsTheStreamToTheStacksFin(PortVariant variant) throws Exception {
        long bytes = 1 << 20;
        try (EchoLink link = new EchoLink(variant)) {
            link.start("--mode", "source", "--bytes", "" + bytes);
            Path file = Files.createTempFile("dcnp-curl", ".bin");
            try {
                // curl's telnet:// is a plain TCP client: it prints what the server sends until the server's FIN
                var r = link.net.execStatus(link.kernelNs, "curl", "-sS", "--max-time", "60", "-o", file.toString(),
                        "telnet://" + EchoLink.STACK_IP + ":" + EchoLink.PORT);
                assertEquals(0, r.status(), "curl: " + r.output() + "\n" + link.output());
                byte[] got = Files.readAllBytes(file);
                assertEquals(bytes, got.length);
                assertEquals(KernelClient.chargenSha256(bytes),
                        HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(got)));
            } finally {
                Files.deleteIfExists(file);
                link.stop();
            }
        }
    }
}
