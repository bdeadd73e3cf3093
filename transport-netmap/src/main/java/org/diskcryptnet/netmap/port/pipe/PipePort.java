package org.diskcryptnet.netmap.port.pipe;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

import org.diskcryptnet.netmap.port.PacketPort;
import org.diskcryptnet.netmap.port.PacketRing;
import org.diskcryptnet.netmap.port.PortFeatures;
import org.diskcryptnet.netmap.port.PortUri;

/**
 * {@code pipe:NAME}: two ports joined in this process, the role netmap pipes play (netmap(4), "PIPES"). A frame
 * transmitted on one end's tx ring {@code q} arrives in the other end's rx ring {@code q} without a copy: at
 * {@link #txSync} the tx slot's buffer and a free rx slot's buffer of the peer are swapped, as netmap pipes
 * swap buffer indices. When the peer's rx ring is full the frames wait in the tx ring (back-pressure, no loss).
 *
 * <p>The two ends may be driven by different threads: each direction of each queue is a single-producer,
 * single-consumer hand-over whose two counters are published with release/acquire ordering. {@link #pollFd}
 * is -1: pipe ports are busy-polled.
 */
public final class PipePort implements PacketPort {

    /** Slots per ring unless given. */
    public static final int DEFAULT_SLOTS = 1024;

    private static final Map<String, PipePort> WAITING = new HashMap<>();

    private final String uri;
    private final int queues;
    private final int mtu;
    private final byte[] mac;
    private final PipeRing[] rx;
    private final PipeRing[] tx;
    private final Link[] out;
    private final Link[] in;
    private final Arena arena;
    private final AtomicInteger openEnds;
    private boolean closed;

    /** One direction of one queue: this end's tx ring into the peer's rx ring. */
    static final class Link {
        private static final VarHandle PRODUCED;
        private static final VarHandle RELEASED;

