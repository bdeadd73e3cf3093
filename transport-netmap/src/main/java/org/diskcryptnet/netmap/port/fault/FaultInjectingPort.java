package org.diskcryptnet.netmap.port.fault;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import org.diskcryptnet.netmap.port.PacketPort;
import org.diskcryptnet.netmap.port.PacketRing;
import org.diskcryptnet.netmap.port.PortFeatures;

/**
 * Wraps any {@link PacketPort} and injects faults into its frames, in both directions: loss, duplication,
 * reordering, corruption and delay, each with a probability, drawn from seeded generators so that a run can be
 * repeated ({@link FaultPlan}). The application sees rings of the wrapper's own (same-sized) slots; frames are
 * copied between them and the inner port's rings at {@link #txSync}/{@link #rxSync}, which is where their fate
 * is decided. Copying is the price of a test tool; the inner port's zero-copy path is unchanged without it.
 *
 * <p>Like the rings, each queue's two directions belong to the thread that drives that queue.
 */
public final class FaultInjectingPort implements PacketPort {

    private final PacketPort inner;
    private final Arena arena;
    private final ShadowRing[] rx;
    private final ShadowRing[] tx;
    private final FaultyDirection[] rxFaults;
    private final FaultyDirection[] txFaults;
    /** Per queue: the next application tx slot not yet passed to the inner port. */
    private final int[] txCursor;
    private final TxSink[] txSinks;
    private final RxSink[] rxSinks;

    /**
     * @param received faults applied to frames the inner port received (towards the application)
     * @param sent     faults applied to frames the application sends
     */
    public FaultInjectingPort(PacketPort inner, FaultPlan received, FaultPlan sent) {
        this.inner = inner;
        int queues = inner.queues();
        this.rx = new ShadowRing[queues];
        this.tx = new ShadowRing[queues];
        this.rxFaults = new FaultyDirection[queues];
        this.txFaults = new FaultyDirection[queues];
        this.txCursor = new int[queues];
        this.txSinks = new TxSink[queues];
        this.rxSinks = new RxSink[queues];
        long total = 0;
        int[] bufferSizes = new int[queues];
        for (int q = 0; q < queues; q++) {
            int cap = Math.max(inner.rxRing(q).frameCapacity(), inner.txRing(q).frameCapacity());
            bufferSizes[q] = (cap + 63) & ~63;
            total += (long) bufferSizes[q] * (inner.rxRing(q).size() + inner.txRing(q).size() + 2L * FaultyDirection.HOLD);
        }
        this.arena = Arena.ofShared();
        MemorySegment memory = arena.allocate(Math.max(total, 64), 4096);
        long next = 0;
        for (int q = 0; q < queues; q++) {
            int b = bufferSizes[q];
            PacketRing irx = inner.rxRing(q);
            PacketRing itx = inner.txRing(q);
            boolean offloads = inner.features().txChecksumOffload() || inner.features().segmentationOffload();
            rx[q] = new ShadowRing(memory, next, irx.size(), b, irx.frameCapacity(), false);
            next += (long) b * irx.size();
            tx[q] = new ShadowRing(memory, next, itx.size(), b, itx.frameCapacity(), offloads);
            tx[q].tail = itx.size() - 1;
            next += (long) b * itx.size();
            rxFaults[q] = new FaultyDirection(received.withSeed(received.seed() * 31 + 2L * q), memory, next, b);
            next += (long) b * FaultyDirection.HOLD;
            txFaults[q] = new FaultyDirection(sent.withSeed(sent.seed() * 37 + 2L * q + 1), memory, next, b);
            next += (long) b * FaultyDirection.HOLD;
            txSinks[q] = new TxSink(itx);
            rxSinks[q] = new RxSink(rx[q]);
        }
    }

    /** The same plan both ways (each direction still has its own generator). */
    public FaultInjectingPort(PacketPort inner, FaultPlan plan) {
        this(inner, plan, plan);
    }

    public PacketPort inner() {
        return inner;
    }

    /** Faults applied so far to received frames, all queues. */
    public FaultCounters receivedCounters() {
        FaultCounters c = new FaultCounters();
        for (FaultyDirection d : rxFaults) {
            c.add(d.counters);
        }
        return c;
    }

    /** Faults applied so far to sent frames, all queues. */
    public FaultCounters sentCounters() {
        FaultCounters c = new FaultCounters();
        for (FaultyDirection d : txFaults) {
            c.add(d.counters);
        }
        return c;
    }

    @Override
    public String uri() {
        return inner.uri();
    }

    @Override
    public int queues() {
        return inner.queues();
    }

