package org.diskcryptnet.it.ports;

import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;

import org.diskcryptnet.netmap.diag.Chargen;

/** The kernel's side of the interop tests: Java NIO sockets, bytes checked with SHA-256 as they stream. */
public final class KernelClient {

    private KernelClient() {}

    /** Bytes and their SHA-256 as one side saw them, and how long it took. */
    public record Transfer(long bytes, String sha256, double seconds) {
        public double megabitsPerSecond() {
            return bytes * 8 / 1e6 / seconds;
        }
    }

    /** What was sent and what came back on one echo connection. */
    public record Echo(Transfer sent, Transfer received) {}

    /**
     * Sends {@code bytes} pseudo-random bytes (from {@code seed}), half-closes, and reads until the server's FIN,
     * at the same time.
     */
    public static Echo echo(SocketChannel channel, long bytes, long seed) throws Exception {
        CompletableFuture<Transfer> sending = CompletableFuture.supplyAsync(() -> {
            try {
                return send(channel, bytes, seed);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        Transfer received = readToEnd(channel);
        return new Echo(sending.get(), received);
    }

    public static Transfer send(SocketChannel channel, long bytes, long seed) throws Exception {
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        SplittableRandom random = new SplittableRandom(seed);
        ByteBuffer buffer = ByteBuffer.allocate(1 << 16);
        long start = System.nanoTime();
        long left = bytes;
        while (left > 0) {
            buffer.clear();
            int n = (int) Math.min(buffer.capacity(), left);
            for (int i = 0; i < n; i += 8) {
                long r = random.nextLong();
                for (int j = 0; j < 8 && i + j < n; j++) {
                    buffer.put((byte) (r >>> (8 * j)));
                }
            }
            buffer.flip();
            sha.update(buffer.duplicate());
            while (buffer.hasRemaining()) {
                channel.write(buffer);
            }
            left -= n;
        }
        channel.shutdownOutput();
        return new Transfer(bytes, HexFormat.of().formatHex(sha.digest()), (System.nanoTime() - start) / 1e9);
    }

    public static Transfer readToEnd(SocketChannel channel) throws Exception {
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        ByteBuffer buffer = ByteBuffer.allocate(1 << 16);
        long start = System.nanoTime();
        long total = 0;
        int n;
        while ((n = channel.read(buffer)) >= 0) {
            buffer.flip();
            sha.update(buffer);
            buffer.clear();
            total += n;
        }
        return new Transfer(total, HexFormat.of().formatHex(sha.digest()), (System.nanoTime() - start) / 1e9);
    }

    /** SHA-256 of the first {@code bytes} bytes of the chargen stream (RFC 864) that source mode sends. */
    public static String chargenSha256(long bytes) throws Exception {
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        byte[] period = new byte[Chargen.PERIOD];
        for (int i = 0; i < period.length; i++) {
            period[i] = Chargen.byteAt(i);
        }
        long left = bytes;
        while (left > 0) {
            int n = (int) Math.min(period.length, left);
            sha.update(period, 0, n);
            left -= n;
        }
        return HexFormat.of().formatHex(sha.digest());
    }
}
