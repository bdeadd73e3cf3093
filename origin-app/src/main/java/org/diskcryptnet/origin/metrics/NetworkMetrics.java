package org.diskcryptnet.origin.metrics;

import java.util.List;
import java.util.Locale;

import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.prometheus.metrics.model.snapshots.Unit;

import org.diskcryptnet.netmap.channel.NetmapLoopStats;
import org.diskcryptnet.netmap.channel.NetmapLoopStats.DiskSend;
import org.diskcryptnet.netmap.channel.NetmapLoopStats.FileRun;
import org.diskcryptnet.netmap.channel.NetmapLoopStats.Idle;
import org.diskcryptnet.netmap.channel.NetmapLoopStats.Interface;
import org.diskcryptnet.netmap.channel.NetmapLoopStats.Port;
import org.diskcryptnet.netmap.channel.NetmapLoopStats.Tcp;
import org.diskcryptnet.netmap.tcp.TcpState;
import org.diskcryptnet.netmap.wire.DropReason;

/**
 * The netmap transport's metrics, by port and queue (queue {@code i} is served by event loop {@code i}): packets
 * and bytes, drops by reason, the TCP layer's events and its connections by state, what each loop's idle
 * strategy did, and its disk send path (file bytes in flight against the per-loop budget and the batch size,
 * re-reads, bytes sealed in place, copies per byte, connections reset because a file changed). Read from each
 * loop's {@link NetmapLoopStats} when Prometheus scrapes; the loops only bump their own plain counters.
 */
final class NetworkMetrics implements MultiCollector {

    /** Connection states worth a series: CLOSED counts released objects, LISTEN belongs to listeners. */
    private static final List<TcpState> STATES = List.of(TcpState.SYN_SENT, TcpState.SYN_RECEIVED,
            TcpState.ESTABLISHED, TcpState.FIN_WAIT_1, TcpState.FIN_WAIT_2, TcpState.CLOSE_WAIT, TcpState.CLOSING,
            TcpState.LAST_ACK, TcpState.TIME_WAIT);
    /** A frame the port queue refused before the stack saw it, next to the stack's own reasons. */
    static final String PORT_RX_DROPPED = "port_rx_dropped";
    /** A frame the kernel dropped for want of a free rx buffer (AF_XDP's fill ring was empty: the loop fell behind). */
    static final String PORT_RX_NO_BUFFER = "port_rx_no_buffer";
    /** A frame the kernel dropped because the queue's rx ring was full. */
    static final String PORT_RX_RING_FULL = "port_rx_ring_full";

    private final List<NetmapLoopStats> loops;

    NetworkMetrics(List<NetmapLoopStats> loops) {
        this.loops = loops;
    }

