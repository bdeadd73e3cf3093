package org.diskcryptnet.netmap.port.tap;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.ThreadLocalRandom;

import org.diskcryptnet.netmap.port.KernelQueuePort;
import org.diskcryptnet.netmap.port.PacketRing;
import org.diskcryptnet.netmap.port.PortException;
import org.diskcryptnet.netmap.port.PortFeatures;
import org.diskcryptnet.netmap.port.PortOptions;
import org.diskcryptnet.netmap.port.PortUri;
import org.diskcryptnet.netmap.port.SlotRing;
import org.diskcryptnet.netmap.port.linux.Errno;
import org.diskcryptnet.netmap.port.linux.IfReq;
import org.diskcryptnet.netmap.port.linux.Libc;
import org.diskcryptnet.netmap.port.linux.MappedRegion;
import org.diskcryptnet.netmap.port.linux.NetDevice;
import org.diskcryptnet.netmap.port.linux.Sockets;
import org.diskcryptnet.netmap.port.linux.VirtioNetHdr;

/**
 * {@code tap:NAME}: a TAP device, the userspace end of a virtual Ethernet link whose kernel end is the interface
 * {@code NAME}. The device is created if it does not exist (and goes away with the port) or attached to if it was
 * made persistent beforehand ({@code ip tuntap add NAME mode tap}). The kernel side needs an address and
 * {@code ip link set NAME up}; the port answers with its own locally administered MAC, not the interface's.
 *
 * <p>There is no shared ring with the kernel: every frame is one read(2) or write(2) on the device, and the
 * rings live in page-aligned anonymous memory of this process (tx buffers can therefore take O_DIRECT reads).
 * With {@link PortOptions#offloads()} the device has IFF_VNET_HDR and TUNSETOFFLOAD(CSUM, TSO4, TSO6, TSO_ECN):
 * the kernel hands over TCP segments of up to 64 KiB with their checksum partial (completed here in software),
 * and {@link PacketRing#txOffload} lets the stack hand large segments with partial checksums to the kernel.
 * Several queues use IFF_MULTI_QUEUE, one file per queue.
 */
public final class TapPort extends KernelQueuePort<TapPort.Queue> {

    /** Room in front of each frame for the virtio-net header. */
    private static final int HEADROOM = 64;

    private final byte[] mac;
    private final int mtu;
    private final MappedRegion region;

    private TapPort(String uri, byte[] mac, int mtu, PortFeatures features, Queue[] queues, MappedRegion region) {
        super(uri, features, queues);
        this.mac = mac;
        this.mtu = mtu;
        this.region = region;
    }

    public static TapPort open(PortUri uri, PortOptions options) {
        Tap.ensureAvailability();
        int count = Math.max(1, options.queues());
        boolean vnet = options.offloads();
        // write(2) copies a frame at once, but the slots are taken in ring order, so each is rewritten once a turn:
        // with offloads the tx ring keeps to about the bytes of the ring size in MTU frames (PortOptions.txFrames),
        // 32 slots where it had 256 (10% less CPU per GB at 1,000 connections, benchmarks/RESULTS.md)
        int rxSlots = vnet ? Math.min(options.ringSize(), 256) : options.ringSize();
        int txSlots = options.txFrames();
        int stride = vnet ? 65536 + 4096 : 4096 / 2; // a 64 KiB segment plus headers, or an MTU frame
        long perQueue = (long) (rxSlots + txSlots) * stride;
        int fds[] = new int[count];
        java.util.Arrays.fill(fds, -1);
        MappedRegion region = null;
        try (Arena call = Arena.ofConfined()) {
            MemorySegment state = Libc.newCallState(call);
            short flags = (short) (TunAbi.IFF_TAP | TunAbi.IFF_NO_PI | (vnet ? TunAbi.IFF_VNET_HDR : 0)
                    | (count > 1 ? TunAbi.IFF_MULTI_QUEUE : 0));
            for (int i = 0; i < count; i++) {
                fds[i] = Errno.check(Libc.open(state, call.allocateFrom(TunAbi.DEVICE),
                        Sockets.O_RDWR | Sockets.O_NONBLOCK | Sockets.O_CLOEXEC), state, "open " + TunAbi.DEVICE);
                MemorySegment ifr = IfReq.allocate(call, uri.name());
                IfReq.flags(ifr, flags);
                if (Libc.ioctl(state, fds[i], TunAbi.TUNSETIFF, ifr) < 0) {
                    int errno = Libc.errno(state);
                    throw errno == Errno.EINVAL || errno == Errno.EBUSY
                            ? new PortException(PortException.Reason.BUSY, "TUNSETIFF " + uri.name() + ": "
                                    + Errno.describe(errno) + " (an interface of that name exists and is not a free TAP"
                                    + (count > 1 ? " with IFF_MULTI_QUEUE" : "") + ")", errno)
                            : Errno.failure("TUNSETIFF " + uri.name(), errno);
                }
                if (vnet) {
                    MemorySegment size = call.allocateFrom(java.lang.foreign.ValueLayout.JAVA_INT, VirtioNetHdr.SIZE);
                    Errno.check(Libc.ioctl(state, fds[i], TunAbi.TUNSETVNETHDRSZ, size), state, "TUNSETVNETHDRSZ");
                    Errno.check(Libc.ioctl(state, fds[i], TunAbi.TUNSETOFFLOAD, (long) (TunAbi.TUN_F_CSUM | TunAbi.TUN_F_TSO4
                            | TunAbi.TUN_F_TSO6 | TunAbi.TUN_F_TSO_ECN)), state, "TUNSETOFFLOAD");
                }
            }
            region = MappedRegion.anonymous(perQueue * count, "TAP rings");
            NetDevice device = NetDevice.lookup(uri.name());
            Queue[] queues = new Queue[count];
            for (int i = 0; i < count; i++) {
                queues[i] = new Queue(fds[i], region.segment(), perQueue * i, rxSlots, txSlots, stride, vnet);
            }
            int capacity = stride - HEADROOM;
            PortFeatures features = new PortFeatures(vnet, false, vnet, vnet ? Math.min(capacity, 65535 + 14) : device.mtu() + 14, true);
            return new TapPort(uri.toString(), localMac(), device.mtu(), features, queues, region);
        } catch (RuntimeException e) {
            for (int fd : fds) {
                Sockets.closeQuietly(fd);
            }
            if (region != null) {
                region.close();
            }
            throw e;
        }
    }

