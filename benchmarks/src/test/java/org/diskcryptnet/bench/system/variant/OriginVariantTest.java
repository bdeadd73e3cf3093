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
                dir.resolve("c.pem"), dir.resolve("k.pem"), 2, dir, 20000, "dcnbtestp"));
        assertEquals(List.of(dir.resolve("origin").toString(), "serve", "--config",
                dir.resolve("srv/origin.yaml").toString(), "--set", "tls.record_layer=sslhandler"), l.command());
        String c = l.configuration();
        assertTrue(c.contains("http: off") && c.contains("https: 198.18.80.1:18811"), c);
        assertTrue(c.contains("admin: off") && c.contains("path: off"), c);
        assertTrue(c.contains("protocols: [TLSv1.3]") && c.contains("transport: epoll"), c);
        assertTrue(c.contains("storage: buffered"), c);
    }

    @Test
    void theNetmapVariantTakesThePacketInterfaceWholeAtTheStacksOwnAddress() throws Exception {
        Variant v = Variants.all(2).stream().filter(x -> x.name().equals("origin-netmap-direct-https"))
                .findFirst().orElseThrow();
        assertTrue(v.userspaceStack());
        assertEquals("nginx-https-directio-w2", v.peer());
        Variant.Launch l = v.prepare(new Variant.Context(dir.resolve("www"), "198.18.81.1", 18812, dir.resolve("srv"),
                dir.resolve("c.pem"), dir.resolve("k.pem"), 2, dir, 20000, "dcnb42p"));
        String c = l.configuration();
        assertTrue(c.contains("transport: xdp:dcnb42p\n"), c);
        assertTrue(c.contains("  address: 198.18.81.1/24\n") && c.contains("https: 198.18.81.1:18812"), c);
        assertTrue(c.contains("storage: direct") && c.contains("event_loops: 0"), c);
    }

    @Test
    void thePacketVariantRunsTheSameStackOnAfPacketWithOffloads() throws Exception {
        Variant v = Variants.all(2).stream().filter(x -> x.name().equals("origin-packet-offloads-direct-https"))
                .findFirst().orElseThrow();
        assertTrue(v.userspaceStack());
        Variant.Launch l = v.prepare(new Variant.Context(dir.resolve("www"), "198.18.82.1", 18815, dir.resolve("srv4"),
                dir.resolve("c.pem"), dir.resolve("k.pem"), 2, dir, 20000, "dcnb42p"));
        String c = l.configuration();
        assertTrue(c.contains("transport: packet:dcnb42p\n") && c.contains("  address: 198.18.82.1/24\n"), c);
        assertEquals(List.of("--set", "server.offloads=on"), l.command().subList(4, 6));
    }

    @Test
    void kernelTransportsHaveNoStackAddress() throws Exception {
        Variant v = Variants.all(2).stream().filter(x -> x.name().equals("origin-epoll-direct-http"))
                .findFirst().orElseThrow();
        String c = v.prepare(new Variant.Context(dir.resolve("www"), "198.18.80.1", 18813, dir.resolve("srv2"),
                dir.resolve("c.pem"), dir.resolve("k.pem"), 2, dir, 20000, "dcnb42p")).configuration();
        assertTrue(!v.userspaceStack() && !c.contains("address:") && c.contains("transport: epoll\n"), c);
    }

    @Test
    void aDashDSettingBecomesASystemPropertyOfTheOriginsJvm() throws Exception {
        Variant v = Variants.all(2).stream().filter(x -> x.name().equals("origin-netmap-direct-https-stack-checksums"))
                .findFirst().orElseThrow();
        Variant.Launch l = v.prepare(new Variant.Context(dir.resolve("www"), "198.18.81.1", 18814, dir.resolve("srv3"),
                dir.resolve("c.pem"), dir.resolve("k.pem"), 2, dir, 20000, "dcnb42p"));
        assertEquals(List.of(dir.resolve("origin").toString(), "serve", "--config",
                dir.resolve("srv3/origin.yaml").toString()), l.command());
        assertTrue(l.environment().get("ORIGIN_JAVA_OPTS").contains("-Dorg.diskcryptnet.xdp.txChecksumOffload=false"),
                l.environment().toString());
    }
}