    @Override
    public MetricSnapshots collect() {
        Counters c = new Counters();
        GaugeSnapshot.Builder connections = GaugeSnapshot.builder().name("origin_tcp_connections")
                .help("TCP connections of the userspace stack by state (RFC 9293 section 3.3.2)");
        GaugeSnapshot.Builder free = GaugeSnapshot.builder().name("origin_tcp_connection_objects_free")
                .help("Connection objects of the stack not in use (sized from server.max_connections): at 0, a "
                        + "TIME-WAIT connection or, for a completed handshake, the oldest orphan gives way; else the "
                        + "handshake is dropped (drops reason tcp_no_connection_slot)");
        GaugeSnapshot.Builder budget = GaugeSnapshot.builder().name("origin_net_disk_send_budget_bytes").unit(Unit.BYTES)
                .help("The per-loop budget of file bytes between disk read and transmission (per storage sent from)");
        GaugeSnapshot.Builder inFlight = GaugeSnapshot.builder().name("origin_net_disk_send_inflight_bytes").unit(Unit.BYTES)
                .help("File bytes read or being read from disk and not yet handed to the transmit ring (budget in use)");
        GaugeSnapshot.Builder batch = GaugeSnapshot.builder().name("origin_net_disk_send_batch_max_reads")
                .help("The most disk reads a loop submits per iteration, across its connections");
        GaugeSnapshot.Builder readAhead = GaugeSnapshot.builder().name("origin_net_disk_send_read_ahead_bytes")
                .unit(Unit.BYTES).help("Bytes a connection's read window reads beyond the run TCP asked for "
                        + "(network.disk_send.read_ahead; -1: off, one read per segment)");
        GaugeSnapshot.Builder copiedPerByte = GaugeSnapshot.builder().name("origin_net_disk_send_copied_per_byte")
                .help("Payload bytes the CPU copied per file byte sent, since start (0 where frames take the disk read)");
        for (NetmapLoopStats s : loops) {
            Labels at = Labels.of("port", s.port(), "queue", Integer.toString(s.queue()));
            c.rxPackets.dataPoint(point(s.get(Interface.RX_FRAMES), at));
            c.rxBytes.dataPoint(point(s.get(Interface.RX_BYTES), at));
            c.txPackets.dataPoint(point(s.get(Interface.TX_FRAMES), at));
            c.txBytes.dataPoint(point(s.get(Interface.TX_BYTES), at));
            c.txErrors.dataPoint(point(s.get(Port.TX_ERRORS), at));
            c.readWhole.dataPoint(point(s.get(Port.RX_READ_WHOLE), at));
            c.syscalls.dataPoint(point(s.get(Port.RX_KICKS), at.add("direction", "rx")));
            c.syscalls.dataPoint(point(s.get(Port.TX_KICKS), at.add("direction", "tx")));
            c.drops.dataPoint(point(s.get(Port.RX_DROPPED), at.add("reason", PORT_RX_DROPPED)));
            c.drops.dataPoint(point(s.get(Port.RX_NO_BUFFER), at.add("reason", PORT_RX_NO_BUFFER)));
            c.drops.dataPoint(point(s.get(Port.RX_RING_FULL), at.add("reason", PORT_RX_RING_FULL)));
            for (DropReason r : DropReason.values()) {
                c.drops.dataPoint(point(s.drops(r), at.add("reason", r.name().toLowerCase(Locale.ROOT))));
            }
            c.segmentsReceived.dataPoint(point(s.get(Tcp.SEGMENTS_RECEIVED), at));
            c.segmentsSent.dataPoint(point(s.get(Tcp.SEGMENTS_SENT), at));
            c.retransmitted.dataPoint(point(s.get(Tcp.RETRANSMITTED_SEGMENTS), at));
            c.retransmittedBytes.dataPoint(point(s.get(Tcp.RETRANSMITTED_BYTES), at));
            c.rto.dataPoint(point(s.get(Tcp.RTO_EVENTS), at));
            c.spuriousRto.dataPoint(point(s.get(Tcp.SPURIOUS_TIMEOUTS), at));
            c.tailLossProbes.dataPoint(point(s.get(Tcp.TAIL_LOSS_PROBES), at));
            c.recoveries.dataPoint(point(s.get(Tcp.SACK_RECOVERIES), at.add("kind", "sack")));
            c.recoveries.dataPoint(point(s.get(Tcp.NEW_RENO_RECOVERIES), at.add("kind", "newreno")));
            c.lostRetransmissions.dataPoint(point(s.get(Tcp.LOST_RETRANSMISSIONS), at));
            c.opens.dataPoint(point(s.get(Tcp.PASSIVE_OPENS), at.add("side", "passive")));
            c.opens.dataPoint(point(s.get(Tcp.ACTIVE_OPENS), at.add("side", "active")));
            c.cookiesSent.dataPoint(point(s.get(Tcp.SYN_COOKIES_SENT), at));
            c.cookiesAccepted.dataPoint(point(s.get(Tcp.SYN_COOKIES_ACCEPTED), at));
            c.resets.dataPoint(point(s.get(Tcp.RESETS_SENT), at.add("direction", "sent")));
            c.resets.dataPoint(point(s.get(Tcp.RESETS_RECEIVED), at.add("direction", "received")));
            c.timedOut.dataPoint(point(s.get(Tcp.CONNECTIONS_TIMED_OUT), at));
            c.orphansReset.dataPoint(point(s.get(Tcp.ORPHANS_RESET), at));
            c.regenerated.dataPoint(point(s.get(Tcp.SOURCE_BYTES_REGENERATED), at));
            c.deferred.dataPoint(point(s.get(Tcp.OUTPUT_DEFERRED), at));
            for (Idle i : Idle.values()) {
                c.iterations.dataPoint(point(s.get(i), at.add("outcome", i.name().toLowerCase(Locale.ROOT))));
            }
            budget.dataPoint(gauge(s.diskSendBudgetBytes(), at));
            inFlight.dataPoint(gauge(s.get(DiskSend.BUDGET_IN_USE), at));
            batch.dataPoint(gauge(s.diskSendBatchReads(), at));
            readAhead.dataPoint(gauge(s.diskSendReadAheadBytes(), at));
            long fileBytes = s.get(DiskSend.FILE_BYTES_SENT);
            long copied = s.get(DiskSend.CPU_COPIED_BYTES);
            copiedPerByte.dataPoint(GaugeSnapshot.GaugeDataPointSnapshot.builder()
                    .value(fileBytes == 0 ? 0 : (double) copied / fileBytes).labels(at).build());
            c.fileBytes.dataPoint(point(fileBytes, at));
            c.copiedBytes.dataPoint(point(copied, at));
            c.diskReads.dataPoint(point(s.get(DiskSend.DISK_READS), at));
            c.diskReReads.dataPoint(point(s.get(DiskSend.DISK_RE_READS), at));
            c.reReadBytes.dataPoint(point(s.get(DiskSend.RE_READ_BYTES), at));
            c.batches.dataPoint(point(s.get(DiskSend.BATCHES), at));
            c.budgetBound.dataPoint(point(s.get(DiskSend.BATCHES_BOUND_BY_BUDGET), at));
            c.readFailures.dataPoint(point(s.get(DiskSend.READ_FAILURES), at));
            c.sealed.dataPoint(point(s.get(DiskSend.SEALED_IN_PLACE_BYTES), at.add("where", "frame")));
            c.sealed.dataPoint(point(s.get(DiskSend.SEALED_IN_STAGING_BYTES), at.add("where", "staging")));
            c.resealed.dataPoint(point(s.get(DiskSend.RECORDS_RESEALED), at));
            c.fileChanged.dataPoint(point(s.get(DiskSend.FILE_CHANGED_ABORTS), at));
            c.refused.dataPoint(point(s.get(DiskSend.REFUSED_UNITS), at));
            c.windowReads.dataPoint(point(s.get(DiskSend.WINDOW_READS), at));
            c.windowBytesRead.dataPoint(point(s.get(DiskSend.WINDOW_BYTES_READ), at));
            c.windowBytesServed.dataPoint(point(s.get(DiskSend.WINDOW_BYTES_SERVED), at));
            c.windowEvictions.dataPoint(point(s.get(DiskSend.WINDOW_EVICTIONS), at));
            c.fileRuns.dataPoint(point(s.get(FileRun.RUNS), at));
            c.fileRunBytesRead.dataPoint(point(s.get(FileRun.BYTES_READ), at));
            c.fileRunBytesServed.dataPoint(point(s.get(FileRun.BYTES_SERVED), at));
            c.fileSegmentsBypassed.dataPoint(point(s.get(FileRun.BYPASSED), at));
            for (TcpState state : STATES) {
                connections.dataPoint(gauge(s.connections(state), at.add("state", state.name().toLowerCase(Locale.ROOT))));
            }
            free.dataPoint(gauge(s.connections(TcpState.CLOSED), at));
        }
        MetricSnapshots.Builder all = MetricSnapshots.builder();
        for (CounterSnapshot.Builder b : c.all()) {
            all.metricSnapshot(b.build());
        }
        return all.metricSnapshot(connections.build()).metricSnapshot(free.build()).metricSnapshot(budget.build())
                .metricSnapshot(inFlight.build()).metricSnapshot(batch.build()).metricSnapshot(readAhead.build())
                .metricSnapshot(copiedPerByte.build()).build();
    }

