package org.diskcryptnet.netmap.port.netmap;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.diskcryptnet.netmap.port.linux.Errno;

/**
 * The kernel side of netmap, in process, over the same memory layout as the module (netmap(4), net/netmap.h API 14):
 * NIOCCTRL/NETMAP_REQ_REGISTER lays out {@code netmap_if}, {@code netmap_ring}s and buffers in one region; TXSYNC
 * takes the slots in {@code [hwcur, head)} and RXSYNC gives back released slots and fills the rest, as netmap's
 * {@code nm_txsync_prologue}/{@code nm_rxsync_prologue} do, refusing a head outside {@code [hwcur, hwtail]}.
 * A "NIC" sends to a list ({@link #wire}) and receives what a test injects; a pipe's two ends swap buffers between
 * one end's tx slot and the other's rx slot, setting NS_BUF_CHANGED, as netmap pipes do (zero copy).
 */
final class NetmapKernelModel implements NetmapKernel {

    static final int BUFFER_SIZE = 2048;
    private static final int REGION = 16 << 20;

    private final Arena arena = Arena.ofShared();
    final MemorySegment region = arena.allocate(REGION, 4096);
    private long bump = 4096;
    private int nextBuffer;
    private long bufferBase;
    private int nextFd = 3;
    int apiVersion = NetmapAbi.NETMAP_API;
    int controls;
    int syncs;

    private final Map<String, Nic> nics = new HashMap<>();
    private final Map<String, PipeEnd> pipeEnds = new HashMap<>();
    private final Map<Integer, Binding> bindings = new HashMap<>();

    /** Frames the NIC named by the key has sent, in order. */
    final Map<String, List<byte[]>> wire = new HashMap<>();

    NetmapKernelModel() {
        // buffers first: 4096 of them after a page; rings and netmap_ifs above
        bufferBase = bump;
        bump += 4096L * BUFFER_SIZE;
    }

    /** A NIC with {@code rings} tx/rx ring pairs of {@code slots} slots each. */
    void addNic(String name, int rings, int slots) {
        Nic nic = new Nic();
        nic.name = name;
        for (int i = 0; i < rings; i++) {
            nic.tx.add(newRing(slots, 0, i));
            nic.rx.add(newRing(slots, 1, i));
        }
        nics.put(name, nic);
        wire.put(name, new ArrayList<>());
    }

    /** Frames for NIC ring {@code ring} to receive at its next RXSYNCs. */
    void inject(String nic, int ring, byte[] frame) {
        nics.get(nic).rx.get(ring).pending.add(frame);
    }

    private KRing newRing(int slots, int dir, int id) {
        KRing k = new KRing();
        k.offset = bump;
        k.slots = slots;
        bump += NetmapAbi.RING_SLOTS + slots * NetmapAbi.SLOT_SIZE;
        bump = (bump + 127) & -128;
        region.set(JAVA_LONG, k.offset + NetmapAbi.RING_BUF_OFS, bufferBase - k.offset);
        region.set(JAVA_INT, k.offset + NetmapAbi.RING_NUM_SLOTS, slots);
        region.set(JAVA_INT, k.offset + NetmapAbi.RING_BUF_SIZE, BUFFER_SIZE);
        region.set(JAVA_SHORT, k.offset + NetmapAbi.RING_ID, (short) id);
        region.set(JAVA_SHORT, k.offset + NetmapAbi.RING_DIR, (short) dir);
        for (int s = 0; s < slots; s++) {
            region.set(JAVA_INT, k.slot(s) + NetmapAbi.SLOT_BUF_IDX, nextBuffer++);
        }
        // tx: every slot but one free for the application; rx: none filled yet
        k.hwcur = 0;
        k.hwtail = dir == 0 ? slots - 1 : 0;
        region.set(JAVA_INT, k.offset + NetmapAbi.RING_TAIL, k.hwtail);
        return k;
    }

    @Override
    public int open() {
        return nextFd++;
    }

