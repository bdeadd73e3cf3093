package org.diskcryptnet.bench.system.variant;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * nginx (Debian's 1.22 build) as an operator would tune it for large static files. One configuration per
 * {@link Mode}, with 1 worker or one per core. Pitfalls of this build, seen on these machines: no file AIO
 * ({@code aio on} fails: {@code aio threads} it is), {@code open_file_cache} with {@code directio} gives sporadic
 * {@code pread() EINVAL} (so it stays off), and {@code output_buffers} larger than the file silently drops O_DIRECT
 * (so the buffer is exactly one 300 KiB chunk).
 */
public record NginxVariant(String name, Mode mode, int workers) implements Variant {

    /** How nginx gets the file's bytes into the socket. */
    public enum Mode {
        /** Page cache, {@code sendfile}: nginx's best case when the catalog is cached. */
        SENDFILE("sendfile on; tcp_nopush on", Protocol.HTTP, false,
                "sendfile on;\n            tcp_nopush on;"),
        /** O_DIRECT reads on the default thread pool, default output buffers (2 × 32 KiB). */
        DIRECTIO("directio + aio threads, default output_buffers", Protocol.HTTP, true,
                "sendfile off;\n            directio 4k;\n            directio_alignment 4k;\n            aio threads;"),
        /** O_DIRECT reads on the thread pool into one buffer of a whole chunk: the tuned cold-cache setup. */
        DIRECTIO_OB("directio + aio threads + output_buffers 1 300k", Protocol.HTTP, true,
                "sendfile off;\n            directio 4k;\n            directio_alignment 4k;\n            aio threads;\n"
                        + "            output_buffers 1 300k;"),
        /** TLS 1.3 AES-128-GCM in userspace OpenSSL; the page cache serves the reads (no sendfile through TLS). */
        HTTPS("TLS 1.3 AES-128-GCM (OpenSSL), page cache", Protocol.HTTPS, false,
                "sendfile off;"),
        /** TLS plus O_DIRECT reads on the thread pool into whole-chunk buffers. */
        HTTPS_DIRECTIO("TLS 1.3 AES-128-GCM (OpenSSL), directio + aio threads + output_buffers 1 300k", Protocol.HTTPS,
                true, "sendfile off;\n            directio 4k;\n            directio_alignment 4k;\n            aio threads;\n"
                        + "            output_buffers 1 300k;");

        final String summary;
        final Protocol protocol;
        final boolean direct;
        final String location;

        Mode(String summary, Protocol protocol, boolean direct, String location) {
            this.summary = summary;
            this.protocol = protocol;
            this.direct = direct;
            this.location = location;
        }
    }

    @Override
    public String family() {
        return "nginx";
    }

    @Override
    public Protocol protocol() {
        return mode.protocol;
    }

    @Override
    public boolean bypassesPageCache() {
        return mode.direct;
    }

    @Override
    public String peer() {
        return null;
    }

    @Override
    public String summary() {
        return "nginx 1.22, " + workers + " worker" + (workers == 1 ? "" : "s") + ", " + mode.summary;
    }

    @Override
    public Launch prepare(Context c) throws IOException {
        Path dir = c.dir();
        Files.createDirectories(dir.resolve("logs"));
        Files.createDirectories(dir.resolve("tmp"));
        String tls = mode.protocol == Protocol.HTTPS ? """
                    ssl_certificate     %s;
                    ssl_certificate_key %s;
                    ssl_protocols       TLSv1.3;
                    ssl_conf_command    Ciphersuites TLS_AES_128_GCM_SHA256;
                    ssl_session_cache   off;
            """.formatted(c.certificate(), c.privateKey()) : "";
        String conf = """
            # %s
            daemon off;
            master_process on;
            user www-data;
            worker_processes %d;
            worker_rlimit_nofile %d;
            pid %s;
            error_log %s warn;

            events {
                worker_connections %d;
            }

            http {
                access_log off;
                types { application/octet-stream bin; }
                default_type application/octet-stream;
                keepalive_timeout 75s;
                keepalive_requests 1000000;
                client_body_temp_path %s/body;
                proxy_temp_path %s/proxy;
                fastcgi_temp_path %s/fastcgi;
                uwsgi_temp_path %s/uwsgi;
                scgi_temp_path %s/scgi;

                server {
                    listen %s:%d%s backlog=65535;
                    root %s;
            %s
                    location / {
                        %s
                    }
                }
            }
            """.formatted(summary(), workers, c.fileLimit(), dir.resolve("nginx.pid"), dir.resolve("logs/error.log"),
                c.fileLimit(), dir.resolve("tmp"), dir.resolve("tmp"), dir.resolve("tmp"), dir.resolve("tmp"), dir.resolve("tmp"),
                c.address(), c.port(), mode.protocol == Protocol.HTTPS ? " ssl" : "", c.contentRoot(), tls,
                mode.location);
        Path file = dir.resolve("nginx.conf");
        Files.writeString(file, conf);
        return new Launch(List.of("nginx", "-p", dir.toString(), "-e", dir.resolve("logs/error.log").toString(),
                "-c", file.toString()), Map.of(), "nginx -p " + dir + " -c " + file + "\n\n" + conf);
    }
}