    /** The counters of one scrape (built afresh each time: a scrape may allocate, the loops do not). */
    private static final class Counters {
        final CounterSnapshot.Builder rxPackets = counter("origin_net_rx_packets", "Frames received by the stack from the port queue");
        final CounterSnapshot.Builder rxBytes = bytes("origin_net_rx_bytes", "Bytes in the frames received from the port queue");
        final CounterSnapshot.Builder txPackets = counter("origin_net_tx_packets", "Frames the stack handed to the port queue");
        final CounterSnapshot.Builder txBytes = bytes("origin_net_tx_bytes", "Bytes in the frames handed to the port queue");
        final CounterSnapshot.Builder txErrors = counter("origin_net_tx_errors",
                "Frames the port queue could not hand to the kernel or the kernel rejected");
        final CounterSnapshot.Builder readWhole = counter("origin_net_rx_frames_read_whole",
                "Received frames larger than a frame of the port's rx ring, read whole from its socket, one read(2) "
                        + "each (packet: with offloads)");
        final CounterSnapshot.Builder syscalls = counter("origin_net_port_syscalls",
                "System calls made to kick the kernel for a queue (sendto, recvfrom, poll, NIOC*SYNC), by direction");
        final CounterSnapshot.Builder drops = counter("origin_net_drops",
                "Received frames and segments dropped, by reason (the stack's DropReason, or the port's: port_rx_dropped, port_rx_no_buffer, port_rx_ring_full)");
        final CounterSnapshot.Builder segmentsReceived = counter("origin_tcp_segments_received", "TCP segments received");
        final CounterSnapshot.Builder segmentsSent = counter("origin_tcp_segments_sent", "TCP segments sent, retransmissions included");
        final CounterSnapshot.Builder retransmitted = counter("origin_tcp_segments_retransmitted",
                "TCP segments sent again: RTO, fast retransmit, SACK recovery, go-back-N after a timeout");
        final CounterSnapshot.Builder retransmittedBytes = bytes("origin_tcp_retransmitted_bytes", "Payload bytes sent again");
        final CounterSnapshot.Builder rto = counter("origin_tcp_rto_events",
                "Retransmission timer expiries with data or a SYN outstanding (RFC 6298 section 5.4)");
        final CounterSnapshot.Builder spuriousRto = counter("origin_tcp_spurious_rto_events",
                "Timeouts found spurious (RFC 3522) and undone (RFC 4015)");
        final CounterSnapshot.Builder tailLossProbes = counter("origin_tcp_tail_loss_probes", "Tail loss probes sent (RFC 8985 section 7)");
        final CounterSnapshot.Builder recoveries = counter("origin_tcp_loss_recoveries",
                "Fast retransmits that entered loss recovery: sack (RFC 6675) or newreno (RFC 6582)");
        final CounterSnapshot.Builder lostRetransmissions = counter("origin_tcp_lost_retransmissions",
                "Retransmissions found lost again during SACK recovery and sent once more");
        final CounterSnapshot.Builder opens = counter("origin_tcp_opens", "Connections opened: passive (accepted) or active");
        final CounterSnapshot.Builder cookiesSent = counter("origin_tcp_syn_cookies_sent", "SYN-ACKs with a SYN cookie (accept queue full)");
        final CounterSnapshot.Builder cookiesAccepted = counter("origin_tcp_syn_cookies_accepted",
                "Connections established from a valid SYN cookie");
        final CounterSnapshot.Builder resets = counter("origin_tcp_resets", "RST segments, by direction");
        final CounterSnapshot.Builder timedOut = counter("origin_tcp_connections_timed_out",
                "Connections aborted after too many retransmissions or keep-alive probes");
        final CounterSnapshot.Builder orphansReset = counter("origin_tcp_orphans_reset",
                "Connections the application had closed, reset to give their object to a new connection");
        final CounterSnapshot.Builder regenerated = bytes("origin_tcp_regenerated_bytes",
                "Payload bytes produced again from their source (file, cipher) for retransmission");
        final CounterSnapshot.Builder deferred = counter("origin_tcp_output_deferred",
                "Flushes stopped by a full transmit ring (the rest waited for the next flush)");
        final CounterSnapshot.Builder iterations = counter("origin_net_loop_iterations",
                "Loop iterations by what the idle strategy did: busy (found work), spin, yield, park (blocked or parked)");

