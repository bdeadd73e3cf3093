package org.diskcryptnet.netmap.stack;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import org.diskcryptnet.netmap.port.PacketPort;
import org.diskcryptnet.netmap.port.PacketRing;
import org.diskcryptnet.netmap.port.PortFeatures;
import org.diskcryptnet.netmap.wire.Checksum;
import org.diskcryptnet.netmap.wire.Ipv4Packet;
import org.diskcryptnet.netmap.wire.NetworkOrder;
import org.diskcryptnet.netmap.wire.TcpHeader;

/**
 * A port that offers tx checksum and segmentation offload and does in software what a kernel does with a
 * virtio-net header: checks that an offloaded frame's TCP checksum field holds the pseudo-header sum, completes it,
 * and cuts a large frame into segments of the requested size (copied header, advanced sequence numbers, FIN and PSH
 * on the last only, IP identification counted up). Wraps one end of a pipe; test code only.
 */
final class SoftwareOffloadPort implements PacketPort {

    private static final int FRAME = 65_535 + 14;
    private static final int TCP = 34;

    private final PacketPort inner;
    private final boolean segmentation;
    private final Arena arena = Arena.ofShared();
    private final Ring tx;
    private int cursor;
    long offloadedFrames;
    long segmentsOut;
    long badPartialChecksums;
    int largestFrame;

    /** The application's tx ring: own 64 KiB buffers, the offload asked for each slot. */
    final class Ring implements PacketRing {
        final MemorySegment memory;
        final int[] lengths;
        final int[] offloads;
        int head;
        int tail;

        Ring(int slots) {
            memory = arena.allocate((long) slots * FRAME, 64);
            lengths = new int[slots];
            offloads = new int[slots];
            java.util.Arrays.fill(offloads, -1);
            tail = slots - 1;
        }

        @Override
        public int size() {
            return lengths.length;
        }

        @Override
        public int head() {
            return head;
        }

        @Override
        public int cur() {
            return head;
        }

        @Override
        public int tail() {
            return tail;
        }

        @Override
        public void advance(int slot) {
            head = slot;
        }

        @Override
        public MemorySegment memory() {
            return memory;
        }

        @Override
        public long offset(int slot) {
            return (long) slot * FRAME;
        }

        @Override
        public int length(int slot) {
            return lengths[slot];
        }

        @Override
        public void length(int slot, int length) {
            lengths[slot] = length;
        }

        @Override
        public int frameCapacity() {
            return FRAME;
        }

        @Override
        public void txOffload(int slot, int segmentSize) {
            if (segmentSize > 0 && !segmentation) {
                throw new UnsupportedOperationException("no segmentation offload");
            }
            offloads[slot] = segmentSize;
        }
    }

    SoftwareOffloadPort(PacketPort inner, boolean segmentation) {
        this.inner = inner;
        this.segmentation = segmentation;
        this.tx = new Ring(256);
    }

    @Override
    public void txSync(int queue) {
        PacketRing out = inner.txRing(0);
        while (cursor != tx.head) {
            int needed = tx.offloads[cursor] > 0 ? 64 : 1;
            if (out.space() < needed) {
                inner.txSync(0);
                if (out.space() < needed) {
                    break;
                }
            }
            frame(tx.offset(cursor), tx.lengths[cursor], tx.offloads[cursor], out);
            tx.offloads[cursor] = -1;
            cursor = cursor + 1 == tx.size() ? 0 : cursor + 1;
        }
        tx.tail = cursor == 0 ? tx.size() - 1 : cursor - 1;
        inner.txSync(0);
    }

    private void frame(long at, int length, int offload, PacketRing out) {
        MemorySegment m = tx.memory;
        largestFrame = Math.max(largestFrame, length);
        if (offload < 0) {
            emit(m, at, length, out);
            return;
        }
        offloadedFrames++;
        int src = NetworkOrder.u32(m, at + 26);
        int dst = NetworkOrder.u32(m, at + 30);
        int tcpLength = NetworkOrder.u16(m, at + 16) - Ipv4Packet.HEADER_LENGTH;
        if (NetworkOrder.u16(m, at + TCP + 16) != Checksum.pseudoHeaderSum(src, dst, Ipv4Packet.PROTOCOL_TCP, tcpLength)) {
            badPartialChecksums++;
        }
        if (offload == 0) {
            TcpHeader.writeChecksum(m, at + TCP, tcpLength, src, dst);
            emit(m, at, length, out);
            return;
        }
        int hl = (NetworkOrder.u8(m, at + TCP + 12) >>> 4) * 4;
        int payload = tcpLength - hl;
        int seq = NetworkOrder.u32(m, at + TCP + 4);
        int flags = NetworkOrder.u8(m, at + TCP + 13);
        int id = NetworkOrder.u16(m, at + 18);
        for (int done = 0, i = 0; done < payload; done += offload, i++) {
            int chunk = Math.min(offload, payload - done);
            int slot = out.head();
            MemorySegment o = out.memory();
            long b = out.offset(slot);
            MemorySegment.copy(m, at, o, b, TCP + hl);
            MemorySegment.copy(m, at + TCP + hl + done, o, b + TCP + hl, chunk);
            boolean last = done + chunk == payload;
            NetworkOrder.u32(o, b + TCP + 4, seq + done);
            NetworkOrder.u8(o, b + TCP + 13, last ? flags : flags & ~(TcpHeader.FIN | TcpHeader.PSH));
            TcpHeader.writeChecksum(o, b + TCP, hl + chunk, src, dst);
            Ipv4Packet.writeHeader(o, b + 14, src, dst, Ipv4Packet.PROTOCOL_TCP, 20 + hl + chunk, (id + i) & 0xFFFF,
                    NetworkOrder.u8(m, at + 22));
            out.length(slot, TCP + hl + chunk);
            out.advance(out.next(slot));
            segmentsOut++;
        }
    }

    private void emit(MemorySegment m, long at, int length, PacketRing out) {
        int slot = out.head();
        MemorySegment.copy(m, at, out.memory(), out.offset(slot), length);
        out.length(slot, length);
        out.advance(out.next(slot));
        segmentsOut++;
    }

    @Override
    public PortFeatures features() {
        return new PortFeatures(true, false, segmentation, segmentation ? FRAME : inner.mtu() + 14, false);
    }

    @Override
    public String uri() {
        return inner.uri();
    }

    @Override
    public int queues() {
        return 1;
    }

    @Override
    public PacketRing rxRing(int queue) {
        return inner.rxRing(queue);
    }

    @Override
    public PacketRing txRing(int queue) {
        return tx;
    }

    @Override
    public void rxSync(int queue) {
        inner.rxSync(queue);
    }

    @Override
    public int pollFd(int queue) {
        return -1;
    }

    @Override
    public byte[] macAddress() {
        return inner.macAddress();
    }

    @Override
    public int mtu() {
        return inner.mtu();
    }

    @Override
    public void close() {
        inner.close();
        arena.close();
    }
}