        static {
            try {
                MethodHandles.Lookup l = MethodHandles.lookup();
                PRODUCED = l.findVarHandle(Link.class, "produced", long.class);
                RELEASED = l.findVarHandle(Link.class, "released", long.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        final PipeRing from;
        final PipeRing to;
        /** Frames placed in {@code to}, ever: written by the sender's thread. */
        @SuppressWarnings("unused")
        private long produced;
        /** Frames of {@code to} released by the receiver, ever: written by the receiver's thread. */
        @SuppressWarnings("unused")
        private long released;
        /** Sender side: the next tx slot to move. */
        int txCursor;
        /** Receiver side: the rx head at the last rxSync. */
        int releaseCursor;
        long producedLocal;
        long releasedLocal;
        /** The receiver's thread while it is parked waiting for frames (in-process wake-up), else null. */
        volatile Thread waiter;

        Link(PipeRing from, PipeRing to) {
            this.from = from;
            this.to = to;
        }

        /** Sender: move submitted frames across while the receiver has free slots. */
        int transmit() {
            long rel = (long) RELEASED.getAcquire(this);
            int size = to.offsets.length;
            long room = (size - 1) - (producedLocal - rel);
            int txSize = from.offsets.length;
            int head = from.head;
            int moved = 0;
            while (txCursor != head && room > 0) {
                int j = (int) (producedLocal % size);
                long buffer = from.offsets[txCursor];
                from.offsets[txCursor] = to.offsets[j];
                to.offsets[j] = buffer;
                to.lengths[j] = from.lengths[txCursor];
                txCursor = txCursor + 1 == txSize ? 0 : txCursor + 1;
                producedLocal++;
                room--;
                moved++;
            }
            if (moved > 0) {
                PRODUCED.setRelease(this, producedLocal);
                // Dekker with receiveWaiter(): publish the frames, then look for a parked receiver
                VarHandle.fullFence();
                Thread w = waiter;
                if (w != null) {
                    LockSupport.unpark(w);
                }
            }
            from.tail = txCursor == 0 ? txSize - 1 : txCursor - 1;
            return moved;
        }

        /** Receiver: give back slots before head, learn of new frames. */
        void receive() {
            int size = to.offsets.length;
            int head = to.head;
            int freed = head - releaseCursor;
            if (freed < 0) {
                freed += size;
            }
            if (freed > 0) {
                releasedLocal += freed;
                releaseCursor = head;
                RELEASED.setRelease(this, releasedLocal);
            }
            long prod = (long) PRODUCED.getAcquire(this);
            to.tail = (int) (prod % size);
        }
    }

    private PipePort(String uri, int queues, int mtu, byte[] mac, PipeRing[] rx, PipeRing[] tx, Arena arena,
                     AtomicInteger openEnds) {
        this.uri = uri;
        this.queues = queues;
        this.mtu = mtu;
        this.mac = mac;
        this.rx = rx;
        this.tx = tx;
        this.out = new Link[queues];
        this.in = new Link[queues];
        this.arena = arena;
        this.openEnds = openEnds;
    }

    /**
     * Both ends of a new pipe.
     *
     * @param slots slots per ring
     * @param mtu   largest IP packet per frame (up to 65521)
     */
    public static PipePort[] pair(String name, int queues, int slots, int mtu) {
        if (queues < 1 || slots < 2 || mtu < 68 || mtu > 65521) {
            throw new IllegalArgumentException("a pipe needs >= 1 queue, >= 2 slots and an MTU within 68..65521");
        }
        int frameCapacity = mtu + 14;
        int bufferSize = (frameCapacity + 63) & ~63;
        long ringBytes = (long) slots * bufferSize;
        Arena arena = Arena.ofShared();
        MemorySegment memory = arena.allocate(ringBytes * 4 * queues, 4096);
        PipeRing[][] rx = new PipeRing[2][queues];
        PipeRing[][] tx = new PipeRing[2][queues];
        long next = 0;
        for (int end = 0; end < 2; end++) {
            for (int q = 0; q < queues; q++) {
                rx[end][q] = new PipeRing(memory, slots, next, bufferSize, frameCapacity);
                next += ringBytes;
                tx[end][q] = new PipeRing(memory, slots, next, bufferSize, frameCapacity);
                next += ringBytes;
                tx[end][q].tail = slots - 1;
            }
        }
        int h = name.hashCode();
        AtomicInteger open = new AtomicInteger(2);
        PipePort a = new PipePort("pipe:" + name, queues, mtu, mac(h, 1), rx[0], tx[0], arena, open);
        PipePort b = new PipePort("pipe:" + name, queues, mtu, mac(h, 2), rx[1], tx[1], arena, open);
        for (int q = 0; q < queues; q++) {
            Link ab = new Link(tx[0][q], rx[1][q]);
            Link ba = new Link(tx[1][q], rx[0][q]);
            a.out[q] = ab;
            b.in[q] = ab;
            b.out[q] = ba;
            a.in[q] = ba;
        }
        return new PipePort[] {a, b};
    }

    /**
     * Opens {@code pipe:NAME} by name: the first open of a name creates the pipe and returns one end, the second
     * returns the other end (one queue, {@link #DEFAULT_SLOTS} slots, MTU 1500).
     */
    public static PipePort open(PortUri uri) {
        if (uri.kind() != PortUri.Kind.PIPE) {
            throw new IllegalArgumentException(uri + " is not a pipe: URI");
        }
        synchronized (WAITING) {
            PipePort waiting = WAITING.remove(uri.name());
            if (waiting != null) {
                return waiting;
            }
            PipePort[] ends = pair(uri.name(), 1, DEFAULT_SLOTS, 1500);
            WAITING.put(uri.name(), ends[1]);
            return ends[0];
        }
    }

    /** Locally administered, unicast (02:...), distinct per pipe name and end. */
    private static byte[] mac(int nameHash, int end) {
        return new byte[] {0x02, 0x70, (byte) (nameHash >>> 24), (byte) (nameHash >>> 16), (byte) (nameHash >>> 8),
                (byte) ((nameHash & 0xF0) | end)};
    }

    @Override
    public String uri() {
        return uri;
    }

    @Override
    public int queues() {
        return queues;
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
        out[queue].transmit();
    }

    @Override
    public void rxSync(int queue) {
        in[queue].receive();
    }

    @Override
    public int pollFd(int queue) {
        return -1;
    }

    /**
     * In-process wake-up, the pipe's stand-in for {@link #pollFd}: while {@code waiter} is set, the peer unparks
     * it ({@link LockSupport#unpark}) whenever it hands frames to rx ring {@code queue}. A loop sets itself,
     * then calls {@link #rxSync} and parks only if the ring is still empty; it clears the waiter (null) after.
     */
    public void receiveWaiter(int queue, Thread waiter) {
        in[queue].waiter = waiter;
        VarHandle.fullFence();
    }

    @Override
    public byte[] macAddress() {
        return mac.clone();
    }

    @Override
    public int mtu() {
        return mtu;
    }

    @Override
    public PortFeatures features() {
        return PortFeatures.plain(mtu);
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (openEnds.decrementAndGet() == 0) {
            arena.close();
        }
    }
}