        final CounterSnapshot.Builder fileBytes = bytes("origin_net_disk_send_file_bytes",
                "File bytes the disk send path produced into frames, first time and again");
        final CounterSnapshot.Builder copiedBytes = bytes("origin_net_disk_send_copied_bytes",
                "Of those, bytes the CPU copied (0 where the frames take the disk read)");
        final CounterSnapshot.Builder diskReads = counter("origin_net_disk_send_reads", "Disk reads the send path submitted");
        final CounterSnapshot.Builder diskReReads = counter("origin_net_disk_send_rereads",
                "Disk reads of bytes produced before: a lost segment read again");
        final CounterSnapshot.Builder reReadBytes = bytes("origin_net_disk_send_reread_bytes", "Bytes read again from disk for retransmission");
        final CounterSnapshot.Builder batches = counter("origin_net_disk_send_batches", "Read batches the send path ran");
        final CounterSnapshot.Builder budgetBound = counter("origin_net_disk_send_budget_bound_batches",
                "Read batches that stopped because the per-loop budget was used up");
        final CounterSnapshot.Builder readFailures = counter("origin_net_disk_send_read_failures",
                "Send-path disk reads that failed, short reads of a truncated file included (their connection is reset)");
        final CounterSnapshot.Builder sealed = bytes("origin_net_disk_send_sealed_bytes",
                "TLS plaintext bytes sealed by the send path: in the frame they are sent from (in place) or in a staging slot");
        final CounterSnapshot.Builder resealed = counter("origin_net_disk_send_records_resealed",
                "TLS records read and sealed again, byte-identically, for a retransmission");
        final CounterSnapshot.Builder fileChanged = counter("origin_net_disk_send_file_changed",
                "Connections reset because their file changed before a lost range of it was read again (not re-read, not re-sealed)");
        final CounterSnapshot.Builder refused = counter("origin_net_disk_send_refused_units",
                "Segments the send path refused outright (its tables full, or a read that fits no slot); connection reset");

