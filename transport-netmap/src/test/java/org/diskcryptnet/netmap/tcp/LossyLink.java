package org.diskcryptnet.netmap.tcp;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayDeque;
import java.util.SplittableRandom;

import org.diskcryptnet.netmap.wire.DropCounters;
import org.diskcryptnet.netmap.wire.Ipv4Address;
import org.diskcryptnet.netmap.wire.TcpHeader;

/**
 * Two {@link TcpLayer}s joined by a seeded lossy link (loss, duplication, reordering by one position) with a
 * virtual clock: deterministic, so the efficiency of loss recovery can be measured exactly: every data segment
 * is checked at the receiver for whether it brought anything new.
 */
final class LossyLink implements AutoCloseable {

    static final int A_IP = Ipv4Address.parse("198.18.60.1");
    static final int B_IP = Ipv4Address.parse("198.18.60.2");

    final class End implements SegmentSink {
        final int ip;
        final TcpLayer layer;
        final MemorySegment frames = arena.allocate(256L * 2048);
        int next;
        final ArrayDeque<byte[]> inbound = new ArrayDeque<>();
        End peer;
        final TcpHeader view = new TcpHeader();

        End(int ip, TcpConfig config, long secret) {
            this.ip = ip;
            this.layer = new TcpLayer(config, ip, this, new DropCounters(), InitialSequenceNumbers.rfc6528(secret, 1),
                    secret);
        }

        @Override
        public int reserve(int remoteIp, int maxTcpLength) {
            int f = next;
            next = (next + 1) % 256;
            return f;
        }

        @Override
        public MemorySegment memory() {
            return frames;
        }

        @Override
        public long tcpOffset(int frame) {
            return frame * 2048L;
        }

        @Override
        public void submit(int frame, int localIp, int remoteIp, int tcpLength) {
            byte[] b = frames.asSlice(frame * 2048L, tcpLength).toArray(ValueLayout.JAVA_BYTE);
            sent++;
            double r = random.nextDouble();
            if (r < loss) {
                lost++;
                if (b.length > ((b[12] & 0xFF) >>> 4) * 4) {
                    lostData++;
                }
                return;
            }
            if (r < loss + dup) {
                peer.inbound.add(b);
                if (b.length > ((b[12] & 0xFF) >>> 4) * 4) {
                    duplicated++; // a duplicated data segment: needless at the receiver, but not the sender's doing
                }
            }
            if (r < loss + dup + reorder && !peer.inbound.isEmpty()) {
                byte[] last = peer.inbound.pollLast();
                peer.inbound.add(b);
                peer.inbound.add(last);
                return;
            }
            peer.inbound.add(b);
        }

        void deliver(long now) {
            int n = inbound.size();
            for (int i = 0; i < n; i++) {
                byte[] b = inbound.poll();
                MemorySegment m = MemorySegment.ofArray(b);
                if (view.wrap(m, 0, b.length) != null) {
                    throw new AssertionError("bad segment");
                }
                if (view.payloadLength() > 0 && alreadyHeld(view)) {
                    needlessData++;
                }
                layer.segmentArrived(now, peer.ip, ip, view);
            }
        }

        /** Whether this data segment brings nothing the receiving connection does not hold already. */
        private boolean alreadyHeld(TcpHeader seg) {
            for (TcpConnection c : layer.connectionObjects()) {
                if (c.state.synchronizedState() && c.remotePort == seg.sourcePort() && c.localPort == seg.destinationPort()) {
                    int seq = seg.sequence();
                    int len = seg.payloadLength();
                    return SeqNum.le(seq + len, c.rcvNxt)
                            || c.receive.holds(c.receive.inOrderEnd() + (seq - c.rcvNxt), len);
                }
            }
            return false;
        }

        void run(long now) {
            layer.processTimers(now);
            layer.dispatchEvents();
            layer.flushOutput(now);
            layer.dispatchEvents();
        }
    }

    private final Arena arena = Arena.ofShared();
    private final SplittableRandom random;
    final double loss;
    final double dup;
    final double reorder;
    final End a;
    final End b;
    long now = 1_000_000_000_000L;
    long sent;
    long lost;
    long lostData;
    /** Data segments that arrived with nothing new in them (needless retransmissions, duplicates). */
    long needlessData;
    long duplicated;

    LossyLink(TcpConfig config, double loss, double dup, double reorder, long seed) {
        this.random = new SplittableRandom(seed);
        this.loss = loss;
        this.dup = dup;
        this.reorder = reorder;
        this.a = new End(A_IP, config, 11);
        this.b = new End(B_IP, config, 22);
        a.peer = b;
        b.peer = a;
    }

    void step(long nanos) {
        now += nanos;
        a.deliver(now);
        b.deliver(now);
        a.run(now);
        b.run(now);
    }

    @Override
    public void close() {
        a.layer.close();
        b.layer.close();
        arena.close();
    }
}