    @Override
    public PacketRing rxRing(int queue) {
        return rx[queue];
    }

    @Override
    public PacketRing txRing(int queue) {
        return tx[queue];
    }

    @Override
    public void txSync(int queue) {
        ShadowRing t = tx[queue];
        FaultyDirection f = txFaults[queue];
        TxSink sink = txSinks[queue];
        long now = System.nanoTime();
        sink.begin();
        f.releaseDue(now, sink);
        int cursor = txCursor[queue];
        while (cursor != t.head) {
            if (!f.frame(t.memory(), t.offset(cursor), t.lengths[cursor], t.offloads[cursor], now, sink)) {
                break; // the inner ring is full: the rest waits in our ring
            }
            t.offloads[cursor] = -1;
            cursor = t.next(cursor, 1);
        }
        txCursor[queue] = cursor;
        t.tail = cursor == 0 ? t.size() - 1 : cursor - 1;
        sink.end();
        inner.txSync(queue);
    }

    @Override
    public void rxSync(int queue) {
        ShadowRing r = rx[queue];
        FaultyDirection f = rxFaults[queue];
        RxSink sink = rxSinks[queue];
        inner.rxSync(queue);
        PacketRing irx = inner.rxRing(queue);
        long now = System.nanoTime();
        releaseHeldTransmissions(queue, now);
        f.releaseDue(now, sink);
        int head = irx.head();
        int tail = irx.tail();
        while (head != tail) {
            if (!f.frame(irx.memory(), irx.offset(head), irx.length(head), -1, now, sink)) {
                break;
            }
            head = irx.next(head);
        }
        irx.advance(head);
    }

    /**
     * Sends the frames held back on the way out whose time has come. The application syncs its tx ring only when
     * it sends; if nothing follows a held frame (the last segment of a flight, a tail loss probe), it would wait
     * for the application's next frame instead of at most {@link FaultPlan#delayNanos()}, and a reordering would
     * become a delay as long as the sender's retransmission timeout. Receiving is polled all the time, so it
     * releases them.
     */
    private void releaseHeldTransmissions(int queue, long now) {
        FaultyDirection f = txFaults[queue];
        if (f.held() == 0) {
            return;
        }
        TxSink sink = txSinks[queue];
        sink.begin();
        int before = sink.head;
        f.releaseDue(now, sink);
        if (sink.head != before) {
            sink.end();
            inner.txSync(queue);
        }
    }

    /**
     * Sends a crafted frame on {@code queue} at the next {@link #txSync}, past the faults (for tests that play
     * a third party on the link, e.g. a SYN flood). False if the inner tx ring has no room now.
     */
    public boolean inject(int queue, MemorySegment frame, long offset, int length) {
        TxSink sink = txSinks[queue];
        sink.begin();
        if (sink.room() < 1) {
            return false;
        }
        sink.put(frame, offset, length, -1);
        sink.end();
        return true;
    }

    @Override
    public int pollFd(int queue) {
        return inner.pollFd(queue);
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
    public PortFeatures features() {
        return inner.features();
    }

    @Override
    public void close() {
        inner.close();
        arena.close();
    }

    /** Frames towards the inner port's tx ring. */
    private static final class TxSink implements FaultyDirection.Sink {
        private final PacketRing ring;
        private int head;

        TxSink(PacketRing ring) {
            this.ring = ring;
        }

        void begin() {
            head = ring.head();
        }

        void end() {
            ring.advance(head);
        }

        @Override
        public int room() {
            int n = ring.tail() - head;
            return n < 0 ? n + ring.size() : n;
        }

        @Override
        public void put(MemorySegment src, long offset, int length, int offload) {
            MemorySegment.copy(src, offset, ring.memory(), ring.offset(head), length);
            ring.length(head, length);
            if (offload >= 0) {
                ring.txOffload(head, offload);
            }
            head = ring.next(head);
        }
    }

    /** Frames towards the application's rx ring: its free part runs from tail to head - 1. */
    private static final class RxSink implements FaultyDirection.Sink {
        private final ShadowRing ring;

        RxSink(ShadowRing ring) {
            this.ring = ring;
        }

        @Override
        public int room() {
            int n = ring.head - ring.tail - 1;
            return n < 0 ? n + ring.size() : n;
        }

        @Override
        public void put(MemorySegment src, long offset, int length, int offload) {
            MemorySegment.copy(src, offset, ring.memory(), ring.offset(ring.tail), length);
            ring.lengths[ring.tail] = length;
            ring.tail = ring.next(ring.tail, 1);
        }
    }
}
