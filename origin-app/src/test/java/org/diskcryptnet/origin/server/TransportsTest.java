package org.diskcryptnet.origin.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import org.diskcryptnet.netmap.channel.NetmapLoopStats;
import org.diskcryptnet.netmap.tcp.TcpState;
import org.diskcryptnet.origin.config.ConfigSource;
import org.diskcryptnet.origin.config.OriginConfig;

/**
 * The origin's settings reach the netmap transport's loops: network.disk_send.* becomes each loop's send path, and
 * server.max_connections the connection objects of each loop's TCP layer.
 */
@Timeout(60)
class TransportsTest {

    @TempDir
    Path dir;

    @Test
    void settingsReachEveryLoop() throws Exception {
        Files.createDirectories(dir.resolve("www"));
        Path file = Files.writeString(dir.resolve("origin.yaml"), """
                content:
                  root: www
                server:
                  transport: pipe:transports-test
                  address: 198.18.90.9/24
                  max_connections: 20000
                network:
                  disk_send:
                    budget: 786432
                    batch: 24
                """);
        OriginConfig config = OriginConfig.bind(ConfigSource.load(file));
        Transports t = Transports.select(config, 1);
        assertFalse(t.kernel());
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, t.ioHandlerFactory());
        try {
            group.submit(() -> { }).get(10, TimeUnit.SECONDS); // Netty makes a loop's handler on its first task
            assertEquals(1, t.portLoops().size());
            NetmapLoopStats loop = t.portLoops().getFirst();
            assertEquals(786432, loop.diskSendBudgetBytes());
            assertEquals(24, loop.diskSendBatchReads());
            // every connection the origin admits may land on this loop; then the refused, half-open and closing
            assertEquals(20_000 + 1_024 + 2_500, loop.connections(TcpState.CLOSED), "free connection objects");
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }
}
