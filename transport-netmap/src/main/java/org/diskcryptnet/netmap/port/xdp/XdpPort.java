package org.diskcryptnet.netmap.port.xdp;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.diskcryptnet.netmap.port.xdp.XdpAbi.*;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import io.netty.util.internal.logging.InternalLogger;
import io.netty.util.internal.logging.InternalLoggerFactory;

import org.diskcryptnet.netmap.port.KernelQueuePort;
import org.diskcryptnet.netmap.port.PortException;
import org.diskcryptnet.netmap.port.PortFeatures;
import org.diskcryptnet.netmap.port.PortOptions;
import org.diskcryptnet.netmap.port.PortOptions.XdpMode;
import org.diskcryptnet.netmap.port.PortOptions.ZeroCopy;
import org.diskcryptnet.netmap.port.PortUri;
import org.diskcryptnet.netmap.port.SlotRing;
import org.diskcryptnet.netmap.port.linux.Errno;
import org.diskcryptnet.netmap.port.linux.Libc;
import org.diskcryptnet.netmap.port.linux.MappedRegion;
import org.diskcryptnet.netmap.port.linux.NetDevice;
import org.diskcryptnet.netmap.port.linux.Sockets;

/**
 * {@code xdp:IF[@queue]}: AF_XDP sockets on one or more rx/tx queues of an interface, sharing one UMEM, with the
 * redirect program of {@link XdpRedirectProgram} attached by a bpf link.
 *
 * <p>The UMEM is page-aligned anonymous memory cut into 4 KiB chunks; queue {@code i} owns {@code 2 * ringSize} of
 * them, half for rx and half for tx, so loops never share a chunk. The port's rings map onto the socket's rings as
 * netmap's would onto a NIC: {@link #rxSync} returns the chunks of released rx slots to the fill ring, wakes the
 * driver if it asked for it (XDP_USE_NEED_WAKEUP), and moves new rx descriptors into slots; {@link #txSync} moves
 * submitted slots into the tx ring, kicks with one {@code sendto} when the kernel asks for it, and hands the chunks
 * the completion ring returns to the free tx slots (a netmap buffer swap: a slot's offset may change).
 *
 * <p>Copy mode works on any driver (on veth natively or generically); zero-copy where the driver supports it. Frames
 * the kernel sends through a local interface may carry partial checksums that AF_XDP does not flag: the kernel
 * peer must have tx checksum offload off ({@code ethtool -K PEER tx off}).
 */
public final class XdpPort extends KernelQueuePort<XdpPort.Queue> {

    private static final InternalLogger LOG = InternalLoggerFactory.getInstance(XdpPort.class);

    static final int CHUNK = 4096;

    private final NetDevice device;
    private final MappedRegion umem;
    private final XdpRedirectProgram program;
    private final boolean zeroCopy;

    private XdpPort(String uri, NetDevice device, MappedRegion umem, XdpRedirectProgram program, Queue[] queues) {
        super(uri, features(device), queues);
        this.device = device;
        this.umem = umem;
        this.program = program;
        this.zeroCopy = queues[0].zeroCopy;
    }

    private static PortFeatures features(NetDevice device) {
        int frame = Math.min(device.mtu() + 14, CHUNK - XDP_PACKET_HEADROOM);
        // UMEM chunks are page-aligned anonymous memory that the kernel pins: an O_DIRECT read may land in them
        return new PortFeatures(false, false, false, frame, true);
    }