    @Override
    public int control(int fd, MemorySegment header) {
        controls++;
        int version = header.get(JAVA_SHORT, NetmapAbi.HDR_VERSION) & 0xFFFF;
        if (version != apiVersion) {
            header.set(JAVA_SHORT, NetmapAbi.HDR_VERSION, (short) apiVersion); // netmap answers with its version
            return -Errno.EINVAL;
        }
        if ((header.get(JAVA_SHORT, NetmapAbi.HDR_REQTYPE) & 0xFFFF) != NetmapAbi.NETMAP_REQ_REGISTER) {
            return -Errno.EINVAL;
        }
        String name = header.asSlice(NetmapAbi.HDR_NAME, NetmapAbi.REQ_IFNAMSIZ).getString(0);
        MemorySegment body = MemorySegment.ofAddress(header.get(JAVA_LONG, NetmapAbi.HDR_BODY))
                .reinterpret(NetmapAbi.NMREQ_REGISTER.byteSize());
        int mode = body.get(JAVA_INT, NetmapAbi.REG_MODE);
        int ringId = body.get(JAVA_SHORT, NetmapAbi.REG_RINGID);
        Binding b = new Binding();
        List<KRing> allTx;
        List<KRing> allRx;
        int nicRings;
        int pipeAt = Math.max(name.indexOf('{'), name.indexOf('}'));
        if (pipeAt > 0) {
            PipeEnd end = pipeEnd(name, pipeAt);
            allTx = List.of(end.tx);
            allRx = List.of(end.rx);
            b.tx = List.of(end.tx);
            b.rx = List.of(end.rx);
            b.pipe = end;
            nicRings = 1;
        } else {
            Nic nic = nics.get(name);
            if (nic == null) {
                return -Errno.ENXIO;
            }
            allTx = nic.tx;
            allRx = nic.rx;
            nicRings = nic.tx.size();
            if (mode == NetmapAbi.NR_REG_ONE_NIC) {
                if (ringId >= nicRings) {
                    return -Errno.EINVAL;
                }
                b.tx = List.of(nic.tx.get(ringId));
                b.rx = List.of(nic.rx.get(ringId));
            } else {
                b.tx = nic.tx;
                b.rx = nic.rx;
            }
            b.nic = nic;
        }
        // netmap_if: its name, ring counts, then the offset of every ring from it (tx rings, then rx rings)
        long nifp = bump;
        bump += NetmapAbi.NI_RING_OFS + 8L * (allTx.size() + allRx.size());
        bump = (bump + 127) & -128;
        MemorySegment.copy(name.getBytes(), 0, region, JAVA_BYTE, nifp, Math.min(15, name.length()));
        region.set(JAVA_INT, nifp + NetmapAbi.NI_TX_RINGS, allTx.size());
        region.set(JAVA_INT, nifp + NetmapAbi.NI_RX_RINGS, allRx.size());
        region.set(JAVA_INT, nifp + NetmapAbi.NI_HOST_TX_RINGS, 0);
        region.set(JAVA_INT, nifp + NetmapAbi.NI_HOST_RX_RINGS, 0);
        for (int i = 0; i < allTx.size(); i++) {
            region.set(JAVA_LONG, nifp + NetmapAbi.NI_RING_OFS + 8L * i, allTx.get(i).offset - nifp);
        }
        for (int i = 0; i < allRx.size(); i++) {
            region.set(JAVA_LONG, nifp + NetmapAbi.NI_RING_OFS + 8L * (allTx.size() + i), allRx.get(i).offset - nifp);
        }
        bindings.put(fd, b);
        body.set(JAVA_LONG, NetmapAbi.REG_OFFSET, nifp);
        body.set(JAVA_LONG, NetmapAbi.REG_MEMSIZE, REGION);
        body.set(JAVA_INT, NetmapAbi.REG_TX_SLOTS, allTx.getFirst().slots);
        body.set(JAVA_INT, NetmapAbi.REG_RX_SLOTS, allRx.getFirst().slots);
        body.set(JAVA_SHORT, NetmapAbi.REG_TX_RINGS, (short) nicRings);
        body.set(JAVA_SHORT, NetmapAbi.REG_RX_RINGS, (short) nicRings);
        body.set(JAVA_SHORT, NetmapAbi.REG_MEM_ID, (short) 1);
        return 0;
    }

    private PipeEnd pipeEnd(String name, int at) {
        PipeEnd end = pipeEnds.get(name);
        if (end != null) {
            return end;
        }
        String base = name.substring(0, at);
        String id = name.substring(at + 1);
        PipeEnd master = new PipeEnd();
        PipeEnd slave = new PipeEnd();
        master.tx = newRing(64, 0, 0);
        master.rx = newRing(64, 1, 0);
        slave.tx = newRing(64, 0, 0);
        slave.rx = newRing(64, 1, 0);
        master.peer = slave;
        slave.peer = master;
        pipeEnds.put(base + "{" + id, master);
        pipeEnds.put(base + "}" + id, slave);
        return pipeEnds.get(name);
    }

    @Override
    public MemorySegment map(int fd, long size) {
        return region;
    }

    @Override
    public void unmap(MemorySegment mapped) {
    }

    @Override
    public int sync(int fd, long request) {
        syncs++;
        Binding b = bindings.get(fd);
        if (b == null) {
            return -Errno.EBADF;
        }
        if (request == NetmapAbi.NIOCTXSYNC) {
            for (KRing k : b.tx) {
                int r = txsync(b, k);
                if (r < 0) {
                    return r;
                }
            }
            return 0;
        }
        if (request == NetmapAbi.NIOCRXSYNC) {
            for (KRing k : b.rx) {
                int r = rxsync(k);
                if (r < 0) {
                    return r;
                }
            }
            return 0;
        }
        return -Errno.EINVAL;
    }

