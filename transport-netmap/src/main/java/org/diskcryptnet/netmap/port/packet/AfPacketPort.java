package org.diskcryptnet.netmap.port.packet;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;
import static org.diskcryptnet.netmap.port.packet.PacketAbi.*;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.VarHandle;

import org.diskcryptnet.netmap.port.KernelQueuePort;
import org.diskcryptnet.netmap.port.PortException;
import org.diskcryptnet.netmap.port.PortFeatures;
import org.diskcryptnet.netmap.port.PortOptions;
import org.diskcryptnet.netmap.port.PortUri;
import org.diskcryptnet.netmap.port.SlotRing;
import org.diskcryptnet.netmap.port.linux.Errno;
import org.diskcryptnet.netmap.port.linux.Libc;
import org.diskcryptnet.netmap.port.linux.MappedRegion;
import org.diskcryptnet.netmap.port.linux.NetDevice;
import org.diskcryptnet.netmap.port.linux.Sockets;
import org.diskcryptnet.netmap.port.linux.VirtioNetHdr;

/**
 * {@code packet:IF}: an AF_PACKET socket with a TPACKET_V2 rx ring and a TPACKET_V2 tx ring mapped into the process
 * (packet_mmap.rst). Works on any Linux interface; the kernel copies each frame once in each direction.
 *
 * <p>Rx: fixed-size frames, each with its own status word, so the kernel hands over every frame as it writes it, and
 * a poll wakes for it. (TPACKET_V3's blocks go over only when full or when their retire timer fires, one jiffy at
 * least, 4 ms at HZ=250: the latency floor of every request and ACK on a quiet link, which bounded the origin at 10
 * connections.) Rx slot {@code s} holds frame {@code slotFrame[s]}, which goes back to the kernel when the
 * application releases the slot; a frame the port drops goes back at once. Tx: tx slot {@code i} is tx frame
 * {@code i}; {@link #txSync} marks the new frames SEND_REQUEST, kicks the kernel with one {@code sendto}, and
 * reclaims the frames the kernel has released (status back to AVAILABLE), in ring order.
 *
 * <p>The socket ignores outgoing frames (PACKET_IGNORE_OUTGOING), so the stack never sees its own tx, and bypasses
 * the qdisc. With {@link PortOptions#offloads()} each frame carries a virtio-net header (PACKET_VNET_HDR): partial
 * checksums from a local peer are completed in software, large received segments arrive whole, and tx frames may
 * ask for checksum and segmentation offload. Without it, frames the kernel marks TP_STATUS_CSUMNOTREADY (from a
 * local sender with tx checksum offload, e.g. a veth peer) are completed from their IPv4 header.
 *
 * <p>The rx ring's frames hold one MTU-sized frame, with offloads too: what a server receives is mostly ACKs and
 * requests, and a ring of 64 KiB frames cost 69 MiB a queue for 1,024 of them. With offloads a larger frame (a
 * segment the peer's kernel did not cut, or GRO merged) is also queued whole on the socket (PACKET_COPY_THRESH):
 * its ring frame comes truncated and marked TP_STATUS_COPY, and the port reads the whole frame with read(2), in
 * ring order, into one of a few large buffers mapped right after the rings.
 *
 * <p>Several queues join one fanout group by rx queue (PACKET_FANOUT_QM): queue {@code i}'s socket receives the
 * frames the device received on its queue {@code i}.
 */
public final class AfPacketPort extends KernelQueuePort<AfPacketPort.Queue> {

    private static final VarHandle INT = JAVA_INT.varHandle();
    private static final java.lang.foreign.ValueLayout.OfShort JAVA_SHORT_BE =
            java.lang.foreign.ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(java.nio.ByteOrder.BIG_ENDIAN);

    /** The rx block for frames larger than a page: a power of two, so the kernel's allocation has no slack. */
    private static final int RX_LARGE_BLOCK = 1 << 20;
    /** Rx slots per slot of {@link PortOptions#ringSize()}: received bursts are larger than a loop's sends. */
    private static final int RX_SLOTS_PER_SLOT = 4;
    private static final int MAX_RX_SLOTS = 1 << 16;
    /**
     * Buffers a queue holds for received frames larger than its ring frames. A slot holds one until the stack
     * releases it, at the end of the batch it came in; while all are held, such a frame waits in the socket.
     */
    private static final int LARGE_FRAMES = 16;
    /** The socket's receive buffer, where the large frames wait in the kernel: room for dozens of 64 KiB ones. */
    private static final int LARGE_FRAME_QUEUE_BYTES = 4 << 20;

