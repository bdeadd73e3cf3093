package org.diskcryptnet.bench.system.testbed;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.IntStream;

import com.sun.nio.file.ExtendedOpenOption;

/**
 * The deterministic catalog: {@code objects} chunks of exactly 300 KiB (the paper's chunk size), named
 * {@code /c/NNNNNN.bin}, whose bytes are a pure function of (seed, index). Random bytes, so zram cannot compress
 * them and a wrong byte anywhere changes the SHA-256 that the correctness probe compares.
 *
 * <p>Written with O_DIRECT where the filesystem allows, so that generating it leaves nothing in the page cache;
 * an existing catalog with the same manifest is reused (generating 4 GiB takes a while on two shared cores).
 */
public final class Catalog {

    /** 300 KiB: a multiple of 4 KiB, so O_DIRECT reads of whole files need no unaligned tail. */
    public static final int OBJECT_BYTES = 300 * 1024;
    private static final int ALIGN = 4096;

    /** One aligned buffer per generating thread (O_DIRECT needs block-aligned memory). */
    private static final ThreadLocal<ByteBuffer> WRITE_BUFFER =
            ThreadLocal.withInitial(() -> ByteBuffer.allocateDirect(OBJECT_BYTES + ALIGN).alignedSlice(ALIGN));

    private final Path root;
    private final long seed;
    private final int objects;

    private Catalog(Path root, long seed, int objects) {
        this.root = root;
        this.seed = seed;
        this.objects = objects;
    }

    /** The catalog under {@code root}, generated unless an identical one is already there. */
    public static Catalog ensure(Path root, long seed, int objects, PrintStream log) throws IOException {
        Catalog c = new Catalog(root, seed, objects);
        Path manifest = root.resolve("manifest.txt");
        String expected = c.manifest();
        if (Files.isRegularFile(manifest) && Files.readString(manifest).equals(expected) && c.complete()) {
            log.printf("catalog: reusing %d objects (%.2f GiB) in %s%n", objects, c.bytes() / (double) (1L << 30), root);
            return c;
        }
        Files.deleteIfExists(manifest);
        Files.createDirectories(root.resolve("c"));
        long t0 = System.nanoTime();
        log.printf("catalog: writing %d objects (%.2f GiB) to %s ...%n", objects, c.bytes() / (double) (1L << 30), root);
        IntStream.range(0, objects).parallel().forEach(i -> {
            try {
                c.write(i);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        Files.writeString(manifest, expected);
        log.printf("catalog: written in %.1f s%n", (System.nanoTime() - t0) / 1e9);
        return c;
    }

    private String manifest() {
        return "diskcryptnet benchmark catalog v1\nseed=" + seed + "\nobjects=" + objects + "\nobject_bytes=" + OBJECT_BYTES + "\n";
    }

    private boolean complete() throws IOException {
        for (int i = 0; i < objects; i++) {
            Path f = file(i);
            if (!Files.isRegularFile(f) || Files.size(f) != OBJECT_BYTES) {
                return false;
            }
        }
        return true;
    }

    private void write(int index) throws IOException {
        ByteBuffer buf = WRITE_BUFFER.get().clear().limit(OBJECT_BYTES);
        fill(index, buf);
        buf.flip();
        Path f = file(index);
        FileChannel ch;
        try {
            ch = FileChannel.open(f, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING, ExtendedOpenOption.DIRECT);
        } catch (IOException | UnsupportedOperationException noDirect) {
            ch = FileChannel.open(f, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
        }
        try (FileChannel c = ch) {
            while (buf.hasRemaining()) {
                c.write(buf);
            }
            c.force(false);
        }
        PageCache.evict(f);
    }

    /** Object {@code index}'s bytes, little-endian longs from a SplittableRandom seeded by (seed, index). */
    private void fill(int index, ByteBuffer buf) {
        ByteBuffer b = buf.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        SplittableRandom r = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + index);
        while (b.remaining() >= Long.BYTES) {
            b.putLong(r.nextLong());
        }
        buf.position(OBJECT_BYTES);
    }

    /** SHA-256 of object {@code index} as generated (not as read back), in hex. */
    public String sha256(int index) {
        ByteBuffer buf = ByteBuffer.allocate(OBJECT_BYTES);
        fill(index, buf);
        buf.flip();
        try {
            MessageDigest d = MessageDigest.getInstance("SHA-256");
            d.update(buf);
            return HexFormat.of().formatHex(d.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    public Path root() {
        return root;
    }

    public int objects() {
        return objects;
    }

    public long bytes() {
        return (long) objects * OBJECT_BYTES;
    }

    public Path file(int index) {
        return root.resolve("c").resolve(name(index));
    }

    /** The request path of object {@code index}. */
    public static String urlPath(int index) {
        return "/c/" + name(index);
    }

    private static String name(int index) {
        return String.format("%06d.bin", index);
    }

    /** Drops every object from the page cache. */
    public void evictAll() {
        for (int i = 0; i < objects; i++) {
            PageCache.evict(file(i));
        }
    }

    /** Reads the first {@code count} objects through the page cache, so that they are cached (the warm column). */
    public void warm(int count) throws IOException {
        ByteBuffer buf = ByteBuffer.allocateDirect(1 << 20);
        for (int i = 0; i < Math.min(count, objects); i++) {
            try (FileChannel c = FileChannel.open(file(i), StandardOpenOption.READ)) {
                while (c.read(buf.clear()) > 0) {
                    // the read is the point
                }
            }
        }
    }

    /**
     * A wrk script choosing objects {@code [0, count)} uniformly with a seeded Park–Miller generator
     * (x ← 16807·x mod 2³¹−1: exact in Lua's doubles), one stream per wrk thread, so every run of the same
     * arguments requests the same sequence. {@code done()} prints one line of JSON that the runner reads.
     */
    public static String wrkScript(int count, long seed) {
        return String.join("\n", List.of(
                "-- generated by the diskcryptnet system benchmark: uniform random objects of a deterministic catalog",
                "local count = " + count,
                "local seed = " + Math.floorMod(seed, 2147483646L),
                "local threads = 0",
                "function setup(thread)",
                "  threads = threads + 1",
                "  thread:set(\"tid\", threads)",
                "end",
                "local state = 1",
                "function init(args)",
                "  state = (seed + (tid or 0) * 104729) % 2147483646 + 1",
                "end",
                "function request()",
                "  state = (state * 16807) % 2147483647",
                "  return wrk.format(\"GET\", string.format(\"/c/%06d.bin\", state % count))",
                "end",
                "function done(summary, latency, requests)",
                "  local e = summary.errors",
                "  io.write(string.format('WRKJSON {\"duration_us\":%d,\"requests\":%d,\"bytes\":%d,\"connect\":%d,"
                        + "\"read\":%d,\"write\":%d,\"status\":%d,\"timeout\":%d,\"p50_us\":%d,\"p90_us\":%d,"
                        + "\"p99_us\":%d,\"max_us\":%d}\\n',",
                "    summary.duration, summary.requests, summary.bytes, e.connect, e.read, e.write, e.status, e.timeout,",
                "    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max))",
                "end",
                ""));
    }
}
