package org.diskcryptnet.netmap.port.netmap;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import org.diskcryptnet.netmap.port.PacketRing;
import org.diskcryptnet.netmap.port.PortException;
import org.diskcryptnet.netmap.port.PortOptions;
import org.diskcryptnet.netmap.port.PortUri;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The netmap port's ring logic against {@link NetmapKernelModel}, the kernel side modelled in process over the same
 * layout (the module does not load here), and its ABI against the numbers in net/netmap.h.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class NetmapPortTest {

    private final NetmapKernelModel kernel = new NetmapKernelModel();

    private NetmapPort open(String uri, int queues) {
        return NetmapPort.open(PortUri.parse(uri), PortOptions.defaults().withQueues(queues), kernel);
    }

    private static byte[] frame(int n, int length) {
        byte[] f = new byte[length];
        for (int i = 0; i < length; i++) {
            f[i] = (byte) (n * 31 + i);
        }
        return f;
    }

    private static void put(PacketRing tx, byte[] frame) {
        int slot = tx.head();
        MemorySegment.copy(frame, 0, tx.memory(), ValueLayout.JAVA_BYTE, tx.offset(slot), frame.length);
        tx.length(slot, frame.length);
        tx.advance(tx.next(slot));
    }

    private static byte[] get(PacketRing rx, int slot) {
        byte[] f = new byte[rx.length(slot)];
        MemorySegment.copy(rx.memory(), ValueLayout.JAVA_BYTE, rx.offset(slot), f, 0, f.length);
        return f;
    }

    @Test
    void layoutsAndIoctlNumbersAreThoseOfNetmapH() {
        // sizeof and offsetof as net/netmap.h (API 14) lays the structures out on LP64
        assertEquals(88, NetmapAbi.NMREQ_HEADER.byteSize(), "sizeof(struct nmreq_header)");
        assertEquals(72, NetmapAbi.HDR_OPTIONS);
        assertEquals(80, NetmapAbi.HDR_BODY);
        assertEquals(56, NetmapAbi.NMREQ_REGISTER.byteSize(), "sizeof(struct nmreq_register)");
        assertEquals(36, NetmapAbi.REG_MODE);
        assertEquals(48, NetmapAbi.REG_FLAGS);
        assertEquals(56, NetmapAbi.NI_RING_OFS, "offsetof(struct netmap_if, ring_ofs)");
        assertEquals(20, NetmapAbi.RING_HEAD);
        assertEquals(28, NetmapAbi.RING_TAIL);
        assertEquals(256, NetmapAbi.RING_SLOTS, "slots follow sem[128] aligned to NM_CACHE_ALIGN");
        assertEquals(16, NetmapAbi.SLOT_SIZE, "sizeof(struct netmap_slot)");
        assertEquals(0xC0586997L, NetmapAbi.NIOCCTRL, "_IOWR('i', 151, struct nmreq_header)");
        assertEquals(0x6994L, NetmapAbi.NIOCTXSYNC);
        assertEquals(0x6995L, NetmapAbi.NIOCRXSYNC);
    }

    @Test
    void registersOneRingPairPerQueueInOneRegion() {
        kernel.addNic("nm0", 2, 64);
        try (NetmapPort port = open("netmap:nm0", 2)) {
            assertEquals(2, port.queues());
            assertEquals(2, kernel.controls, "one NIOCCTRL per queue (NR_REG_ONE_NIC)");
            assertEquals(64, port.txRing(1).size());
            assertEquals(NetmapKernelModel.BUFFER_SIZE, port.rxRing(0).frameCapacity());
            assertEquals(port.txRing(0).memory(), port.rxRing(1).memory(), "one shared region");
            Set<Long> buffers = new HashSet<>();
            for (int q = 0; q < 2; q++) {
                for (PacketRing r : List.of(port.txRing(q), port.rxRing(q))) {
                    for (int s = 0; s < r.size(); s++) {
                        assertTrue(buffers.add(r.offset(s)), "every slot its own buffer");
                        assertTrue(r.offset(s) + r.frameCapacity() <= r.memory().byteSize());
                    }
                }
            }
            assertEquals(63, port.txRing(0).space(), "a tx ring starts with all slots but one free");
            assertEquals(0, port.rxRing(0).space());
        }
    }

    @Test
    void txFramesLeaveInOrderOneIoctlPerBatch() {
        kernel.addNic("nm0", 1, 64);
        try (NetmapPort port = open("netmap:nm0", 1)) {
            PacketRing tx = port.txRing(0);
            int sent = 0;
            for (int batch = 0; batch < 10; batch++) { // 10 x 40 frames through a 64-slot ring: wraps six times
                for (int i = 0; i < 40; i++) {
                    put(tx, frame(sent++, 60 + sent % 1400));
                }
                int before = kernel.syncs;
                port.txSync(0);
                assertEquals(before + 1, kernel.syncs, "a batch is one NIOCTXSYNC");
                assertEquals(63, tx.space(), "the model completes at once: every slot but one free again");
            }
            List<byte[]> wire = kernel.wire.get("nm0");
            assertEquals(400, wire.size());
            for (int i = 0; i < 400; i++) {
                assertArrayEquals(frame(i, 60 + (i + 1) % 1400), wire.get(i), "frame " + i);
            }
            assertEquals(400, port.counters(0).txFrames);
        }
    }

    @Test
    void rxFramesArriveAndSlotsGoBackAcrossManyWraps() {
        kernel.addNic("nm0", 1, 32);
        try (NetmapPort port = open("netmap:nm0", 1)) {
            PacketRing rx = port.rxRing(0);
            int received = 0;
            for (int n = 0; n < 500; n++) {
                kernel.inject("nm0", 0, frame(n, 64 + n % 200));
            }
            for (int round = 0; received < 500; round++) {
                assertTrue(round < 1000, "frames stopped flowing at " + received);
                port.rxSync(0);
                assertTrue(rx.space() > 0 && rx.space() <= 31, "at most all slots but one: " + rx.space());
                int slot = rx.head();
                while (slot != rx.tail()) {
                    assertArrayEquals(frame(received, 64 + received % 200), get(rx, slot), "frame " + received);
                    received++;
                    slot = rx.next(slot);
                }
                rx.advance(slot);
            }
            assertEquals(500, port.counters(0).rxFrames);
        }
    }

    @Test
    void pipesHandBuffersFromOneEndToTheOther() {
        try (NetmapPort master = open("netmap:dcn{1", 1); NetmapPort slave = open("netmap:dcn}1", 1)) {
            PacketRing tx = master.txRing(0);
            PacketRing rx = slave.rxRing(0);
            Set<Long> txBuffersBefore = new HashSet<>();
            for (int s = 0; s < tx.size(); s++) {
                txBuffersBefore.add(tx.offset(s));
            }
            int sent = 0, received = 0;
            for (int round = 0; received < 300; round++) {
                assertTrue(round < 1000, "frames stopped flowing at " + received + "; " + master.counters(0));
                while (sent < 300 && tx.space() > 0) {
                    put(tx, frame(sent, 100 + sent));
                    sent++;
                }
                master.txSync(0);
                slave.rxSync(0);
                int slot = rx.head();
                while (slot != rx.tail()) {
                    assertArrayEquals(frame(received, 100 + received), get(rx, slot), "frame " + received);
                    received++;
                    slot = rx.next(slot);
                }
                rx.advance(slot);
            }
            boolean swapped = false;
            for (int s = 0; s < tx.size(); s++) {
                swapped |= !txBuffersBefore.contains(tx.offset(s));
            }
            assertTrue(swapped, "a pipe exchanges buffers (zero copy): tx slots now point at former rx buffers");
            // and back the other way
            put(slave.txRing(0), frame(999, 77));
            slave.txSync(0);
            master.rxSync(0);
            assertEquals(1, master.rxRing(0).space());
            assertArrayEquals(frame(999, 77), get(master.rxRing(0), master.rxRing(0).head()));
        }
    }

    @Test
    void aFullPeerHoldsFramesBackUntilItReleasesSlots() {
        try (NetmapPort master = open("netmap:dcn{2", 1); NetmapPort slave = open("netmap:dcn}2", 1)) {
            PacketRing tx = master.txRing(0);
            for (int i = 0; i < 63; i++) {
                put(tx, frame(i, 80));
            }
            master.txSync(0);
            slave.rxSync(0);
            assertEquals(63, slave.rxRing(0).space(), "the slave took 63 frames");
            for (int i = 63; i < 73; i++) {
                put(tx, frame(i, 80));
            }
            master.txSync(0);
            assertEquals(53, tx.space(), "ten frames wait in the master's tx ring");
            slave.rxRing(0).advance(slave.rxRing(0).tail()); // release everything
            slave.rxSync(0);
            master.txSync(0);
            slave.rxSync(0);
            assertEquals(10, slave.rxRing(0).space());
            assertArrayEquals(frame(63, 80), get(slave.rxRing(0), slave.rxRing(0).head()));
        }
    }

    @Test
    void headOutsideTheApplicationsSlotsIsRefused() {
        kernel.addNic("nm0", 1, 16);
        try (NetmapPort port = open("netmap:nm0", 1)) {
            PacketRing rx = port.rxRing(0);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> rx.advance(5));
            assertTrue(e.getMessage().contains("[0, 0]"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> port.txRing(0).length(0, 4096));
        }
    }

    @Test
    void unknownPortAndForeignApiVersionAreNamed() {
        PortException missing = assertThrows(PortException.class, () -> open("netmap:nosuch0", 1));
        assertEquals(PortException.Reason.NO_SUCH_INTERFACE, missing.reason(), missing.getMessage());
        kernel.apiVersion = 15;
        kernel.addNic("nm0", 1, 16);
        PortException version = assertThrows(PortException.class, () -> open("netmap:nm0", 1));
        assertEquals(PortException.Reason.UNSUPPORTED, version.reason());
        assertTrue(version.getMessage().contains("netmap API 15"), version.getMessage());
        PortException queues = assertThrows(PortException.class, () -> {
            kernel.apiVersion = 14;
            open("netmap:nm0", 3);
        });
        assertEquals(PortException.Reason.INVALID, queues.reason(), queues.getMessage());
    }

    @Test
    void probeSaysTheModuleIsNotLoaded() {
        Assumptions.assumeFalse(Files.exists(Path.of("/dev/netmap")), "this machine has the netmap module");
        assertFalse(Netmap.isAvailable());
        assertTrue(Netmap.unavailabilityCause().getMessage().contains("netmap module not loaded"),
                Netmap.unavailabilityCause().getMessage());
        PortException e = assertThrows(PortException.class,
                () -> NetmapPort.open(PortUri.parse("netmap:eth0"), PortOptions.defaults()));
        assertEquals(PortException.Reason.UNSUPPORTED, e.reason());
        assertNotEquals(0, e.getMessage().length());
    }
}