    private final NetDevice device;

    private AfPacketPort(String uri, NetDevice device, PortFeatures features, Queue[] queues) {
        super(uri, features, queues);
        this.device = device;
    }

    /** Opens {@code packet:IF} in the calling thread's network namespace. */
    public static AfPacketPort open(PortUri uri, PortOptions options) {
        AfPacket.ensureAvailability();
        NetDevice device = NetDevice.lookup(uri.name());
        int count = options.queues() == 0 ? device.rxQueues() : options.queues();
        if (count > device.rxQueues()) {
            throw new PortException(PortException.Reason.INVALID, uri + ": " + count + " queues asked, "
                    + device.name() + " has " + device.rxQueues() + " rx queues");
        }
        boolean vnet = options.offloads();
        int vnetSize = vnet ? VirtioNetHdr.SIZE : 0;
        int mtuFrame = device.mtu() + 14 + 4; // + 4: a VLAN tag
        int maxFrame = vnet ? 65535 + 14 : mtuFrame;
        int txFrameSize = Integer.highestOneBit(TX_DATA_OFFSET + vnetSize + maxFrame - 1) << 1;
        // with offloads a 32nd of the ring size (PortOptions.txFrames): on the veth testbed at 1,000 connections, 32
        // frames instead of 256 made the kernel's copy of them (inside the kick) take 42% less CPU per GB and the
        // process 4% less; 16 measured alike, 64 no better than 256
        int txFrames = options.txFrames();
        int page = Libc.pageSize();
        // tx frames are a power of two: one large frame a block, or a page of small ones; tx slot i is frame i
        RingGeometry tx = new RingGeometry(txFrameSize, Math.max(txFrameSize, page), txFrames);
        // An rx frame holds an MTU-sized frame after the header, the link header's room and the virtio-net header:
        // a power of two up to half a page (two MTU frames a page), else whole pages. Frames never span blocks, and
        // the kernel allocates each block as a power of two of pages, so frames of several pages go to a 1 MiB
        // block rather than one to an allocation with slack. Each frame holds one frame however small: ACKs from
        // 1,000 connections overflowed 256 of them 5,636 times in 20 s, 512 of them 1,500-2,700 times (with 360-840
        // RTOs), 1,024 of them 0-107 times (3-32 RTOs); the RSTs of 10,000 connections whose client exits come at
        // once. So the rx ring has RX_SLOTS_PER_SLOT times the port's ring size (8 MiB at the default). With
        // offloads, larger frames go whole through the socket into the large buffers (class comment).
        int rxNeeded = RX_NET_OFFSET + vnetSize + mtuFrame;
        int rxFrameSize = rxNeeded <= page / 2 ? Integer.highestOneBit(rxNeeded - 1) << 1
                : (rxNeeded + page - 1) / page * page;
        int rxBlockSize = rxFrameSize <= page ? page : Math.max(RX_LARGE_BLOCK, rxFrameSize);
        RingGeometry rx = new RingGeometry(rxFrameSize, rxBlockSize,
                Math.min(RX_SLOTS_PER_SLOT * options.ringSize(), MAX_RX_SLOTS));
        LargeFrames large = vnet ? new LargeFrames(LARGE_FRAMES, vnetSize + maxFrame, page) : LargeFrames.NONE;
        Queue[] queues = new Queue[count];
        int fanoutId = (int) ((ProcessHandle.current().pid() * 31 + device.index()) & 0xFFFF);
        try {
            for (int i = 0; i < count; i++) {
                queues[i] = new Queue(device, vnet, rx, tx, large, count > 1 ? fanoutId : -1);
            }
        } catch (RuntimeException e) {
            for (Queue q : queues) {
                if (q != null) {
                    q.close();
                }
            }
            throw e;
        }
        int txCapacity = txFrameSize - TX_DATA_OFFSET - vnetSize;
        PortFeatures features = new PortFeatures(vnet, false, vnet, vnet ? txCapacity : device.mtu() + 14, false);
        return new AfPacketPort(uri.toString(), device, features, queues);
    }

