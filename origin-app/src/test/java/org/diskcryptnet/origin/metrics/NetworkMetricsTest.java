package org.diskcryptnet.origin.metrics;

import static org.diskcryptnet.origin.metrics.OriginMetricsTest.value;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import org.diskcryptnet.netmap.channel.NetmapConfig;
import org.diskcryptnet.netmap.channel.NetmapIoHandler;
import org.diskcryptnet.netmap.channel.NetmapLoopStats;
import org.diskcryptnet.netmap.channel.NetmapSocketChannel;
import org.diskcryptnet.netmap.tcp.TcpConfig;

/**
 * The netmap transport's series in the scrape: every name with its base unit and the port and queue labels, every
 * drop reason and connection state present from the start (so rate() and the dashboards have series before the
 * first drop), and a SYN to a closed port counted as a drop and a reset.
 */
@Timeout(60)
class NetworkMetricsTest {

    @Test
    void portAndTcpSeriesByPortAndQueue() throws Exception {
        List<NetmapLoopStats> loops = new CopyOnWriteArrayList<>();
        IoHandlerFactory factory = NetmapIoHandler.newFactory(NetmapConfig.builder().port("pipe:metrics")
                .address("198.18.90.1/24").diskSendBudget(300 * 1024).diskSendBatch(48).build());
        EventLoopGroup server = new MultiThreadIoEventLoopGroup(1, (IoHandlerFactory) executor -> {
            NetmapIoHandler h = (NetmapIoHandler) factory.newHandler(executor);
            loops.add(h.stats());
            return h;
        });
        EventLoopGroup client = new MultiThreadIoEventLoopGroup(1, NetmapIoHandler.newFactory(NetmapConfig.builder()
                .port("pipe:metrics").address("198.18.90.2/24").build()));
        try {
            server.submit(() -> { }).get(10, TimeUnit.SECONDS); // Netty starts a loop's thread on its first task
            OriginMetrics m = new OriginMetrics();
            m.registerNetwork(loops);
            String at = "port=\"pipe:metrics\",queue=\"0\"";
            String before = m.scrape();
            for (String series : List.of("origin_net_rx_packets_total{" + at + "}", "origin_net_rx_bytes_total{" + at + "}",
                    "origin_net_tx_packets_total{" + at + "}", "origin_net_tx_bytes_total{" + at + "}",
                    "origin_net_tx_errors_total{" + at + "}", "origin_net_rx_frames_read_whole_total{" + at + "}",
                    "origin_net_drops_total{" + at + ",reason=\"tcp_bad_checksum\"}",
                    "origin_net_drops_total{" + at + ",reason=\"port_rx_dropped\"}",
                    "origin_net_drops_total{" + at + ",reason=\"port_rx_no_buffer\"}",
                    "origin_net_drops_total{" + at + ",reason=\"port_rx_ring_full\"}",
                    "origin_tcp_segments_retransmitted_total{" + at + "}", "origin_tcp_rto_events_total{" + at + "}",
                    "origin_tcp_loss_recoveries_total{kind=\"sack\"," + at + "}",
                    "origin_tcp_syn_cookies_sent_total{" + at + "}",
                    "origin_tcp_connections{" + at + ",state=\"established\"}",
                    "origin_tcp_connections{" + at + ",state=\"time_wait\"}",
                    "origin_tcp_connections{" + at + ",state=\"syn_received\"}",
                    "origin_net_disk_send_inflight_bytes{" + at + "}", "origin_net_disk_send_rereads_total{" + at + "}",
                    "origin_net_disk_send_reread_bytes_total{" + at + "}",
                    "origin_net_disk_send_sealed_bytes_total{" + at + ",where=\"frame\"}",
                    "origin_net_disk_send_sealed_bytes_total{" + at + ",where=\"staging\"}",
                    "origin_net_disk_send_records_resealed_total{" + at + "}",
                    "origin_net_disk_send_copied_per_byte{" + at + "}",
                    "origin_net_disk_send_file_changed_total{" + at + "}",
                    "origin_net_file_read_ahead_runs_total{" + at + "}",
                    "origin_net_file_read_ahead_read_bytes_total{" + at + "}",
                    "origin_net_file_read_ahead_served_bytes_total{" + at + "}",
                    "origin_net_file_read_ahead_bypassed_segments_total{" + at + "}",
                    "origin_net_disk_send_read_failures_total{" + at + "}",
                    "origin_net_disk_send_window_reads_total{" + at + "}",
                    "origin_net_disk_send_window_read_bytes_total{" + at + "}",
                    "origin_net_disk_send_window_served_bytes_total{" + at + "}",
                    "origin_net_disk_send_window_evictions_total{" + at + "}")) {
                assertEquals(0, value(before, series), series);
            }
            assertTrue(before.contains("# TYPE origin_net_rx_bytes_total counter"), before);
            assertEquals(300 * 1024, value(before, "origin_net_disk_send_budget_bytes{" + at + "}"), "the configured budget, before any file");
            assertEquals(48, value(before, "origin_net_disk_send_batch_max_reads{" + at + "}"), "the configured batch");
            assertEquals(32 * 1024, value(before, "origin_net_disk_send_read_ahead_bytes{" + at + "}"), "the default read-ahead");
            assertEquals(TcpConfig.builder().build().maxConnections,
                    value(before, "origin_tcp_connection_objects_free{" + at + "}"), "every connection object free");

            Throwable refused = new Bootstrap().group(client).channel(NetmapSocketChannel.class)
                    .handler(new ChannelInboundHandlerAdapter())
                    .connect(new InetSocketAddress("198.18.90.1", 9)).await().cause();
            assertInstanceOf(ConnectException.class, refused);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            String after;
            do {
                Thread.sleep(20);
                after = m.scrape();
            } while (value(after, "origin_net_drops_total{" + at + ",reason=\"tcp_no_listener\"}") < 1
                    && System.nanoTime() < deadline);
            assertEquals(1, value(after, "origin_net_drops_total{" + at + ",reason=\"tcp_no_listener\"}"), after);
            assertTrue(value(after, "origin_tcp_resets_total{direction=\"sent\"," + at + "}") >= 1, after);
            assertTrue(value(after, "origin_net_rx_packets_total{" + at + "}") >= 1, after);
            assertTrue(value(after, "origin_net_rx_bytes_total{" + at + "}") >= 54, after);
            assertTrue(value(after, "origin_net_loop_iterations_total{outcome=\"busy\"," + at + "}") >= 1, after);
        } finally {
            client.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
            server.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }
}
