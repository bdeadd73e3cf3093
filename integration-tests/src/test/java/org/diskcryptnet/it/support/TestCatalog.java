package org.diskcryptnet.it.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.SplittableRandom;

/** A content root of files with deterministic pseudo-random bytes, and their SHA-256 for comparing bodies. */
public final class TestCatalog {

    private final Path root;

    public TestCatalog(Path root) {
        this.root = root;
    }

    public Path root() {
        return root;
    }

    /** Writes {@code size} bytes derived from {@code name} at {@code root/name}; returns the path. */
    public Path file(String name, long size) {
        Path p = root.resolve(name);
        try {
            Files.createDirectories(p.getParent());
            SplittableRandom random = new SplittableRandom(name.hashCode() * 31L + size);
            byte[] chunk = new byte[64 * 1024];
            try (var out = Files.newOutputStream(p)) {
                long left = size;
                while (left > 0) {
                    random.nextBytes(chunk);
                    int n = (int) Math.min(chunk.length, left);
                    out.write(chunk, 0, n);
                    left -= n;
                }
            }
            return p;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static String sha256(byte[] bytes) {
        return HexFormat.of().formatHex(digest().digest(bytes));
    }

    public static String sha256(Path file) {
        return sha256(file, 0, -1);
    }

    /** SHA-256 of {@code length} bytes of {@code file} from {@code offset} (-1: to the end). */
    public static String sha256(Path file, long offset, long length) {
        try {
            byte[] all = Files.readAllBytes(file);
            int end = length < 0 ? all.length : (int) (offset + length);
            MessageDigest md = digest();
            md.update(all, (int) offset, end - (int) offset);
            return HexFormat.of().formatHex(md.digest());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static MessageDigest digest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }
}
