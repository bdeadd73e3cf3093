package org.diskcryptnet.bench.system.variant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NginxVariantTest {

    @TempDir
    Path dir;

    private Variant.Launch prepare(NginxVariant v) throws Exception {
        Files.writeString(dir.resolve("cert.pem"), "");
        return v.prepare(new Variant.Context(dir.resolve("www"), "127.0.0.1", 18899, dir.resolve(v.name()),
                dir.resolve("cert.pem"), dir.resolve("key.pem"), 2, dir, 20000, "dcnbtestp"));
    }

    @Test
    void directioUsesThreadPoolsAndAWholeChunkBufferWithoutOpenFileCache() throws Exception {
        String conf = prepare(new NginxVariant("x", NginxVariant.Mode.DIRECTIO_OB, 2)).configuration();
        assertTrue(conf.contains("directio 4k;"), conf);
        assertTrue(conf.contains("aio threads;"), conf);
        assertTrue(conf.contains("output_buffers 1 300k;"), conf);
        assertTrue(conf.contains("sendfile off;"), conf);
        assertTrue(conf.contains("worker_processes 2;"), conf);
        assertTrue(conf.contains("access_log off;"), conf);
        assertFalse(conf.contains("open_file_cache"), "open_file_cache with directio gives pread() EINVAL on this build");
        assertFalse(conf.contains("aio on"), "Debian's build has no file AIO");
    }

    @Test
    void httpsIsTls13WithAes128GcmOnly() throws Exception {
        String conf = prepare(new NginxVariant("x", NginxVariant.Mode.HTTPS, 1)).configuration();
        assertTrue(conf.contains("ssl_protocols       TLSv1.3;"), conf);
        assertTrue(conf.contains("ssl_conf_command    Ciphersuites TLS_AES_128_GCM_SHA256;"), conf);
        assertTrue(conf.contains("127.0.0.1:18899 ssl backlog=65535"), conf);
    }

    @Test
    void everyGeneratedConfigurationPassesNginxItsOwnCheck() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/sbin/nginx")), "nginx is not installed: run scripts/install-test-deps");
        assumeTrue(new String(new ProcessBuilder("id", "-u").start().getInputStream().readAllBytes()).strip().equals("0"),
                "nginx -t with `user www-data` needs root");
        Path cert = dir.resolve("c.pem"), key = dir.resolve("k.pem");
        Process gen = new ProcessBuilder("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", key.toString(), "-out", cert.toString(),
                "-days", "1", "-subj", "/CN=t").redirectErrorStream(true).start();
        gen.getInputStream().readAllBytes();
        assertEquals(0, gen.waitFor());
        Files.createDirectories(dir.resolve("www"));
        List<String> failures = new ArrayList<>();
        for (Variant v : Variants.all(2)) {
            if (!(v instanceof NginxVariant n)) {
                continue;
            }
            Variant.Launch l = n.prepare(new Variant.Context(dir.resolve("www"), "127.0.0.1", 18899, dir.resolve(n.name()),
                    cert, key, 2, dir, 20000, "dcnbtestp"));
            List<String> cmd = new ArrayList<>(l.command());
            cmd.add("-t");
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes());
            if (p.waitFor() != 0) {
                failures.add(n.name() + ": " + out);
            }
        }
        assertTrue(failures.isEmpty(), String.join("\n", failures));
    }
}
