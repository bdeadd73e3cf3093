package org.diskcryptnet.netmap.port.xdp;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;
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
import org.diskcryptnet.netmap.port.linux.L4Checksum;
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
 *
 * <p>Transmit checksums are the kernel's in copy mode where it takes tx metadata (Linux 6.11, XDP_UMEM_TX_METADATA_LEN):
 * every tx frame starts {@link #TX_HEADROOM} bytes into its chunk, behind an {@code xsk_tx_metadata}, and a frame
 * the stack left partial ({@link org.diskcryptnet.netmap.port.PacketRing#txOffload}) goes out with
 * XDP_TXMD_FLAGS_CHECKSUM: the kernel builds its sk_buff as CHECKSUM_PARTIAL, which a device with checksum offload
 * completes, the kernel's software fallback completes for any other (validate_xmit_skb), and a veth peer accepts as
 * is. In zero-copy mode the driver would have to implement the request, and nothing tells whether it does: frames
 * there are complete. The system property {@value #TX_CHECKSUM_OFFLOAD_PROPERTY}{@code =false} makes the stack
 * complete every checksum itself (for A/B measurements, or a kernel that mishandles the metadata).
 */
public final class XdpPort extends KernelQueuePort<XdpPort.Queue> {

    private static final InternalLogger LOG = InternalLoggerFactory.getInstance(XdpPort.class);

    static final int CHUNK = 4096;
    /** Where a tx frame starts in its chunk once the UMEM has tx metadata: right behind it. */
    static final int TX_HEADROOM = (int) TX_METADATA.byteSize();
    public static final String TX_CHECKSUM_OFFLOAD_PROPERTY = "org.diskcryptnet.xdp.txChecksumOffload";
    private static final boolean TX_CHECKSUM_OFFLOAD = !"false".equals(System.getProperty(TX_CHECKSUM_OFFLOAD_PROPERTY));

    private final NetDevice device;
    private final MappedRegion umem;
    private final XdpRedirectProgram program;
    private final boolean zeroCopy;

    private XdpPort(String uri, NetDevice device, MappedRegion umem, XdpRedirectProgram program, Queue[] queues) {
        super(uri, features(device, queues[0]), queues);
        this.device = device;
        this.umem = umem;
        this.program = program;
        this.zeroCopy = queues[0].zeroCopy;
    }

    private static PortFeatures features(NetDevice device, Queue first) {
        int frame = Math.min(device.mtu() + 14, CHUNK - XDP_PACKET_HEADROOM);
        // UMEM chunks are page-aligned anonymous memory that the kernel pins: an O_DIRECT read may land in them
        return new PortFeatures(first.txChecksumOffload(), false, false, frame, true);
    }

    /** Opens {@code xdp:IF[@queue]} in the calling thread's network namespace. */
    public static XdpPort open(PortUri uri, PortOptions options) {
        return open(uri, options, 0);
    }

    /**
     * {@link #open(PortUri, PortOptions)} with extra UMEM flags: tests pass {@link XdpAbi#XDP_UMEM_TX_SW_CSUM}, which
     * makes the kernel complete requested checksums itself, so that a receiver checks the partial sums the stack left.
     */
    static XdpPort open(PortUri uri, PortOptions options, int umemFlags) {
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
            queues[0] = openFirst(device, first, umem, ring, options.zeroCopy(), umemFlags);
            for (int i = 1; i < count; i++) {
                queues[i] = new Queue(device, first + i, umem, (long) i * 2 * ring, ring, queues[0].fd(),
                        XDP_SHARED_UMEM, queues[0].txHeadroom);
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

    private static Queue openFirst(NetDevice device, int queue, MappedRegion umem, int ring, ZeroCopy zeroCopy,
                                   int umemFlags) {
        if (zeroCopy == ZeroCopy.OFF) {
            return new Queue(device, queue, umem, ring, (short) (XDP_COPY | XDP_USE_NEED_WAKEUP), umemFlags);
        }
        try {
            return new Queue(device, queue, umem, ring, (short) (XDP_ZEROCOPY | XDP_USE_NEED_WAKEUP), umemFlags);
        } catch (PortException e) {
            if (zeroCopy == ZeroCopy.ON) {
                throw new PortException(e.reason(), e.getMessage() + " (zero-copy asked; the driver of "
                        + device.name() + " may not support it)", e.errno());
            }
            return new Queue(device, queue, umem, ring, (short) (XDP_COPY | XDP_USE_NEED_WAKEUP), umemFlags);
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
        /** Bytes in front of each tx frame in its chunk: {@link #TX_HEADROOM} with tx metadata, else 0. */
        final int txHeadroom;
        /** XDP_STATISTICS and its length, for {@link #refreshCounters}. */
        private final MemorySegment statistics = arena.allocate(STATISTICS);
        private final MemorySegment statisticsLength = arena.allocate(JAVA_INT);
        int rxReleased;
        int txSubmitted;
        int txReclaimed;

        /** The first socket of the port: it registers the UMEM, with tx metadata where the kernel takes it. */
        Queue(NetDevice device, int queueId, MappedRegion umem, int ring, short bindFlags, int umemFlags) {
            this(device, queueId, umem, 0, ring, -1, bindFlags, umemFlags, 0);
        }

        /** A further socket on the first one's UMEM, whose tx frames start {@code txHeadroom} into their chunks. */
        Queue(NetDevice device, int queueId, MappedRegion umem, long firstChunk, int ring, int sharedFd, short bindFlags,
              int txHeadroom) {
            this(device, queueId, umem, firstChunk, ring, sharedFd, bindFlags, 0, txHeadroom);
        }

        private Queue(NetDevice device, int queueId, MappedRegion umem, long firstChunk, int ring, int sharedFd,
                      short bindFlags, int umemFlags, int sharedTxHeadroom) {
            int fd = -1;
            int headroom = sharedTxHeadroom;
            XskRing fr = null, cr = null, rr = null, tr = null;
            try (Arena call = Arena.ofConfined()) {
                fd = Errno.check(Libc.socket(state, Sockets.AF_XDP, Sockets.SOCK_RAW | Sockets.SOCK_CLOEXEC, 0), state,
                        "socket(AF_XDP)");
                if (sharedFd < 0) {
                    headroom = registerUmem(fd, call, umem, umemFlags);
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
            this.txHeadroom = headroom;
            this.fill = fr;
            this.completion = cr;
            this.rxKernel = rr;
            this.txKernel = tr;
            MemorySegment memory = umem.segment();
            this.rx = new SlotRing(memory, ring, CHUNK - XDP_PACKET_HEADROOM, false);
            this.tx = new SlotRing(memory, ring, CHUNK - headroom, txChecksumOffload());
            for (int i = 0; i < ring; i++) {
                tx.offset(i, (firstChunk + ring + i) * CHUNK + headroom);
            }
            tx.tail(ring - 1);
        }

        /**
         * XDP_UMEM_REG, first with tx metadata. Only the flag's kernels (6.11 on) are trusted with it: 6.8 to 6.10
         * read tx_metadata_len without a flag, but so would an older kernel that ignores the field, and frames whose
         * checksum then stays partial would be dropped by every receiver.
         *
         * @return the tx headroom the registration gives: {@link #TX_HEADROOM} or 0
         */
        private int registerUmem(int fd, Arena call, MappedRegion umem, int extraFlags) {
            MemorySegment reg = call.allocate(UMEM_REG);
            reg.set(JAVA_LONG, offset(UMEM_REG, "addr"), umem.segment().address());
            reg.set(JAVA_LONG, offset(UMEM_REG, "len"), umem.segment().byteSize());
            reg.set(JAVA_INT, offset(UMEM_REG, "chunk_size"), CHUNK);
            if (TX_CHECKSUM_OFFLOAD) {
                reg.set(JAVA_INT, offset(UMEM_REG, "flags"), XDP_UMEM_TX_METADATA_LEN | extraFlags);
                reg.set(JAVA_INT, offset(UMEM_REG, "tx_metadata_len"), TX_HEADROOM);
                if (Libc.setsockopt(state, fd, SOL_XDP, XDP_UMEM_REG, reg, (int) reg.byteSize()) == 0) {
                    return TX_HEADROOM;
                }
                int errno = Libc.errno(state);
                if (errno != Errno.EINVAL || extraFlags != 0) {
                    throw Errno.failure("XDP_UMEM_REG (" + umem.segment().byteSize() + " B, tx metadata)", errno);
                }
                LOG.debug("XDP_UMEM_REG refused tx metadata (Linux before 6.11): the stack completes tx checksums itself");
                reg.set(JAVA_INT, offset(UMEM_REG, "flags"), 0);
                reg.set(JAVA_INT, offset(UMEM_REG, "tx_metadata_len"), 0);
            }
            Errno.check(Libc.setsockopt(state, fd, SOL_XDP, XDP_UMEM_REG, reg, (int) reg.byteSize()), state,
                    "XDP_UMEM_REG (" + umem.segment().byteSize() + " B)");
            return 0;
        }

        /** Whether tx frames may leave their checksum to the kernel: tx metadata, in copy mode. */
        boolean txChecksumOffload() {
            return txHeadroom > 0 && !zeroCopy;
        }

        private static XskRing map(int fd, MemorySegment off, String which, int ring, int entrySize, long pgoff) {
            long producer = off.get(JAVA_LONG, offset(MMAP_OFFSETS, which, "producer"));
            long consumer = off.get(JAVA_LONG, offset(MMAP_OFFSETS, which, "consumer"));
            long desc = off.get(JAVA_LONG, offset(MMAP_OFFSETS, which, "desc"));
            long flags = off.get(JAVA_LONG, offset(MMAP_OFFSETS, which, "flags"));
            MappedRegion region = MappedRegion.mapShared(fd, desc + (long) ring * entrySize, pgoff, "AF_XDP " + which + " ring");
            return new XskRing(region, producer, consumer, desc, flags, ring, entrySize);
        }





        /**
         * The socket's drops: rx_dropped counts frames no fill-ring buffer was there for (in copy mode; a
         * zero-copy driver drops those itself), rx_ring_full those the rx ring had no room for.
         */
        @Override
        public void refreshCounters() {
            statisticsLength.set(JAVA_INT, 0, (int) STATISTICS.byteSize());
            if (Libc.getsockopt(state, fd, SOL_XDP, XDP_STATISTICS, statistics, statisticsLength) == 0) {
                counters.rxNoBuffer = statistics.get(JAVA_LONG, STATISTICS_RX_DROPPED);
                counters.rxRingFull = statistics.get(JAVA_LONG, STATISTICS_RX_RING_FULL);
            }
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
                    long frame = tx.offset(s);
                    ring.set(JAVA_LONG, desc + DESC_ADDR, frame);
                    ring.set(JAVA_INT, desc + DESC_LEN, length);
                    ring.set(JAVA_INT, desc + DESC_OPTIONS, tx.takeOffload(s) < 0 ? 0 : checksumRequest(frame, length));
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
                    tx.offset(s, (completion.address(i) & -CHUNK) + txHeadroom);
                    s = tx.next(s);
                }
                completion.release(done);
                txReclaimed = s;
                tx.tail(s == 0 ? tx.size() - 1 : s - 1);
            }
        }

        /**
         * Writes the tx metadata that asks the kernel to complete the frame's TCP (or UDP) checksum and returns the
         * descriptor option that points the kernel to it; a frame that is neither goes out as it is, counted.
         */
        private int checksumRequest(long frame, int length) {
            MemorySegment m = tx.memory();
            int where = L4Checksum.locate(m, frame, length, false);
            if (where < 0) {
                counters.txErrors++;
                return 0;
            }
            long meta = frame - TX_HEADROOM;
            m.set(JAVA_LONG, meta + TXMD_FLAGS, XDP_TXMD_FLAGS_CHECKSUM);
            m.set(JAVA_SHORT, meta + TXMD_CSUM_START, (short) L4Checksum.start(where));
            m.set(JAVA_SHORT, meta + TXMD_CSUM_OFFSET, (short) L4Checksum.field(where));
            return XDP_TX_METADATA;
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
