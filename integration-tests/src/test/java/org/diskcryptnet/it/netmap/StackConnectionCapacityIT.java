package org.diskcryptnet.it.netmap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import org.diskcryptnet.it.support.OriginProcess;
import org.diskcryptnet.it.support.Proc;
import org.diskcryptnet.it.support.PrometheusText;
import org.diskcryptnet.it.support.VethLink;
import org.diskcryptnet.it.support.Wrk;
import org.diskcryptnet.netmap.channel.Netmap;
import org.diskcryptnet.netmap.port.PortUri;

/**
 * {@code server.max_connections} holds on the userspace stack as on kernel sockets: the origin on {@code packet:}
 * with one loop and a limit of 6,000 takes 6,000 persistent connections from wrk at once, each completes its
 * handshake (a crowd that large gets SYN cookies past the SYN backlog), and none is dropped for want of a
 * connection object. Before, each loop had the stack's default of 4,096 objects whatever the limit: the rest of
 * the crowd hung on handshakes the stack could not finish (4,097 opens, 13,552 handshakes dropped), and wrk did
 * not count them as errors.
 */
@Timeout(300)
class StackConnectionCapacityIT {

    private static final int CONNECTIONS = 6_000;
    private static final int FILES = 16;
    private static final int FILE_SIZE = 4_096;

    @TempDir
    Path dir;

    @Test
    void sixThousandConnectionsOnOneLoop() throws Exception {
        Assumptions.assumeTrue(Netmap.isAvailable(PortUri.Kind.PACKET),
                () -> "packet ports unavailable: " + Netmap.unavailabilityCause(PortUri.Kind.PACKET));
        Assumptions.assumeTrue("root".equals(System.getProperty("user.name")), "needs root for network namespaces");
        for (String tool : new String[] {"ip", "ethtool", "wrk", "curl"}) {
            Proc.require(tool);
        }
        Path root = Files.createDirectories(dir.resolve("www"));
        List<String> paths = new ArrayList<>();
        for (int i = 0; i < FILES; i++) {
            byte[] body = new byte[FILE_SIZE];
            Arrays.fill(body, (byte) ('a' + i));
            Files.write(root.resolve("f" + i), body);
            paths.add("/f" + i);
        }
        try (VethLink link = new VethLink("dcnk", "198.18.93.1/24");
             OriginProcess origin = OriginProcess.startIn(link.serverNs, dir, Duration.ofMinutes(3), "serve",
                     "--root", root.toString(), "--http", "0.0.0.0:8080", "--https", "off",
                     "--admin", "127.0.0.1:0", "--access-log", "off", "--event-loops", "1",
                     "--max-connections", Integer.toString(CONNECTIONS),
                     "--transport", "packet:" + link.serverIf, "--address", "198.18.93.2/24")) {
            int admin = origin.admin().getPort();
            double free = PrometheusText.sum(PrometheusText.scrape(link.serverNs, admin),
                    "origin_tcp_connection_objects_free", null);
            assertTrue(free >= CONNECTIONS, "connection objects for server.max_connections: " + free);

            Path script = Wrk.roundRobin(dir.resolve("files.lua"), paths);
            Proc.Result wrk = Proc.run(Duration.ofSeconds(120), "ip", "netns", "exec", link.clientNs, "wrk", "-t2",
                    "-c" + CONNECTIONS, "-d10s", "--timeout", "30s", "-s", script.toString(), "http://198.18.93.2:8080/");
            String metrics = PrometheusText.scrape(link.serverNs, admin);
            String out = Wrk.assertClean(wrk, CONNECTIONS, FILE_SIZE, 1.0);
            double opened = PrometheusText.sum(metrics, "origin_tcp_opens_total", "side=\"passive\"");
            double noSlot = PrometheusText.sum(metrics, "origin_net_drops_total", "reason=\"tcp_no_connection_slot\"");
            double refused = PrometheusText.sum(metrics, "http_server_connections_rejected_total", null);
            System.out.println("wrk -c" + CONNECTIONS + " -d10s on packet:, one loop: " + opened
                    + " passive opens\n" + out);
            assertEquals(0, noSlot, "handshakes dropped for want of a connection object");
            assertTrue(opened >= CONNECTIONS, "every connection of the crowd was opened: " + opened);
            assertEquals(0, refused, "none over server.max_connections");
            assertEquals(0, origin.terminate(Duration.ofSeconds(60)), origin.stderr());
        }
    }
}
