package org.diskcryptnet.netmap.port.netmap;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ThreadLocalRandom;

import org.diskcryptnet.netmap.port.PacketPort;
import org.diskcryptnet.netmap.port.PacketRing;
import org.diskcryptnet.netmap.port.PortCounters;
import org.diskcryptnet.netmap.port.PortException;
import org.diskcryptnet.netmap.port.PortFeatures;
import org.diskcryptnet.netmap.port.PortOptions;
import org.diskcryptnet.netmap.port.PortUri;
import org.diskcryptnet.netmap.port.linux.Errno;
import org.diskcryptnet.netmap.port.linux.NetDevice;

/**
 * {@code netmap:IF} and netmap pipes (<code>netmap:NAME&#123;N</code> master, <code>netmap:NAME&#125;N</code> slave): the netmap API
 * version 14. One control descriptor per queue, registered with {@code NIOCCTRL}/{@code NETMAP_REQ_REGISTER} for
 * one NIC ring pair ({@code NR_REG_ONE_NIC}, so each loop syncs only its own rings) or for the pipe's ring pair; the
 * region is mapped once and every ring, slot and buffer is used in place. {@link #txSync}/{@link #rxSync} are
 * {@code NIOCTXSYNC}/{@code NIOCRXSYNC}, one ioctl per batch.
 *
 * <p>Unverified against the module: it does not load on the machines this project is tested on. The ring logic and
 * the layouts are tested against an in-process model of the kernel side on the same memory layout.
 */
public final class NetmapPort implements PacketPort {

    private final String uri;
    private final NetmapKernel kernel;
    private final MemorySegment region;
    private final int[] fds;
    private final NetmapRing[] rx;
    private final NetmapRing[] tx;
    private final PortCounters[] counters;
    private final int[] lastTxHead;
    private final byte[] mac;
    private final int mtu;
    private final PortFeatures features;

    private NetmapPort(String uri, NetmapKernel kernel, MemorySegment region, int[] fds, NetmapRing[] rx, NetmapRing[] tx,
                       byte[] mac, int mtu) {
        this.uri = uri;
        this.kernel = kernel;
        this.region = region;
        this.fds = fds;
        this.rx = rx;
        this.tx = tx;
        this.mac = mac;
        this.mtu = mtu;
        this.lastTxHead = new int[fds.length];
        this.counters = new PortCounters[fds.length];
        for (int i = 0; i < fds.length; i++) {
            counters[i] = new PortCounters();
        }
        this.features = PortFeatures.plain(mtu);
    }

    /** Opens the port on the netmap module ({@code /dev/netmap}). */
    public static NetmapPort open(PortUri uri, PortOptions options) {
        Netmap.ensureAvailability();
        return open(uri, options, new DevNetmap());
    }

    /** Opens the port on {@code kernel}: the real module, or a model of it. */
    public static NetmapPort open(PortUri uri, PortOptions options, NetmapKernel kernel) {
        String name = uri.name();
        boolean pipe = name.indexOf('{') > 0 || name.indexOf('}') > 0;
        int wanted = pipe ? 1 : options.queues();
        java.util.List<Integer> fds = new java.util.ArrayList<>();
        MemorySegment region = null;
        try (Arena call = Arena.ofConfined()) {
            MemorySegment header = call.allocate(NetmapAbi.NMREQ_HEADER);
            MemorySegment body = call.allocate(NetmapAbi.NMREQ_REGISTER);
            int fd0 = register(kernel, fds, header, body, name, pipe, 0);
            long memsize = body.get(JAVA_LONG, NetmapAbi.REG_MEMSIZE);
            int memId = body.get(JAVA_SHORT, NetmapAbi.REG_MEM_ID);
            int nicRings = body.get(JAVA_SHORT, NetmapAbi.REG_RX_RINGS) & 0xFFFF;
            int count = pipe ? 1 : wanted == 0 ? nicRings : wanted;
            if (count > nicRings) {
                throw new PortException(PortException.Reason.INVALID, uri + ": " + count + " queues asked, the port has "
                        + nicRings + " ring pairs");
            }
            long[] nifp = new long[count];
            nifp[0] = body.get(JAVA_LONG, NetmapAbi.REG_OFFSET);
            for (int q = 1; q < count; q++) {
                register(kernel, fds, header, body, name, false, q);
                if (body.get(JAVA_SHORT, NetmapAbi.REG_MEM_ID) != memId) {
                    throw new PortException(PortException.Reason.OTHER, uri + ": ring " + q + " came in another memory region");
                }
                nifp[q] = body.get(JAVA_LONG, NetmapAbi.REG_OFFSET);
            }
            region = kernel.map(fd0, memsize);
            NetmapRing[] rx = new NetmapRing[count];
            NetmapRing[] tx = new NetmapRing[count];
            for (int q = 0; q < count; q++) {
                long ifp = nifp[q];
                int txRings = region.get(JAVA_INT, ifp + NetmapAbi.NI_TX_RINGS) + region.get(JAVA_INT, ifp + NetmapAbi.NI_HOST_TX_RINGS);
                int ring = pipe ? 0 : q; // ONE_NIC: only the bound ring pair is in use; its index is the queue
                tx[q] = new NetmapRing(region, ifp + region.get(JAVA_LONG, ifp + NetmapAbi.NI_RING_OFS + 8L * ring));
                rx[q] = new NetmapRing(region, ifp + region.get(JAVA_LONG, ifp + NetmapAbi.NI_RING_OFS + 8L * (txRings + ring)));
            }
            byte[] mac;
            int mtu;
            NetDevice device = pipe ? null : lookup(name);
            if (device != null) {
                mac = device.mac();
                mtu = device.mtu();
            } else {
                mac = localMac();
                mtu = Math.min(1500, tx[0].frameCapacity() - 14);
            }
            int[] fdArray = fds.stream().mapToInt(Integer::intValue).toArray();
            return new NetmapPort(uri.toString(), kernel, region, fdArray, rx, tx, mac, mtu);
        } catch (RuntimeException e) {
            if (region != null) {
                kernel.unmap(region);
            }
            fds.forEach(kernel::close);
            throw e;
        }
    }