    /** Opens {@code xdp:IF[@queue]} in the calling thread's network namespace. */
    public static XdpPort open(PortUri uri, PortOptions options) {
        Xdp.ensureAvailability();
        NetDevice device = NetDevice.lookup(uri.name());
        int first = uri.queue();
        int count = options.queues() == 0 ? device.rxQueues() - first : options.queues();
        if (first + count > device.rxQueues() || count < 1) {
            throw new PortException(PortException.Reason.INVALID, uri + ": queues " + first + ".." + (first + count - 1)
                    + " asked, " + device.name() + " has rx queues 0.." + (device.rxQueues() - 1));
        }
        if (device.mtu() + 14 > CHUNK - XDP_PACKET_HEADROOM) {
            throw new PortException(PortException.Reason.INVALID, uri + ": MTU " + device.mtu()
                    + " does not fit a 4 KiB UMEM chunk after the XDP headroom (at most " + (CHUNK - XDP_PACKET_HEADROOM - 14) + ")");
        }
        if (count < device.rxQueues()) {
            // the XDP program passes a frame of an unserved queue to the kernel, which does not own the address
            LOG.warn("{}: serving rx queues {}..{} of {}'s 0..{}: flows the device steers (RSS) to the others reach "
                    + "the kernel, not this stack; give it one loop per queue or reduce its queues (ethtool -L {} "
                    + "combined|rx {})", uri, first, first + count - 1, device.name(), device.rxQueues() - 1,
                    device.name(), count);
        }
        int ring = options.ringSize();
        MappedRegion umem = MappedRegion.anonymous((long) count * 2 * ring * CHUNK, "AF_XDP UMEM");
        XdpRedirectProgram program = null;
        Queue[] queues = new Queue[count];
        try {
            program = XdpRedirectProgram.load(device.rxQueues());
            queues[0] = openFirst(device, first, umem, ring, options.zeroCopy());
            for (int i = 1; i < count; i++) {
                queues[i] = new Queue(device, first + i, umem, (long) i * 2 * ring, ring, queues[0].fd(),
                        XDP_SHARED_UMEM);
            }
            for (int i = 0; i < count; i++) {
                program.bind(first + i, queues[i].fd());
            }
            program.attach(device.index(), device.name(), options.xdpMode());
            return new XdpPort(uri.toString(), device, umem, program, queues);
        } catch (RuntimeException e) {
            if (program != null) {
                program.close();
            }
            for (Queue q : queues) {
                if (q != null) {
                    q.close();
                }
            }
            umem.close();
            throw e;
        }
    }

    private static Queue openFirst(NetDevice device, int queue, MappedRegion umem, int ring, ZeroCopy zeroCopy) {
        if (zeroCopy == ZeroCopy.OFF) {
            return new Queue(device, queue, umem, 0, ring, -1, (short) (XDP_COPY | XDP_USE_NEED_WAKEUP));
        }
        try {
            return new Queue(device, queue, umem, 0, ring, -1, (short) (XDP_ZEROCOPY | XDP_USE_NEED_WAKEUP));
        } catch (PortException e) {
            if (zeroCopy == ZeroCopy.ON) {
                throw new PortException(e.reason(), e.getMessage() + " (zero-copy asked; the driver of "
                        + device.name() + " may not support it)", e.errno());
            }
            return new Queue(device, queue, umem, 0, ring, -1, (short) (XDP_COPY | XDP_USE_NEED_WAKEUP));
        }
    }

    @Override
    public byte[] macAddress() {
        return device.mac();
    }

    @Override
    public int mtu() {
        return device.mtu();
    }

    /** Whether the sockets are bound in zero-copy mode (XDP_OPTIONS_ZEROCOPY). */
    public boolean zeroCopy() {
        return zeroCopy;
    }

    /** Where the program runs: NATIVE (driver hook) or GENERIC (SKB mode). */
    public XdpMode attachMode() {
        return program.attachedMode();
    }

    @Override
    public void close() {
        program.close(); // first: no frame is redirected to a socket that is going away
        super.close();
        umem.close();
    }

    @Override
    public String toString() {
        return uri() + " (AF_XDP " + (zeroCopy ? "zero-copy" : "copy") + ", " + attachMode().name().toLowerCase()
                + " XDP, ifindex " + device.index() + ", " + queues.length + " queue(s))";
    }

    /** One AF_XDP socket, its four rings and the port's two rings over them. */
    static final class Queue extends KernelQueuePort.Queue {
        final XskRing fill, completion, rxKernel, txKernel;
        final boolean zeroCopy;
        int rxReleased;
        int txSubmitted;
        int txReclaimed;