    @Override
    public byte[] macAddress() {
        return device.mac();
    }

    @Override
    public int mtu() {
        return device.mtu();
    }

    @Override
    public String toString() {
        return uri() + " (AF_PACKET TPACKET_V2, ifindex " + device.index() + ", " + queues.length + " queue(s))";
    }

    /**
     * A ring's shape (struct tpacket_req): {@code slots} (a power of two) slots over {@code frames} frames of
     * {@code frameSize} bytes, {@code perBlock} to a block of {@code blockSize} bytes. The frames fill whole blocks,
     * so an rx ring may have a few more frames than slots; a tx ring has exactly one frame a slot, since the kernel
     * sends from every frame in turn.
     */
    record RingGeometry(int frameSize, int blockSize, int slots, int perBlock, int blocks) {
        RingGeometry(int frameSize, int blockSize, int slots) {
            this(frameSize, blockSize, slots, blockSize / frameSize, blocksFor(slots, blockSize / frameSize));
        }

        private static int blocksFor(int slots, int perBlock) {
            return (slots + perBlock - 1) / perBlock;
        }

        int frames() {
            return perBlock * blocks;
        }

        long bytes() {
            return (long) blockSize * blocks;
        }

        /** Where frame {@code f}'s header starts in the ring. */
        long offset(int f) {
            return (long) (f / perBlock) * blockSize + (long) (f % perBlock) * frameSize;
        }
    }

    /** A queue's buffers for received frames larger than its ring frames: {@code count} of {@code stride} bytes. */
    record LargeFrames(int count, int stride) {
        static final LargeFrames NONE = new LargeFrames(0, 0);

        /** {@code count} buffers of {@code bytes} each, rounded up to whole pages. */
        LargeFrames(int count, int bytes, int page) {
            this(count, (bytes + page - 1) / page * page);
        }

        long bytes() {
            return (long) count * stride;
        }
    }

    /** One socket, its two rings and their bookkeeping; used by one loop. */
    static final class Queue extends KernelQueuePort.Queue {
        final MappedRegion region;
        final MemorySegment memory;
        final boolean vnet;

        // rx: frames [0, rxGeometry.frames()) from offset 0; slots point into them
        final RingGeometry rxGeometry;
        final int[] slotFrame;         // the frame a slot's data lies in, or -1 - b: large buffer b
        final boolean[] frameHeld;     // the frame is in a slot the application has not released
        int nextFrame;                 // the frame to read next
        int rxReleased;                // first slot not yet given back (the previous head)

        // large received frames: buffers after the tx frames, read whole from the socket (TP_STATUS_COPY)
        final LargeFrames large;
        final long largeBase;
        final int[] largeFree;         // a stack of free buffer indexes
        int largeFreeCount;

        // tx: frames [0, txGeometry.frames()) after the rx frames, frame i in slot i
        final long txBase;
        final RingGeometry txGeometry;
        int txSubmitted;               // first slot not yet marked SEND_REQUEST
        int txCompleted;               // first slot not yet seen AVAILABLE again

        /** PACKET_STATISTICS and its length, for {@link #refreshCounters}. */
        private final MemorySegment statistics = arena.allocate(TPACKET_STATS);
        private final MemorySegment statisticsLength = arena.allocate(JAVA_INT);

