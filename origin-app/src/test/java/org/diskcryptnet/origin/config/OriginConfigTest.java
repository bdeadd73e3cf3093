package org.diskcryptnet.origin.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OriginConfigTest {

    @TempDir
    Path dir;

    private Path write(String yaml) throws Exception {
        Files.createDirectories(dir.resolve("www"));
        Path file = dir.resolve("origin.yaml");
        Files.writeString(file, yaml);
        return file;
    }

    private List<String> problems(String yaml) throws Exception {
        ConfigException e = assertThrows(ConfigException.class, () -> OriginConfig.bind(ConfigSource.load(write(yaml))));
        return e.problems().stream().map(ConfigProblem::toString).toList();
    }

    @Test
    void minimalFileGetsDefaults() throws Exception {
        OriginConfig c = OriginConfig.bind(ConfigSource.load(write("content:\n  root: www\n")));
        assertEquals(dir.resolve("www"), c.contentRoot());
        // direct by default wherever io_uring works (transport-diskmap's probe), buffered otherwise
        assertEquals(org.diskcryptnet.origin.storage.DirectFileBodies.available() ? OriginConfig.Storage.DIRECT
                : OriginConfig.Storage.BUFFERED, c.storage());
        assertEquals(new ListenAddress("127.0.0.1", 8080), c.http());
        assertNull(c.https());
        assertEquals(Duration.ofSeconds(10), c.requestHeaderTimeout());
        assertEquals(8192, c.maxHeaderBytes());
        assertEquals(4096, c.maxTargetBytes());
        assertEquals(List.of("*"), c.corsAllowedOrigins());
    }

    @Test
    void relativePathsAreTakenFromTheFilesDirectory() throws Exception {
        OriginConfig c = OriginConfig.bind(ConfigSource.load(write("content:\n  root: ./www\n")));
        assertEquals(dir.resolve("www"), c.contentRoot());
    }

    @Test
    void everyProblemIsReportedWithItsLine() throws Exception {
        List<String> p = problems("""
                content:
                  root: www
                  storage: sometimes
                listen:
                  http: 127.0.0.1:99999
                server:
                  keep_alive_timeout: forever
                  max_connections: -5
                  colour: blue
                cors:
                  allowed_origins: [player.example]
                mime_types:
                  ts: not-a-type
                """);
        assertEquals(7, p.size(), String.join("\n", p));
        assertTrue(p.get(0).startsWith(dir.resolve("origin.yaml") + ":3: content.storage"), p.get(0));
        assertTrue(p.stream().anyMatch(s -> s.contains("origin.yaml:5: listen.http") && s.contains("0..65535")), p.toString());
        assertTrue(p.stream().anyMatch(s -> s.contains("origin.yaml:7: server.keep_alive_timeout")), p.toString());
        assertTrue(p.stream().anyMatch(s -> s.contains("origin.yaml:8: server.max_connections")), p.toString());
        assertTrue(p.stream().anyMatch(s -> s.contains("origin.yaml:9: unknown setting server.colour")), p.toString());
        assertTrue(p.stream().anyMatch(s -> s.contains("origin.yaml:11: cors.allowed_origins")), p.toString());
        assertTrue(p.stream().anyMatch(s -> s.contains("origin.yaml:13: mime_types.ts")), p.toString());
    }

    @Test
    void diskQueueSettingsAreReadAndCheckedWithTheirLines() throws Exception {
        OriginConfig c = OriginConfig.bind(ConfigSource.load(write("""
                content:
                  root: www
                  disk:
                    queue_depth: 256
                    chunk_size: 131072
                    pool_chunks: 32
                    read_ahead: 4
                """)));
        assertEquals(new OriginConfig.DiskQueue(256, 131072, 32, 4), c.disk());
        assertEquals(new OriginConfig.DiskQueue(128, 262144, 64, 2),
                OriginConfig.bind(ConfigSource.load(write("content:\n  root: www\n"))).disk());
        List<String> p = problems("""
                content:
                  root: www
                  disk:
                    queue_depth: 2
                    chunk_size: 10000
                    read_ahead: lots
                """);
        assertEquals(3, p.size(), p.toString());
        assertTrue(p.get(0).contains("origin.yaml:4") && p.get(0).contains("out of range 4..4096"), p.toString());
        assertTrue(p.get(1).contains("origin.yaml:5") && p.get(1).contains("not a multiple of 4096"), p.toString());
        assertTrue(p.get(2).contains("origin.yaml:6") && p.get(2).contains("not a whole number"), p.toString());
        List<String> big = problems("content:\n  root: www\n  disk:\n    chunk_size: 16777216\n    pool_chunks: 128\n");
        assertEquals(1, big.size(), big.toString());
        assertTrue(big.getFirst().contains("origin.yaml:5") && big.getFirst().contains("1024 MiB"), big.toString());
    }

    @Test
    void yamlSyntaxErrorNamesTheLine() throws Exception {
        List<String> p = problems("content:\n  root: www\nlisten: [unclosed\nserver:\n  event_loops: 1\n");
        assertEquals(1, p.size());
        assertTrue(p.getFirst().contains("origin.yaml:"), p.getFirst());
        assertTrue(p.getFirst().contains("YAML syntax"), p.getFirst());
    }

    @Test
    void duplicateKeysAreRefused() throws Exception {
        List<String> p = problems("content:\n  root: www\n  root: other\n");
        assertTrue(p.getFirst().contains("origin.yaml:3") && p.getFirst().contains("already set"), p.toString());
    }

    @Test
    void httpsNeedsCertificateAndKey() throws Exception {
        List<String> p = problems("content:\n  root: www\nlisten:\n  https: 127.0.0.1:8443\n");
        assertEquals(2, p.size(), p.toString());
        assertTrue(p.get(0).contains("tls.certificate is not set"), p.toString());
        assertTrue(p.get(1).contains("tls.private_key is not set"), p.toString());
    }

    @Test
    void missingRootAndNothingToServe() throws Exception {
        List<String> p = problems("listen:\n  http: off\n");
        assertTrue(p.stream().anyMatch(s -> s.contains("content.root is not set")), p.toString());
        assertTrue(p.stream().anyMatch(s -> s.contains("nothing to serve")), p.toString());
    }

    @Test
    void tlsProtocolsAreLimitedToOneTwoAndOneThree() throws Exception {
        Files.writeString(dir.resolve("c.pem"), "x");
        Files.writeString(dir.resolve("k.pem"), "x");
        List<String> p = problems("content:\n  root: www\nlisten:\n  https: 127.0.0.1:0\ntls:\n  certificate: c.pem\n"
                + "  private_key: k.pem\n  protocols: [TLSv1.1, TLSv1.3]\n");
        assertEquals(1, p.size(), p.toString());
        assertTrue(p.getFirst().contains("origin.yaml:8: tls.protocols") && p.getFirst().contains("TLSv1.1"), p.toString());
    }

    @Test
    void theHandshakeTimeoutIsADurationAboveZero() throws Exception {
        Files.writeString(dir.resolve("c.pem"), "x");
        Files.writeString(dir.resolve("k.pem"), "x");
        String https = "content:\n  root: www\nlisten:\n  https: 127.0.0.1:0\ntls:\n  certificate: c.pem\n"
                + "  private_key: k.pem\n";
        assertEquals(java.time.Duration.ofSeconds(10), OriginConfig.bind(ConfigSource.load(write(https))).tls()
                .handshakeTimeout(), "Netty's default");
        assertEquals(java.time.Duration.ofSeconds(30), OriginConfig.bind(ConfigSource.load(write(https
                + "  handshake_timeout: 30s\n"))).tls().handshakeTimeout());
        List<String> p = problems(https + "  handshake_timeout: 0s\n");
        assertEquals(1, p.size(), p.toString());
        assertTrue(p.getFirst().contains("origin.yaml:8: tls.handshake_timeout") && p.getFirst().contains("longer than 0"),
                p.toString());
        p = problems(https + "  handshake_timeout: soon\n");
        assertEquals(1, p.size(), p.toString());
        assertTrue(p.getFirst().contains("tls.handshake_timeout") && p.getFirst().contains("not a duration"), p.toString());
    }

    @Test
    void flagsOverrideTheFileAndNameThemselves() throws Exception {
        ConfigSource source = ConfigSource.load(write("content:\n  root: www\n"));
        source.override("listen.http", "0.0.0.0:80", "--http");
        assertEquals(new ListenAddress("0.0.0.0", 80), OriginConfig.bind(source).http());
        source.override("listen.admin", "nonsense", "--admin");
        ConfigException e = assertThrows(ConfigException.class, () -> OriginConfig.bind(source));
        assertEquals("--admin", e.problems().getFirst().where());
    }

    @Test
    void aPortTransportNeedsTheStacksAddress() throws Exception {
        List<String> p = problems("content:\n  root: www\nserver:\n  transport: xdp:veth1@0\n");
        assertEquals(1, p.size(), p.toString());
        assertTrue(p.getFirst().contains("server.address is not set"), p.toString());

        OriginConfig c = OriginConfig.bind(ConfigSource.load(write("content:\n  root: www\nserver:\n  transport: tap:dcn0\n"
                + "  address: 198.18.0.2/24\n  gateway: 198.18.0.1\n  mac: 02:00:00:00:00:02\n")));
        assertEquals("tap:dcn0", c.transport());
        assertEquals(new OriginConfig.Stack("198.18.0.2/24", "198.18.0.1", "02:00:00:00:00:02"), c.stack());
    }

    @Test
    void badPortsAndStackSettingsAreNamed() throws Exception {
        List<String> p = problems("content:\n  root: www\nserver:\n  transport: carrier-pigeon\n");
        assertTrue(p.stream().anyMatch(s -> s.contains("origin.yaml:4: server.transport") && s.contains("not a transport")
                && s.contains("not a port URI")), p.toString());
        assertTrue(p.stream().noneMatch(s -> s.contains("server.address")), "no false alarm: " + p);

        p = problems("content:\n  root: www\nserver:\n  transport: xdp:veth1@0\n  address: 198.18.0.2\n"
                + "  gateway: 300.1.1.1\n");
        assertEquals(2, p.size(), p.toString());
        assertTrue(p.get(0).contains("server.address") && p.get(0).contains("prefix"), p.toString());
        assertTrue(p.get(1).contains("server.gateway"), p.toString());

        p = problems("content:\n  root: www\nserver:\n  transport: epoll\n  address: 198.18.0.2/24\n");
        assertEquals(1, p.size(), p.toString());
        assertTrue(p.getFirst().contains("server.address") && p.getFirst().contains("names no packet port"), p.toString());
    }

    @Test
    void diskSendSettingsAreReadAndCheckedWithTheirLines() throws Exception {
        String port = "content:\n  root: www\nserver:\n  transport: xdp:veth1@0\n  address: 198.18.0.2/24\n";
        OriginConfig c = OriginConfig.bind(ConfigSource.load(write(port
                + "network:\n  disk_send:\n    budget: 1_048_576\n    batch: 32\n    read_ahead: 8192\n")));
        assertEquals(new OriginConfig.DiskSend(1 << 20, 32, 8192), c.diskSend());
        var defaults = org.diskcryptnet.netmap.datapath.DiskSendConfig.defaults(false);
        assertEquals(new OriginConfig.DiskSend(defaults.budgetBytes(), defaults.maxReadsPerBatch(),
                        defaults.readAheadBytes()),
                OriginConfig.bind(ConfigSource.load(write(port))).diskSend(), "unset: the transport's defaults");
        assertEquals(new OriginConfig.DiskSend(512 * 1024, 64, 32 * 1024),
                OriginConfig.bind(ConfigSource.load(write(port))).diskSend(), "unchanged: 512 KiB, 64 reads, 32 KiB");
        assertEquals(-1, OriginConfig.bind(ConfigSource.load(write(port + "network:\n  disk_send:\n    read_ahead: off\n")))
                .diskSend().readAheadBytes(), "off: one read per segment");
        List<String> ahead = problems(port + "network:\n  disk_send:\n    read_ahead: 65537\n");
        assertEquals(1, ahead.size(), ahead.toString());
        assertTrue(ahead.getFirst().contains("origin.yaml:8: network.disk_send.read_ahead")
                && ahead.getFirst().contains("out of range 0..65536"), ahead.toString());
        ahead = problems(port + "network:\n  disk_send:\n    read_ahead: none\n");
        assertTrue(ahead.getFirst().contains("network.disk_send.read_ahead") && ahead.getFirst().contains("not a whole number"),
                ahead.toString());

        List<String> p = problems(port + "network:\n  disk_send:\n    budget: 4096\n    batch: many\n");
        assertEquals(2, p.size(), p.toString());
        assertTrue(p.get(0).contains("origin.yaml:8: network.disk_send.budget") && p.get(0).contains("out of range 65536.."),
                p.toString());
        assertTrue(p.get(1).contains("origin.yaml:9: network.disk_send.batch") && p.get(1).contains("not a whole number"),
                p.toString());
        p = problems(port + "network:\n  disk_send:\n    budget: 2147483648\n    batch: 0\n    depth: 3\n");
        assertEquals(3, p.size(), p.toString());
        assertTrue(p.get(0).contains("origin.yaml:8: network.disk_send.budget") && p.get(0).contains("..1073741824"),
                p.toString());
        assertTrue(p.get(1).contains("origin.yaml:9: network.disk_send.batch") && p.get(1).contains("out of range 1..4096"),
                p.toString());
        assertTrue(p.get(2).contains("origin.yaml:10: unknown setting network.disk_send.depth")
                && p.get(2).contains("network.disk_send.batch, network.disk_send.budget, network.disk_send.read_ahead"), p.toString());

        p = problems("content:\n  root: www\nnetwork:\n  disk_send:\n    budget: 1048576\n");
        assertEquals(1, p.size(), p.toString());
        assertTrue(p.getFirst().contains("origin.yaml:5: network.disk_send.budget")
                && p.getFirst().contains("names no packet port"), p.toString());

        ConfigSource flags = ConfigSource.load(write(port));
        flags.override("network.disk_send.batch", "5000", "--set network.disk_send.batch");
        ConfigException e = assertThrows(ConfigException.class, () -> OriginConfig.bind(flags));
        assertEquals("--set network.disk_send.batch", e.problems().getFirst().where());
    }

    @Test
    void faultsOnAPortAreCheckedAndRefusedWithoutOne() throws Exception {
        OriginConfig c = OriginConfig.bind(ConfigSource.load(write("content:\n  root: www\nserver:\n"
                + "  transport: xdp:veth1@0\n  address: 198.18.0.2/24\n  faults: loss=0.05,reorder=0.05,seed=7\n")));
        assertEquals("loss=0.05,reorder=0.05,seed=7", c.stack().faults());
        c = OriginConfig.bind(ConfigSource.load(write("content:\n  root: www\nserver:\n"
                + "  transport: xdp:veth1@0\n  address: 198.18.0.2/24\n")));
        assertNull(c.stack().faults(), "off by default");

        List<String> p = problems("content:\n  root: www\nserver:\n  transport: xdp:veth1@0\n"
                + "  address: 198.18.0.2/24\n  faults: loss=1.5\n");
        assertEquals(1, p.size(), p.toString());
        assertTrue(p.getFirst().contains("origin.yaml:6: server.faults") && p.getFirst().contains("probability"),
                p.toString());
        p = problems("content:\n  root: www\nserver:\n  transport: xdp:veth1@0\n"
                + "  address: 198.18.0.2/24\n  faults: lost=0.1\n");
        assertTrue(p.getFirst().contains("server.faults") && p.getFirst().contains("unknown fault"), p.toString());
        p = problems("content:\n  root: www\nserver:\n  transport: epoll\n  faults: loss=0.1\n");
        assertEquals(1, p.size(), p.toString());
        assertTrue(p.getFirst().contains("server.faults") && p.getFirst().contains("names none"), p.toString());
    }

    @Test
    void ringSizeIsAPowerOfTwoForAPacketPortOnly() throws Exception {
        OriginConfig c = OriginConfig.bind(ConfigSource.load(write("content:\n  root: www\nserver:\n"
                + "  transport: packet:veth1\n  address: 198.18.0.2/24\n  ring_size: 4096\n")));
        assertEquals(4096, c.stack().ringSize());
        c = OriginConfig.bind(ConfigSource.load(write("content:\n  root: www\nserver:\n"
                + "  transport: packet:veth1\n  address: 198.18.0.2/24\n")));
        assertEquals(0, c.stack().ringSize(), "the ports' default");

        List<String> p = problems("content:\n  root: www\nserver:\n  transport: packet:veth1\n"
                + "  address: 198.18.0.2/24\n  ring_size: 1000\n");
        assertEquals(1, p.size(), p.toString());
        assertTrue(p.getFirst().contains("origin.yaml:6: server.ring_size") && p.getFirst().contains("1000 is not a "
                + "power of two"), p.toString());
        p = problems("content:\n  root: www\nserver:\n  transport: xdp:veth1\n"
                + "  address: 198.18.0.2/24\n  ring_size: 131072\n");
        assertEquals(1, p.size(), p.toString());
        assertTrue(p.getFirst().contains("server.ring_size") && p.getFirst().contains("out of range 8..65536"),
                p.toString());
        p = problems("content:\n  root: www\nserver:\n  transport: epoll\n  ring_size: 2048\n");
        assertEquals(1, p.size(), p.toString());
        assertTrue(p.getFirst().contains("origin.yaml:5: server.ring_size") && p.getFirst().contains("names no packet "
                + "port"), p.toString());
    }

    @Test
    void idleNamesAStrategyForTheStacksLoops() throws Exception {
        for (String idle : List.of("block", "backoff", "busy-poll")) {
            OriginConfig c = OriginConfig.bind(ConfigSource.load(write("content:\n  root: www\nserver:\n"
                    + "  transport: xdp:veth1@0\n  address: 198.18.0.2/24\n  idle: " + idle + "\n")));
            assertEquals(idle, c.stack().idle());
        }
        OriginConfig c = OriginConfig.bind(ConfigSource.load(write("content:\n  root: www\nserver:\n"
                + "  transport: packet:veth1\n  address: 198.18.0.2/24\n")));
        assertEquals("block", c.stack().idle(), "the default");

        List<String> p = problems("content:\n  root: www\nserver:\n  transport: packet:veth1\n"
                + "  address: 198.18.0.2/24\n  idle: spin\n");
        assertEquals(1, p.size(), p.toString());
        assertTrue(p.getFirst().contains("origin.yaml:6: server.idle") && p.getFirst().contains("\"spin\" is not an idle"
                + " strategy: busy-poll, backoff or block"), p.toString());
        p = problems("content:\n  root: www\nserver:\n  transport: epoll\n  idle: busy-poll\n");
        assertEquals(1, p.size(), p.toString());
        assertTrue(p.getFirst().contains("origin.yaml:5: server.idle") && p.getFirst().contains("names no packet port"),
                p.toString());
        c = OriginConfig.bind(ConfigSource.load(write("content:\n  root: www\nserver:\n  transport: epoll\n"
                + "  idle: block\n")));
        assertEquals(null, c.stack(), "block, the default, is no problem on epoll");
    }

    @Test
    void offloadsAreForTapAndPacketPortsOnly() throws Exception {
        for (String port : List.of("packet:veth1", "tap:dcn0")) {
            OriginConfig c = OriginConfig.bind(ConfigSource.load(write("content:\n  root: www\nserver:\n"
                    + "  transport: " + port + "\n  address: 198.18.0.2/24\n  offloads: on\n")));
            assertTrue(c.stack().offloads(), port);
        }
        OriginConfig c = OriginConfig.bind(ConfigSource.load(write("content:\n  root: www\nserver:\n"
                + "  transport: packet:veth1\n  address: 198.18.0.2/24\n")));
        assertTrue(!c.stack().offloads(), "off by default");

        List<String> p = problems("content:\n  root: www\nserver:\n  transport: xdp:veth1@0\n"
                + "  address: 198.18.0.2/24\n  offloads: on\n");
        assertEquals(1, p.size(), p.toString());
        assertTrue(p.getFirst().contains("origin.yaml:6: server.offloads") && p.getFirst().contains("virtio-net header"),
                p.toString());
        p = problems("content:\n  root: www\nserver:\n  transport: packet:veth1\n"
                + "  address: 198.18.0.2/24\n  offloads: yes please\n");
        assertEquals(1, p.size(), p.toString());
        assertTrue(p.getFirst().contains("origin.yaml:6: server.offloads") && p.getFirst().contains("not on or off"),
                p.toString());
        p = problems("content:\n  root: www\nserver:\n  transport: epoll\n  offloads: on\n");
        assertEquals(1, p.size(), p.toString());
        assertTrue(p.getFirst().contains("server.offloads") && p.getFirst().contains("names no packet port"),
                p.toString());
    }

    @Test
    void durations() {
        assertEquals(Duration.ofMillis(250), Durations.parse("250ms"));
        assertEquals(Duration.ofSeconds(10), Durations.parse("10s"));
        assertEquals(Duration.ofSeconds(10), Durations.parse("10"));
        assertEquals(Duration.ofMinutes(5), Durations.parse("5m"));
        assertEquals(Duration.ofHours(1), Durations.parse("1h"));
        assertNull(Durations.parse("1d"));
        assertNull(Durations.parse("-1s"));
        assertNull(Durations.parse("s"));
    }

    @Test
    void exampleConfigurationIsValid() throws Exception {
        Path example = Path.of("src/main/resources/org/diskcryptnet/origin/origin.example.yaml");
        String text = Files.readString(example).replace("/srv/video", dir.resolve("www").toString());
        Files.createDirectories(dir.resolve("www"));
        Path file = dir.resolve("example.yaml");
        Files.writeString(file, text);
        OriginConfig c = OriginConfig.bind(ConfigSource.load(file));
        assertEquals(dir.resolve("www"), c.contentRoot());
    }
}