        Queue(NetDevice device, int queueId, MappedRegion umem, long firstChunk, int ring, int sharedFd, short bindFlags) {
            int fd = -1;
            XskRing fr = null, cr = null, rr = null, tr = null;
            try (Arena call = Arena.ofConfined()) {
                fd = Errno.check(Libc.socket(state, Sockets.AF_XDP, Sockets.SOCK_RAW | Sockets.SOCK_CLOEXEC, 0), state,
                        "socket(AF_XDP)");
                if (sharedFd < 0) {
                    MemorySegment reg = call.allocate(UMEM_REG);
                    reg.set(JAVA_LONG, offset(UMEM_REG, "addr"), umem.segment().address());
                    reg.set(JAVA_LONG, offset(UMEM_REG, "len"), umem.segment().byteSize());
                    reg.set(JAVA_INT, offset(UMEM_REG, "chunk_size"), CHUNK);
                    Errno.check(Libc.setsockopt(state, fd, SOL_XDP, XDP_UMEM_REG, reg, (int) reg.byteSize()), state,
                            "XDP_UMEM_REG (" + umem.segment().byteSize() + " B)");
                }
                Sockets.setInt(state, call, fd, SOL_XDP, XDP_UMEM_FILL_RING, ring, "XDP_UMEM_FILL_RING");
                Sockets.setInt(state, call, fd, SOL_XDP, XDP_UMEM_COMPLETION_RING, ring, "XDP_UMEM_COMPLETION_RING");
                Sockets.setInt(state, call, fd, SOL_XDP, XDP_RX_RING, ring, "XDP_RX_RING");
                Sockets.setInt(state, call, fd, SOL_XDP, XDP_TX_RING, ring, "XDP_TX_RING");
                MemorySegment off = call.allocate(MMAP_OFFSETS);
                MemorySegment len = call.allocateFrom(JAVA_INT, (int) off.byteSize());
                Errno.check(Libc.getsockopt(state, fd, SOL_XDP, XDP_MMAP_OFFSETS, off, len), state, "XDP_MMAP_OFFSETS");
                rr = map(fd, off, "rx", ring, (int) DESC.byteSize(), XDP_PGOFF_RX_RING);
                tr = map(fd, off, "tx", ring, (int) DESC.byteSize(), XDP_PGOFF_TX_RING);
                fr = map(fd, off, "fr", ring, 8, XDP_UMEM_PGOFF_FILL_RING);
                cr = map(fd, off, "cr", ring, 8, XDP_UMEM_PGOFF_COMPLETION_RING);

                // every rx chunk starts in the fill ring
                for (int i = 0; i < ring; i++) {
                    fr.putAddress(i, (firstChunk + i) * CHUNK);
                }
                fr.publish(ring);

                MemorySegment sxdp = call.allocate(SOCKADDR_XDP);
                sxdp.set(java.lang.foreign.ValueLayout.JAVA_SHORT, offset(SOCKADDR_XDP, "sxdp_family"), (short) Sockets.AF_XDP);
                sxdp.set(java.lang.foreign.ValueLayout.JAVA_SHORT, offset(SOCKADDR_XDP, "sxdp_flags"), bindFlags);
                sxdp.set(JAVA_INT, offset(SOCKADDR_XDP, "sxdp_ifindex"), device.index());
                sxdp.set(JAVA_INT, offset(SOCKADDR_XDP, "sxdp_queue_id"), queueId);
                sxdp.set(JAVA_INT, offset(SOCKADDR_XDP, "sxdp_shared_umem_fd"), Math.max(sharedFd, 0));
                String mode = (bindFlags & XDP_ZEROCOPY) != 0 ? "zero-copy" : (bindFlags & XDP_COPY) != 0 ? "copy" : "shared UMEM";
                // A queue stays taken for a moment after its previous socket closed: the kernel releases the
                // buffer pool from a work queue (xp_release_deferred). Wait for that, briefly.
                long deadline = System.nanoTime() + 3_000_000_000L;
                while (Libc.bind(state, fd, sxdp, (int) sxdp.byteSize()) < 0) {
                    int errno = Libc.errno(state);
                    if (errno != Errno.EBUSY || System.nanoTime() > deadline) {
                        throw Errno.failure("bind AF_XDP to " + device.name() + " queue " + queueId + " (" + mode + ")"
                                + (errno == Errno.EBUSY ? ": another AF_XDP socket holds the queue" : ""), errno);
                    }
                    java.util.concurrent.locks.LockSupport.parkNanos(10_000_000L);
                }
                MemorySegment opts = call.allocate(JAVA_INT);
                MemorySegment optLen = call.allocateFrom(JAVA_INT, 4);
                Errno.check(Libc.getsockopt(state, fd, SOL_XDP, XDP_OPTIONS, opts, optLen), state, "XDP_OPTIONS");
                this.zeroCopy = (opts.get(JAVA_INT, 0) & XDP_OPTIONS_ZEROCOPY) != 0;
            } catch (RuntimeException e) {
                for (XskRing r : new XskRing[] {fr, cr, rr, tr}) {
                    if (r != null) {
                        r.close();
                    }
                }
                Sockets.closeQuietly(fd);
                arena.close();
                throw e;
            }
            this.fd = fd;
            this.fill = fr;
            this.completion = cr;
            this.rxKernel = rr;
            this.txKernel = tr;
            MemorySegment memory = umem.segment();
            this.rx = new SlotRing(memory, ring, CHUNK - XDP_PACKET_HEADROOM, false);
            this.tx = new SlotRing(memory, ring, CHUNK, false);
            for (int i = 0; i < ring; i++) {
                tx.offset(i, (firstChunk + ring + i) * CHUNK);
            }
            tx.tail(ring - 1);
        }

