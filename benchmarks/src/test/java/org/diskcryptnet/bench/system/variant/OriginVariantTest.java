package org.diskcryptnet.bench.system.variant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OriginVariantTest {

    @TempDir
    Path dir;

    @Test
    void oneListenerNoAdminNoAccessLogAndExtraSettingsAsSetFlags() throws Exception {
        Variant v = Variants.all(2).stream().filter(x -> x.name().equals("origin-epoll-buffered-https-sslhandler"))
                .findFirst().orElseThrow();
        Variant.Launch l = v.prepare(new Variant.Context(dir.resolve("www"), "198.18.80.1", 18811, dir.resolve("srv"),
                dir.resolve("c.pem"), dir.resolve("k.pem"), 2, dir, 20000));
        assertEquals(List.of(dir.resolve("origin").toString(), "serve", "--config",
                dir.resolve("srv/origin.yaml").toString(), "--set", "tls.record_layer=sslhandler"), l.command());
        String c = l.configuration();
        assertTrue(c.contains("http: off") && c.contains("https: 198.18.80.1:18811"), c);
        assertTrue(c.contains("admin: off") && c.contains("path: off"), c);
        assertTrue(c.contains("protocols: [TLSv1.3]") && c.contains("transport: epoll"), c);
        assertTrue(c.contains("storage: buffered"), c);
    }
}