    /** A random locally administered unicast MAC (IEEE 802: bit 1 of the first octet set, bit 0 clear). */
    private static byte[] localMac() {
        byte[] mac = new byte[6];
        ThreadLocalRandom.current().nextBytes(mac);
        mac[0] = (byte) ((mac[0] & 0xFC) | 0x02);
        return mac;
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
    public void close() {
        super.close();
        region.close();
    }

    @Override
    public String toString() {
        return uri() + " (TAP" + (features().txChecksumOffload() ? ", virtio-net header, offloads" : "") + ")";
    }

    static final class Queue extends KernelQueuePort.Queue {
        final MemorySegment memory;
        final boolean vnet;
        final int vnetSize;
        int txSubmitted;
        boolean closed;

        Queue(int fd, MemorySegment memory, long base, int rxSlots, int txSlots, int stride, boolean vnet) {
            this.fd = fd;
            this.memory = memory;
            this.vnet = vnet;
            this.vnetSize = vnet ? VirtioNetHdr.SIZE : 0;
            this.rx = new SlotRing(memory, rxSlots, stride - HEADROOM, false);
            this.tx = new SlotRing(memory, txSlots, stride - HEADROOM, vnet);
            for (int i = 0; i < rxSlots; i++) {
                rx.offset(i, base + (long) i * stride + HEADROOM);
            }
            long txBase = base + (long) rxSlots * stride;
            for (int i = 0; i < txSlots; i++) {
                tx.offset(i, txBase + (long) i * stride + HEADROOM);
            }
            tx.tail(txSlots - 1);
        }

        @Override
        public void rxSync() {
            int free = rx.size() - 1 - rx.space();
            int tail = rx.tail();
            int capacity = rx.frameCapacity();
            while (free > 0) {
                long frame = rx.offset(tail);
                counters.rxKicks++;
                long n = Libc.readAt(state, fd, memory, frame - vnetSize, capacity + vnetSize);
                if (n < 0) {
                    int errno = Libc.errno(state);
                    if (errno != Errno.EAGAIN && errno != Errno.EINTR) {
                        counters.rxDropped++; // EBADFD after the kernel side went away; nothing to read
                    }
                    break;
                }
                int length = (int) n - vnetSize;
                if (length < 14) {
                    counters.rxDropped++;
                    continue;
                }
                if (vnet) {
                    long hdr = frame - vnetSize;
                    if (VirtioNetHdr.completeChecksum(memory, hdr, frame, length)) {
                        counters.rxChecksumsCompleted++;
                    }
                    if (VirtioNetHdr.gsoType(memory, hdr) != VirtioNetHdr.GSO_NONE) {
                        counters.rxLargeFrames++;
                    }
                }
                rx.receivedLength(tail, length);
                tail = rx.next(tail);
                free--;
                counters.rxFrames++;
                counters.rxBytes += length;
            }
            rx.tail(tail);
        }

        @Override
        public void txSync() {
            int head = tx.head();
            int s = txSubmitted;
            while (s != head) {
                long frame = tx.offset(s);
                int length = tx.length(s);
                if (vnet && !VirtioNetHdr.prepare(memory, frame - vnetSize, frame, length, tx.takeOffload(s))) {
                    counters.txErrors++;
                }
                counters.txKicks++;
                long n = Libc.writeAt(state, fd, memory, frame - vnetSize, length + vnetSize);
                if (n < 0) {
                    int errno = Libc.errno(state);
                    if (errno == Errno.EAGAIN || errno == Errno.ENOBUFS) {
                        break; // the device queue is full: this frame and the rest go with the next sync
                    }
                    counters.txErrors++; // EINVAL: a malformed frame or offload header; it is dropped
                } else {
                    counters.txFrames++;
                    counters.txBytes += length;
                }
                s = tx.next(s);
            }
            txSubmitted = s;
            tx.tail(s == 0 ? tx.size() - 1 : s - 1); // write(2) copied the frames: their slots are free again
        }

        @Override
        public void close() {
            if (!closed) {
                closed = true;
                Sockets.closeQuietly(fd);
                arena.close();
            }
        }
    }
}