        private static XskRing map(int fd, MemorySegment off, String which, int ring, int entrySize, long pgoff) {
            long producer = off.get(JAVA_LONG, offset(MMAP_OFFSETS, which, "producer"));
            long consumer = off.get(JAVA_LONG, offset(MMAP_OFFSETS, which, "consumer"));
            long desc = off.get(JAVA_LONG, offset(MMAP_OFFSETS, which, "desc"));
            long flags = off.get(JAVA_LONG, offset(MMAP_OFFSETS, which, "flags"));
            MappedRegion region = MappedRegion.mapShared(fd, desc + (long) ring * entrySize, pgoff, "AF_XDP " + which + " ring");
            return new XskRing(region, producer, consumer, desc, flags, ring, entrySize);
        }





        @Override
        public void rxSync() {
            // released rx slots: their chunks go back to the fill ring
            int head = rx.head();
            int released = rx.distance(rxReleased, head);
            if (released > 0) {
                for (int i = 0, s = rxReleased; i < released; i++, s = rx.next(s)) {
                    fill.putAddress(i, rx.offset(s) & -CHUNK);
                }
                fill.publish(released);
                rxReleased = head;
            }
            if (fill.needsWakeup()) {
                counters.rxKicks++;
                Libc.recvfrom(state, fd, MemorySegment.NULL, 0, Sockets.MSG_DONTWAIT);
            }
            int free = rx.size() - 1 - rx.space();
            int n = Math.min(free, rxKernel.available());
            int tail = rx.tail();
            MemorySegment ring = rxKernel.memory;
            for (int i = 0; i < n; i++) {
                long desc = rxKernel.consumerEntry(i);
                long addr = ring.get(JAVA_LONG, desc + DESC_ADDR);
                int length = ring.get(JAVA_INT, desc + DESC_LEN);
                rx.offset(tail, addr);
                rx.receivedLength(tail, length);
                tail = rx.next(tail);
                counters.rxBytes += length;
            }
            if (n > 0) {
                rxKernel.release(n);
                rx.tail(tail);
                counters.rxFrames += n;
            }
        }

        @Override
        public void txSync() {
            int head = tx.head();
            int submit = Math.min(tx.distance(txSubmitted, head), txKernel.free());
            if (submit > 0) {
                MemorySegment ring = txKernel.memory;
                for (int i = 0, s = txSubmitted; i < submit; i++, s = tx.next(s)) {
                    long desc = txKernel.producerEntry(i);
                    int length = tx.length(s);
                    ring.set(JAVA_LONG, desc + DESC_ADDR, tx.offset(s));
                    ring.set(JAVA_INT, desc + DESC_LEN, length);
                    ring.set(JAVA_INT, desc + DESC_OPTIONS, 0);
                    counters.txBytes += length;
                }
                txKernel.publish(submit);
                txSubmitted = tx.plus(txSubmitted, submit);
                counters.txFrames += submit;
            }
            if (txSubmitted != txReclaimed && txKernel.needsWakeup()) {
                counters.txKicks++;
                if (Libc.sendto(state, fd, MemorySegment.NULL, 0, Sockets.MSG_DONTWAIT, MemorySegment.NULL, 0) < 0) {
                    int errno = Libc.errno(state);
                    if (errno != Errno.EAGAIN && errno != Errno.EBUSY && errno != Errno.ENOBUFS) {
                        counters.txErrors++; // ENETDOWN, ENXIO: the device went away; frames stay queued
                    }
                }
            }
            // completed chunks become the buffers of the slots they free (netmap's buffer swap)
            int done = completion.available();
            if (done > 0) {
                int s = txReclaimed;
                for (int i = 0; i < done; i++) {
                    tx.offset(s, completion.address(i) & -CHUNK);
                    s = tx.next(s);
                }
                completion.release(done);
                txReclaimed = s;
                tx.tail(s == 0 ? tx.size() - 1 : s - 1);
            }
        }

        @Override
        public void close() {
            Sockets.closeQuietly(fd);
            fill.close();
            completion.close();
            rxKernel.close();
            txKernel.close();
            if (arena.scope().isAlive()) {
                arena.close();
            }
        }
    }
}