    private static int register(NetmapKernel kernel, java.util.List<Integer> fds, MemorySegment header, MemorySegment body,
                                String name, boolean pipe, int ring) {
        int fd = kernel.open();
        if (fd < 0) {
            throw Errno.failure("open " + NetmapAbi.DEVICE, -fd);
        }
        fds.add(fd);
        header.fill((byte) 0);
        body.fill((byte) 0);
        header.set(JAVA_SHORT, NetmapAbi.HDR_VERSION, (short) NetmapAbi.NETMAP_API);
        header.set(JAVA_SHORT, NetmapAbi.HDR_REQTYPE, (short) NetmapAbi.NETMAP_REQ_REGISTER);
        byte[] n = name.getBytes(StandardCharsets.US_ASCII);
        if (n.length >= NetmapAbi.REQ_IFNAMSIZ) {
            throw new PortException(PortException.Reason.INVALID, "netmap port name longer than 63 characters: " + name);
        }
        MemorySegment.copy(n, 0, header, JAVA_BYTE, NetmapAbi.HDR_NAME, n.length);
        header.set(JAVA_LONG, NetmapAbi.HDR_BODY, body.address());
        body.set(JAVA_INT, NetmapAbi.REG_MODE, pipe ? NetmapAbi.NR_REG_ALL_NIC : NetmapAbi.NR_REG_ONE_NIC);
        body.set(JAVA_SHORT, NetmapAbi.REG_RINGID, (short) ring);
        body.set(JAVA_LONG, NetmapAbi.REG_FLAGS, NetmapAbi.NR_NO_TX_POLL | NetmapAbi.NR_EXCLUSIVE);
        int r = kernel.control(fd, header);
        if (r < 0) {
            int errno = -r;
            String what = "netmap NIOCCTRL REGISTER " + name + (pipe ? "" : " ring " + ring);
            if (errno == Errno.ENXIO || errno == Errno.ENOENT) {
                throw new PortException(PortException.Reason.NO_SUCH_INTERFACE, what + ": no such netmap port", errno);
            }
            if (errno == Errno.EINVAL && (header.get(JAVA_SHORT, NetmapAbi.HDR_VERSION) & 0xFFFF) != NetmapAbi.NETMAP_API) {
                throw new PortException(PortException.Reason.UNSUPPORTED, what + ": the module speaks netmap API "
                        + (header.get(JAVA_SHORT, NetmapAbi.HDR_VERSION) & 0xFFFF) + ", this port API " + NetmapAbi.NETMAP_API, errno);
            }
            throw Errno.failure(what, errno);
        }
        return fd;
    }

    private static NetDevice lookup(String name) {
        try {
            return NetDevice.lookup(name);
        } catch (PortException e) {
            return null; // a VALE port or a name the module knows and Linux does not
        }
    }

    private static byte[] localMac() {
        byte[] mac = new byte[6];
        ThreadLocalRandom.current().nextBytes(mac);
        mac[0] = (byte) ((mac[0] & 0xFC) | 0x02);
        return mac;
    }

    @Override
    public String uri() {
        return uri;
    }

    @Override
    public int queues() {
        return fds.length;
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
        PortCounters c = counters[queue];
        int head = tx[queue].head();
        int sent = head - lastTxHead[queue];
        c.txFrames += sent < 0 ? sent + tx[queue].size() : sent;
        lastTxHead[queue] = head;
        c.txKicks++;
        if (kernel.sync(fds[queue], NetmapAbi.NIOCTXSYNC) < 0) {
            c.txErrors++; // netmap resets a ring whose head/cur it finds invalid; the port never writes those
        }
    }

    @Override
    public void rxSync(int queue) {
        PortCounters c = counters[queue];
        c.rxKicks++;
        int before = rx[queue].tail();
        if (kernel.sync(fds[queue], NetmapAbi.NIOCRXSYNC) < 0) {
            c.rxDropped++;
        }
        int arrived = rx[queue].tail() - before;
        c.rxFrames += arrived < 0 ? arrived + rx[queue].size() : arrived;
    }

    @Override
    public int pollFd(int queue) {
        return fds[queue];
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
        return features;
    }

    @Override
    public PortCounters counters(int queue) {
        return counters[queue];
    }

    @Override
    public void close() {
        kernel.unmap(region);
        for (int fd : fds) {
            kernel.close(fd);
        }
    }

    @Override
    public String toString() {
        return uri + " (netmap API " + NetmapAbi.NETMAP_API + ", " + fds.length + " ring pair(s))";
    }
}