        Queue(NetDevice device, boolean vnet, RingGeometry rxGeometry, RingGeometry txGeometry, LargeFrames large,
              int fanoutId) {
            if (txGeometry.frames() != txGeometry.slots()) {
                throw new IllegalArgumentException("tx ring of " + txGeometry.slots() + " slots over "
                        + txGeometry.frames() + " frames");
            }
            this.vnet = vnet;
            this.rxGeometry = rxGeometry;
            this.frameHeld = new boolean[rxGeometry.frames()];
            this.txGeometry = txGeometry;
            this.large = large;
            this.largeBase = rxGeometry.bytes() + txGeometry.bytes();
            this.largeFree = new int[large.count()];
            for (int b = 0; b < large.count(); b++) {
                largeFree[b] = b;
            }
            this.largeFreeCount = large.count();
            int fd = -1;
            MappedRegion mapped = null;
            try (Arena call = Arena.ofConfined()) {
                fd = Errno.check(Libc.socket(state, Sockets.AF_PACKET,
                        Sockets.SOCK_RAW | Sockets.SOCK_NONBLOCK | Sockets.SOCK_CLOEXEC, 0), state, "socket(AF_PACKET)");
                Sockets.setInt(state, call, fd, SOL_PACKET, PACKET_VERSION, TPACKET_V2, "PACKET_VERSION TPACKET_V2");
                if (vnet) {
                    Sockets.setInt(state, call, fd, SOL_PACKET, PACKET_VNET_HDR, 1, "PACKET_VNET_HDR");
                }
                Sockets.setInt(state, call, fd, SOL_PACKET, PACKET_QDISC_BYPASS, 1, "PACKET_QDISC_BYPASS");
                Sockets.setInt(state, call, fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, 1, "PACKET_IGNORE_OUTGOING");
                Sockets.setInt(state, call, fd, SOL_PACKET, PACKET_LOSS, 1, "PACKET_LOSS");
                if (large.count() > 0) {
                    Sockets.setInt(state, call, fd, SOL_PACKET, PACKET_COPY_THRESH, 1, "PACKET_COPY_THRESH");
                    setReceiveBuffer(call, fd);
                }
                setRing(call, fd, PACKET_RX_RING, rxGeometry, "PACKET_RX_RING");
                setRing(call, fd, PACKET_TX_RING, txGeometry, "PACKET_TX_RING");

                long rxBytes = rxGeometry.bytes();
                mapped = MappedRegion.mapSharedWithTail(fd, rxBytes + txGeometry.bytes(), large.bytes(),
                        "AF_PACKET rings of " + device.name());

                MemorySegment sll = call.allocate(SOCKADDR_LL);
                SLL_FAMILY.set(sll, 0L, (short) Sockets.AF_PACKET);
                SLL_PROTOCOL.set(sll, 0L, htons(ETH_P_ALL));
                SLL_IFINDEX.set(sll, 0L, device.index());
                Errno.check(Libc.bind(state, fd, sll, (int) sll.byteSize()), state, "bind AF_PACKET to " + device.name());
                if (fanoutId >= 0) {
                    Sockets.setInt(state, call, fd, SOL_PACKET, PACKET_FANOUT, fanoutId | (PACKET_FANOUT_QM << 16),
                            "PACKET_FANOUT (by rx queue)");
                }
                this.txBase = rxBytes;
            } catch (RuntimeException e) {
                if (mapped != null) {
                    mapped.close();
                }
                Sockets.closeQuietly(fd);
                arena.close();
                throw e;
            }
            this.fd = fd;
            this.region = mapped;
            this.memory = mapped.segment();
            int vnetSize = vnet ? VirtioNetHdr.SIZE : 0;
            int ringFrame = rxGeometry.frameSize() - RX_NET_OFFSET - vnetSize + 14;
            this.rx = new SlotRing(memory, rxGeometry.slots(), Math.max(ringFrame, large.stride() - vnetSize), false);
            this.slotFrame = new int[rxGeometry.slots()];
            int txFrames = txGeometry.slots();
            this.tx = new SlotRing(memory, txFrames, txGeometry.frameSize() - TX_DATA_OFFSET - vnetSize, vnet);
            for (int i = 0; i < txFrames; i++) {
                tx.offset(i, txHeader(i) + TX_DATA_OFFSET + vnetSize);
            }
            tx.tail(txFrames - 1);
        }

        /** Room for the large frames queued whole: forced past net.core.rmem_max where the process may. */
        private void setReceiveBuffer(Arena call, int fd) {
            try {
                Sockets.setInt(state, call, fd, Sockets.SOL_SOCKET, Sockets.SO_RCVBUFFORCE, LARGE_FRAME_QUEUE_BYTES,
                        "SO_RCVBUFFORCE");
            } catch (RuntimeException e) {
                Sockets.setInt(state, call, fd, Sockets.SOL_SOCKET, Sockets.SO_RCVBUF, LARGE_FRAME_QUEUE_BYTES,
                        "SO_RCVBUF"); // without CAP_NET_ADMIN: up to rmem_max
            }
        }