    /** nm_txsync_prologue: head must lie in [hwcur, tail] (the tail last published to the ring), else EINVAL. */
    private int txsync(Binding b, KRing k) {
        int head = region.get(JAVA_INT, k.offset + NetmapAbi.RING_HEAD);
        if (!within(k, k.hwcur, head, region.get(JAVA_INT, k.offset + NetmapAbi.RING_TAIL))) {
            return -Errno.EINVAL;
        }
        int s = k.hwcur;
        while (s != head) {
            int length = region.get(JAVA_SHORT, k.slot(s) + NetmapAbi.SLOT_LEN) & 0xFFFF;
            if (b.pipe != null) {
                KRing peerRx = b.pipe.peer.rx;
                int peerHead = region.get(JAVA_INT, peerRx.offset + NetmapAbi.RING_HEAD);
                int room = Math.floorMod(peerHead - 1 - peerRx.hwtail, peerRx.slots);
                if (room == 0) {
                    break; // the peer has not released its slots yet: these frames wait
                }
                // zero copy: exchange the buffers of the tx slot and the peer's rx slot
                long txSlot = k.slot(s);
                long rxSlot = peerRx.slot(peerRx.hwtail);
                int txBuf = region.get(JAVA_INT, txSlot + NetmapAbi.SLOT_BUF_IDX);
                int rxBuf = region.get(JAVA_INT, rxSlot + NetmapAbi.SLOT_BUF_IDX);
                region.set(JAVA_INT, rxSlot + NetmapAbi.SLOT_BUF_IDX, txBuf);
                region.set(JAVA_INT, txSlot + NetmapAbi.SLOT_BUF_IDX, rxBuf);
                region.set(JAVA_SHORT, rxSlot + NetmapAbi.SLOT_LEN, (short) length);
                region.set(JAVA_SHORT, rxSlot + NetmapAbi.SLOT_FLAGS, (short) NetmapAbi.NS_BUF_CHANGED);
                region.set(JAVA_SHORT, txSlot + NetmapAbi.SLOT_FLAGS, (short) NetmapAbi.NS_BUF_CHANGED);
                peerRx.hwtail = (peerRx.hwtail + 1) % peerRx.slots;
            } else {
                long buffer = bufferBase + (long) region.get(JAVA_INT, k.slot(s) + NetmapAbi.SLOT_BUF_IDX) * BUFFER_SIZE;
                byte[] frame = new byte[length];
                MemorySegment.copy(region, JAVA_BYTE, buffer, frame, 0, length);
                wire.get(b.nic.name).add(frame);
            }
            s = (s + 1) % k.slots;
        }
        k.hwcur = s;
        k.hwtail = Math.floorMod(s - 1, k.slots); // sent at once: a NIC whose completions are immediate
        region.set(JAVA_INT, k.offset + NetmapAbi.RING_TAIL, k.hwtail);
        return 0;
    }

    /**
     * nm_rxsync_prologue: head must lie in [hwcur, tail] (the tail last published; a pipe peer may have moved hwtail
     * since); slots before it go back to the kernel.
     */
    private int rxsync(KRing k) {
        int head = region.get(JAVA_INT, k.offset + NetmapAbi.RING_HEAD);
        if (!within(k, k.hwcur, head, region.get(JAVA_INT, k.offset + NetmapAbi.RING_TAIL))) {
            return -Errno.EINVAL;
        }
        k.hwcur = head;
        while (!k.pending.isEmpty() && (k.hwtail + 1) % k.slots != head) {
            byte[] frame = k.pending.poll();
            long slot = k.slot(k.hwtail);
            long buffer = bufferBase + (long) region.get(JAVA_INT, slot + NetmapAbi.SLOT_BUF_IDX) * BUFFER_SIZE;
            MemorySegment.copy(frame, 0, region, JAVA_BYTE, buffer, frame.length);
            region.set(JAVA_SHORT, slot + NetmapAbi.SLOT_LEN, (short) frame.length);
            k.hwtail = (k.hwtail + 1) % k.slots;
        }
        region.set(JAVA_INT, k.offset + NetmapAbi.RING_TAIL, k.hwtail);
        return 0;
    }

    private static boolean within(KRing k, int from, int x, int to) {
        return Math.floorMod(x - from, k.slots) <= Math.floorMod(to - from, k.slots);
    }

    @Override
    public void close(int fd) {
        bindings.remove(fd);
    }

    /** A kernel ring: the region offset of its netmap_ring and the kernel's own hwcur/hwtail. */
    final class KRing {
        long offset;
        int slots;
        int hwcur;
        int hwtail;
        final ArrayDeque<byte[]> pending = new ArrayDeque<>();

        long slot(int s) {
            return offset + NetmapAbi.RING_SLOTS + s * NetmapAbi.SLOT_SIZE;
        }
    }

    private static final class Nic {
        String name;
        final List<KRing> tx = new ArrayList<>();
        final List<KRing> rx = new ArrayList<>();
    }

    private static final class PipeEnd {
        KRing tx;
        KRing rx;
        PipeEnd peer;
    }

    private static final class Binding {
        List<KRing> tx;
        List<KRing> rx;
        Nic nic;
        PipeEnd pipe;
    }
}
