package org.diskcryptnet.it.support;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.diskcryptnet.origin.config.ConfigSource;
import org.diskcryptnet.origin.config.OriginConfig;
import org.diskcryptnet.origin.server.OriginServer;
import org.diskcryptnet.origin.tls.SelfSignedCertificate;

/**
 * An origin started in the test's JVM on loopback with ephemeral ports, configured through the same
 * {@link ConfigSource} keys an operator writes; clients are real programs in other processes.
 */
public final class RunningOrigin implements AutoCloseable {

    private final OriginServer server;
    private final Path certificate;

    private RunningOrigin(OriginServer server, Path certificate) {
        this.server = server;
        this.certificate = certificate;
    }

    public static Builder serving(Path root) {
        return new Builder(root);
    }

    public InetSocketAddress http() {
        return server.httpAddress();
    }

    public InetSocketAddress https() {
        return server.httpsAddress();
    }

    public InetSocketAddress admin() {
        return server.adminAddress();
    }

    public String httpUrl(String path) {
        return "http://127.0.0.1:" + http().getPort() + path;
    }

    /** The HTTPS URL by name, so that clients check the certificate's subjectAltName. */
    public String httpsUrl(String path) {
        return "https://localhost:" + https().getPort() + path;
    }

    public Path certificate() {
        return certificate;
    }

    public OriginServer server() {
        return server;
    }

    @Override
    public void close() {
        server.close();
    }

    public static final class Builder {
        private final Path root;
        private final Map<String, String> settings = new LinkedHashMap<>();
        private Path tlsDir;
        private SelfSignedCertificate.KeyType keyType = SelfSignedCertificate.KeyType.EC_P256;

        Builder(Path root) {
            this.root = root;
            settings.put("listen.http", "127.0.0.1:0");
            settings.put("listen.admin", "127.0.0.1:0");
            settings.put("access_log.path", "off");
            settings.put("server.event_loops", "2");
        }

        public Builder set(String key, String value) {
            settings.put(key, value);
            return this;
        }

        /** Adds an HTTPS listener with a fresh self-signed certificate for localhost written into {@code dir}. */
        public Builder https(Path dir, SelfSignedCertificate.KeyType type) {
            this.tlsDir = dir;
            this.keyType = type;
            settings.put("listen.https", "127.0.0.1:0");
            return this;
        }

        public Builder https(Path dir) {
            return https(dir, SelfSignedCertificate.KeyType.EC_P256);
        }

        public RunningOrigin start() throws Exception {
            Path cert = null;
            ConfigSource source = ConfigSource.empty();
            source.override("content.root", root.toString(), "test");
            if (tlsDir != null) {
                cert = tlsDir.resolve("localhost.crt");
                Path key = tlsDir.resolve("localhost.key");
                SelfSignedCertificate.write(cert, key, keyType, "localhost", List.of("localhost"),
                        List.of("127.0.0.1"), Duration.ofDays(2));
                source.override("tls.certificate", cert.toString(), "test");
                source.override("tls.private_key", key.toString(), "test");
            }
            settings.forEach((k, v) -> source.override(k, v, "test"));
            return new RunningOrigin(OriginServer.start(OriginConfig.bind(source)), cert);
        }
    }
}