        final CounterSnapshot.Builder windowReads = counter("origin_net_disk_send_window_reads",
                "Read windows read: one disk read for the run of segments a connection may send, plus read-ahead");
        final CounterSnapshot.Builder windowBytesRead = bytes("origin_net_disk_send_window_read_bytes",
                "Bytes read into read windows (whole blocks)");
        final CounterSnapshot.Builder windowBytesServed = bytes("origin_net_disk_send_window_served_bytes",
                "File bytes copied out of read windows into frames");
        final CounterSnapshot.Builder windowEvictions = counter("origin_net_disk_send_window_evictions",
                "Idle read windows freed early for room or budget (their unsent bytes are read again when asked for)");
        final CounterSnapshot.Builder fileRuns = counter("origin_net_file_read_ahead_runs",
                "Runs a page-cache file body (DefaultFileRegion) was read in: one pread each, 8-64 KiB");
        final CounterSnapshot.Builder fileRunBytesRead = bytes("origin_net_file_read_ahead_read_bytes",
                "File bytes read into read-ahead runs");
        final CounterSnapshot.Builder fileRunBytesServed = bytes("origin_net_file_read_ahead_served_bytes",
                "File bytes copied from read-ahead runs into frames");
        final CounterSnapshot.Builder fileSegmentsBypassed = counter("origin_net_file_read_ahead_bypassed_segments",
                "Segments of page-cache file bodies read on their own, one pread each (retransmissions, jumps)");

        List<CounterSnapshot.Builder> all() {
            return List.of(rxPackets, rxBytes, txPackets, txBytes, txErrors, readWhole, syscalls, drops,
                    segmentsReceived, segmentsSent, retransmitted, retransmittedBytes, rto, spuriousRto,
                    tailLossProbes, recoveries, lostRetransmissions, opens, cookiesSent, cookiesAccepted, resets,
                    timedOut, orphansReset, regenerated, deferred, iterations, fileBytes, copiedBytes, diskReads,
                    diskReReads, reReadBytes, batches, budgetBound, readFailures, sealed, resealed, fileChanged, refused,
                    windowReads, windowBytesRead, windowBytesServed, windowEvictions, fileRuns, fileRunBytesRead,
                    fileRunBytesServed, fileSegmentsBypassed);
        }

        private static CounterSnapshot.Builder counter(String name, String help) {
            return CounterSnapshot.builder().name(name).help(help);
        }

        private static CounterSnapshot.Builder bytes(String name, String help) {
            return CounterSnapshot.builder().name(name).unit(Unit.BYTES).help(help);
        }
    }

    private static GaugeSnapshot.GaugeDataPointSnapshot gauge(long value, Labels labels) {
        return GaugeSnapshot.GaugeDataPointSnapshot.builder().value(value).labels(labels).build();
    }

    private static CounterSnapshot.CounterDataPointSnapshot point(long value, Labels labels) {
        return CounterSnapshot.CounterDataPointSnapshot.builder().value(value).labels(labels).build();
    }
}
