package org.diskcryptnet.origin.demo;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.List;

import org.diskcryptnet.origin.tls.SelfSignedCertificate;

/**
 * Writes the demo: a catalog (an HLS and a DASH ladder of real H.264 media, made by
 * {@code origin-app/src/demo/make-demo-catalog} and shipped in the jar), a self-signed certificate for
 * localhost, and a configuration file that serves them. Layout of {@code DIR}:
 * <pre>
 *   DIR/catalog/   the content root: hls/master.m3u8, dash/manifest.mpd, media/v{0,1,2}/...
 *   DIR/tls/       localhost.crt, localhost.key (outside the content root, so never served)
 *   DIR/origin.yaml
 * </pre>
 * Files already present with the right content are kept, so running the demo twice reuses the directory.
 */
public final class DemoCatalog {

    private static final String RESOURCES = "/org/diskcryptnet/origin/demo/catalog/";

    private final Path dir;

    public DemoCatalog(Path dir) {
        this.dir = dir.toAbsolutePath().normalize();
    }

    public Path contentRoot() {
        return dir.resolve("catalog");
    }

    public Path certificate() {
        return dir.resolve("tls/localhost.crt");
    }

    public Path privateKey() {
        return dir.resolve("tls/localhost.key");
    }

    public Path configFile() {
        return dir.resolve("origin.yaml");
    }

    /** Writes whatever is missing or different; returns the number of files written. */
    public int write() throws IOException, GeneralSecurityException {
        int written = 0;
        for (String name : index()) {
            Path target = contentRoot().resolve(name);
            byte[] bytes = resource(name);
            if (Files.isRegularFile(target) && Files.size(target) == bytes.length
                    && java.util.Arrays.equals(Files.readAllBytes(target), bytes)) {
                continue;
            }
            Files.createDirectories(target.getParent());
            Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
            Files.write(tmp, bytes);
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            written++;
        }
        if (!Files.isRegularFile(certificate()) || !Files.isRegularFile(privateKey())) {
            Files.createDirectories(certificate().getParent());
            SelfSignedCertificate.write(certificate(), privateKey(), SelfSignedCertificate.KeyType.EC_P256,
                    "localhost", List.of("localhost"), List.of("127.0.0.1", "::1"), Duration.ofDays(365));
            written += 2;
        }
        if (!Files.isRegularFile(configFile())) {
            Files.writeString(configFile(), configText(), StandardCharsets.UTF_8);
            written++;
        }
        return written;
    }

    /** The files of the catalog, relative to the content root. */
    public static List<String> index() {
        return new String(resource("index.txt"), StandardCharsets.UTF_8).lines().filter(l -> !l.isBlank()).toList();
    }

    private static byte[] resource(String name) {
        try (InputStream in = DemoCatalog.class.getResourceAsStream(RESOURCES + name)) {
            if (in == null) {
                throw new IllegalStateException("demo resource missing from the build: " + name);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String configText() {
        return """
                # Written by `./origin demo`. Serve it again with: ./origin serve --config <this file>
                # Relative paths are taken from this file's directory.
                content:
                  root: catalog
                  storage: buffered
                listen:
                  http: 127.0.0.1:8080
                  https: 127.0.0.1:8443
                  admin: 127.0.0.1:9464
                tls:
                  certificate: tls/localhost.crt
                  private_key: tls/localhost.key
                cors:
                  allowed_origins: ["*"]
                access_log:
                  path: stdout
                """;
    }
}