        private void setRing(Arena call, int fd, int option, RingGeometry ring, String what) {
            MemorySegment req = call.allocate(TPACKET_REQ);
            REQ_BLOCK_SIZE.set(req, 0L, ring.blockSize());
            REQ_BLOCK_NR.set(req, 0L, ring.blocks());
            REQ_FRAME_SIZE.set(req, 0L, ring.frameSize());
            REQ_FRAME_NR.set(req, 0L, ring.frames());
            Errno.check(Libc.setsockopt(state, fd, SOL_PACKET, option, req, (int) req.byteSize()), state,
                    what + " (" + ring.frames() + " frames of " + ring.frameSize() + " B)");
        }

        /** Where tx slot {@code s}'s frame header starts. */
        private long txHeader(int s) {
            return txBase + txGeometry.offset(s);
        }

        /**
         * The socket's drops since the last read (PACKET_STATISTICS resets them): frames the kernel had no room
         * for in the rx ring, because the frame at its position was still ours.
         */
        @Override
        public void refreshCounters() {
            statisticsLength.set(JAVA_INT, 0, (int) TPACKET_STATS.byteSize());
            if (Libc.getsockopt(state, fd, SOL_PACKET, PACKET_STATISTICS, statistics, statisticsLength) == 0) {
                counters.rxRingFull += statistics.get(JAVA_INT, STATS_DROPS) & 0xFFFF_FFFFL;
            }
        }

        @Override
        public void rxSync() {
            // give back the frames of the slots the application released
            int head = rx.head();
            for (int s = rxReleased; s != head; s = rx.next(s)) {
                int f = slotFrame[s];
                if (f < 0) {
                    largeFree[largeFreeCount++] = -1 - f;
                } else {
                    frameHeld[f] = false;
                    releaseFrame(f);
                }
            }
            rxReleased = head;
            int free = rx.size() - 1 - rx.space();
            int tail = rx.tail();
            while (free > 0) {
                int f = nextFrame;
                if (frameHeld[f]) {
                    // the ring went all the way round (frames the port dropped took no slot) to a frame the
                    // application still holds: its status is USER from the last round, it is not a new frame
                    break;
                }
                long header = rxGeometry.offset(f);
                int status = (int) INT.getAcquire(memory, header + TP_STATUS);
                if ((status & TP_STATUS_USER) == 0) {
                    break;
                }
                int snap = memory.get(JAVA_INT, header + TP_SNAPLEN);
                int len = memory.get(JAVA_INT, header + TP_LEN);
                boolean whole = snap < len && (status & TP_STATUS_COPY) != 0 && large.count() > 0;
                if (whole && largeFreeCount == 0) {
                    break; // every large buffer is held: the frame waits in the socket's queue, and this one here
                }
                nextFrame = f + 1 == rxGeometry.frames() ? 0 : f + 1;
                long frame = header + (memory.get(JAVA_SHORT, header + TP_MAC) & 0xFFFF);
                int buffer = -1;
                if (whole) {
                    releaseFrame(f); // a truncated copy
                    buffer = largeFree[--largeFreeCount];
                    frame = readWhole(buffer, len);
                    if (frame < 0) {
                        largeFree[largeFreeCount++] = buffer;
                        counters.rxDropped++;
                        continue;
                    }
                    snap = len;
                }
                if (snap < len || snap < 14 || !consistentIpv4(frame, snap)) {
                    // truncated to the frame (larger than the ring takes), or a frame whose IPv4 length disagrees
                    // with the length the kernel gave
                    counters.rxDropped++;
                    if (buffer >= 0) {
                        largeFree[largeFreeCount++] = buffer;
                    } else {
                        releaseFrame(f);
                    }
                    continue;
                }
                if (vnet) {
                    long hdr = frame - VirtioNetHdr.SIZE;
                    if (VirtioNetHdr.completeChecksum(memory, hdr, frame, snap)) {
                        counters.rxChecksumsCompleted++;
                    }
                    if (VirtioNetHdr.gsoType(memory, hdr) != VirtioNetHdr.GSO_NONE) {
                        counters.rxLargeFrames++;
                    }
                } else if ((status & TP_STATUS_CSUMNOTREADY) != 0
                        && VirtioNetHdr.completeIpv4Checksum(memory, frame, snap)) {
                    counters.rxChecksumsCompleted++;
                }
                rx.offset(tail, frame);
                rx.receivedLength(tail, snap);
                if (buffer >= 0) {
                    slotFrame[tail] = -1 - buffer;
                    counters.rxFramesReadWhole++;
                } else {
                    slotFrame[tail] = f;
                    frameHeld[f] = true;
                }
                tail = rx.next(tail);
                free--;
                counters.rxFrames++;
                counters.rxBytes += snap;
            }
            rx.tail(tail);
        }

