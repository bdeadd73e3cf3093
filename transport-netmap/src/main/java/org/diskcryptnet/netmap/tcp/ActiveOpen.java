package org.diskcryptnet.netmap.tcp;

import org.diskcryptnet.netmap.wire.DropCounters;
import org.diskcryptnet.netmap.wire.DropReason;
import org.diskcryptnet.netmap.wire.TcpHeader;
import org.diskcryptnet.netmap.wire.TcpOptions;

import static org.diskcryptnet.netmap.wire.TcpHeader.ACK;
import static org.diskcryptnet.netmap.wire.TcpHeader.RST;
import static org.diskcryptnet.netmap.wire.TcpHeader.SYN;

/**
 * The answer to a connect (RFC 9293 section 3.10.7.3, SYN-SENT STATE): the peer's SYN-ACK establishes the
 * connection, its SYN alone makes it a simultaneous open, an acceptable RST refuses it. The counterpart of
 * {@link PassiveOpen}; one instance per layer, owned by {@link TcpInput}.
 */
final class ActiveOpen {

    private final TcpLayer layer;
    private final TcpOutput output;
    private final TcpCounters counters;
    private final DropCounters drops;

    ActiveOpen(TcpLayer layer, TcpOutput output, TcpCounters counters, DropCounters drops) {
        this.layer = layer;
        this.output = output;
        this.counters = counters;
        this.drops = drops;
    }

    /** RFC 9293 section 3.10.7.3, SYN-SENT STATE. */
    void synSent(TcpConnection c, TcpHeader seg, long now) {
        int flags = seg.flags();
        boolean hasAck = (flags & ACK) != 0;
        int ack = seg.acknowledgment();
        if (hasAck && (SeqNum.le(ack, c.iss) || SeqNum.gt(ack, c.sndMax))) {
            drops.increment(DropReason.TCP_BAD_ACK);
            if ((flags & RST) == 0) {
                output.sendStateless(c.localIp, c.remoteIp, c.localPort, c.remotePort, ack, 0, RST, 0,
                        0, -1, false, false, 0, 0);
            }
            return;
        }
        if ((flags & RST) != 0) {
            if (hasAck) {
                counters.resetsReceived++;
                layer.terminate(c, TcpCloseCause.REFUSED); // "error: connection reset"
            } else {
                drops.increment(DropReason.TCP_STATE);
            }
            return;
        }
        if ((flags & SYN) == 0) {
            drops.increment(DropReason.TCP_STATE);
            return;
        }
        TcpOptions opt = seg.options();
        c.irs = seg.sequence();
        c.rcvNxt = c.irs + 1;
        layer.negotiate(c, opt, now);
        c.rcvAdv = c.rcvNxt + Math.min(c.receive.free(), 0xFFFF);
        c.sndWnd = seg.window(); // RFC 7323 section 2.2: never scaled in a SYN
        c.maxSndWnd = c.sndWnd;
        c.sndWl1 = c.irs;
        c.sndWl2 = ack;
        if (hasAck) {
            if (c.tsEnabled && opt.tsEcr != 0) {
                long ms = (int) (now / 1_000_000L) + c.tsOffset - opt.tsEcr;
                if (ms >= 0 && ms < 3_600_000) {
                    c.rtt.sample(ms * 1_000_000L);
                }
            } else if (c.rttTiming) {
                c.rtt.sample(now - c.rttStart);
            }
            c.rttTiming = false;
            c.sndUna = ack;
            c.sndUnaOffset = 0;
            c.rtxDeadline = TcpConnection.NEVER;
            if (c.synRetransmitted) {
                c.rtt.restartAfterSynTimeout(3_000_000_000L); // RFC 6298 section 5.7
            }
            c.retransmissions = 0;
            layer.established(c, now);
            c.ackNow = true;
            layer.markDirty(c);
            layer.event(c, TcpConnection.EV_CONNECTED);
        } else {
            // simultaneous open (RFC 9293 figure 8): SYN-RECEIVED, answer with SYN,ACK
            layer.setState(c, TcpState.SYN_RECEIVED);
            c.sndNxt = c.iss;
            c.retransmissions = 0;
            c.rtxDeadline = TcpConnection.NEVER;
            layer.reschedule(c);
            layer.markDirty(c);
        }
    }
}