        /**
         * Reads the frame the kernel queued whole for a TP_STATUS_COPY ring frame of {@code length} bytes into large
         * buffer {@code b}, its virtio-net header in front as in a ring frame. The socket's queue holds such frames
         * in ring order and nothing else (the kernel queues it under the lock that hands out the ring frame), so
         * the next one is this one. Where the frame starts, or -1 if the read failed or gave another length.
         */
        private long readWhole(int b, int length) {
            long at = largeBase + (long) b * large.stride();
            long n = Libc.readAt(state, fd, memory, at, large.stride());
            if (n == (long) VirtioNetHdr.SIZE + length) {
                return at + VirtioNetHdr.SIZE;
            }
            // out of step with the ring (which the kernel's one lock forbids): empty the queue, so that the ring's
            // next such frames fail alone and later ones find theirs, instead of every later one another's
            while (n > 0) {
                n = Libc.readAt(state, fd, memory, at, large.stride());
            }
            return -1;
        }

        /** An IPv4 frame's total length must fit the frame (RFC 791 section 3.1); other frames pass. */
        private boolean consistentIpv4(long frame, int length) {
            if (length < 34 || memory.get(JAVA_SHORT_BE, frame + 12) != 0x0800) {
                return true;
            }
            int total = memory.get(JAVA_SHORT_BE, frame + 16) & 0xFFFF;
            return total >= 20 && 14 + total <= length;
        }

        private void releaseFrame(int f) {
            INT.setRelease(memory, rxGeometry.offset(f) + TP_STATUS, TP_STATUS_KERNEL);
        }

        @Override
        public void txSync() {
            int head = tx.head();
            int submitted = 0;
            for (int s = txSubmitted; s != head; s = tx.next(s)) {
                long frameHeader = txHeader(s);
                int length = tx.length(s);
                int offload = tx.takeOffload(s);
                if (vnet) {
                    long frame = frameHeader + TX_DATA_OFFSET + VirtioNetHdr.SIZE;
                    if (!VirtioNetHdr.prepare(memory, frame - VirtioNetHdr.SIZE, frame, length, offload)) {
                        counters.txErrors++;
                    }
                    length += VirtioNetHdr.SIZE;
                }
                memory.set(JAVA_INT, frameHeader + TP_LEN, length);
                INT.setRelease(memory, frameHeader + TP_STATUS, TP_STATUS_SEND_REQUEST);
                counters.txFrames++;
                counters.txBytes += length;
                submitted++;
            }
            txSubmitted = head;
            int s = txCompleted;
            while (s != head) {
                int status = (int) INT.getAcquire(memory, txHeader(s) + TP_STATUS);
                if (status == TP_STATUS_AVAILABLE) {
                    s = tx.next(s);
                } else if ((status & TP_STATUS_WRONG_FORMAT) != 0) {
                    counters.txErrors++;
                    INT.setRelease(memory, txHeader(s) + TP_STATUS, TP_STATUS_AVAILABLE);
                    s = tx.next(s);
                } else {
                    break;
                }
            }
            if (submitted > 0 || s != head && (int) INT.getAcquire(memory, txHeader(s) + TP_STATUS)
                    == TP_STATUS_SEND_REQUEST) {
                kick();
            }
            txCompleted = s;
            tx.tail(s == 0 ? tx.size() - 1 : s - 1);
        }

        private void kick() {
            counters.txKicks++;
            if (Libc.sendto(state, fd, MemorySegment.NULL, 0, Sockets.MSG_DONTWAIT, MemorySegment.NULL, 0) < 0) {
                int errno = Libc.errno(state);
                if (errno != Errno.EAGAIN && errno != Errno.ENOBUFS) {
                    counters.txErrors++; // e.g. ENETDOWN: the frames stay queued and go with a later kick
                }
            }
        }

        @Override
        public void close() {
            region.close();
            Sockets.closeQuietly(fd);
            if (arena.scope().isAlive()) {
                arena.close();
            }
        }
    }
}
