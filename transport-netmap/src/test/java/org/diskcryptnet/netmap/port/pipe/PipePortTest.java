package org.diskcryptnet.netmap.port.pipe;

import java.lang.foreign.ValueLayout;
import java.util.concurrent.atomic.AtomicReference;

import org.diskcryptnet.netmap.port.PacketPort;
import org.diskcryptnet.netmap.port.PacketRing;
import org.diskcryptnet.netmap.port.PortUri;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code pipe:} ports: netmap ring semantics, zero-copy hand-over, back-pressure, and a cross-thread run. */
class PipePortTest {

    private static void send(PacketPort p, long value) {
        PacketRing tx = p.txRing(0);
        int slot = tx.head();
        tx.memory().set(ValueLayout.JAVA_LONG_UNALIGNED, tx.offset(slot), value);
        tx.length(slot, 60);
        tx.advance(tx.next(slot));
    }

    @Test
    void aFrameCrossesByBufferSwapNotCopy() {
        PipePort[] ends = PipePort.pair("swap", 1, 8, 1500);
        PacketRing tx = ends[0].txRing(0);
        long buffer = tx.offset(tx.head());
        send(ends[0], 42);
        ends[0].txSync(0);
        ends[1].rxSync(0);
        PacketRing rx = ends[1].rxRing(0);
        assertEquals(1, rx.space());
        assertEquals(buffer, rx.offset(rx.head()), "the receiver's slot points at the sender's buffer");
        assertEquals(42, rx.memory().get(ValueLayout.JAVA_LONG_UNALIGNED, rx.offset(rx.head())));
        assertEquals(60, rx.length(rx.head()));
        assertNotEquals(buffer, tx.offset(0), "the sender's slot got a free buffer in exchange");
        ends[0].close();
        ends[1].close();
    }

    @Test
    void ringsFollowNetmapOwnership() {
        PipePort[] ends = PipePort.pair("own", 1, 8, 1500);
        PacketRing tx = ends[0].txRing(0);
        assertEquals(7, tx.space(), "one slot always stays with the kernel side (netmap(4))");
        PacketRing rx = ends[1].rxRing(0);
        assertEquals(0, rx.space());
        ends[0].close();
        ends[1].close();
    }

    @Test
    void fullReceiverHoldsFramesInTheSendersRing() {
        PipePort[] ends = PipePort.pair("full", 1, 4, 1500);
        for (int i = 0; i < 3; i++) {
            send(ends[0], i);
        }
        ends[0].txSync(0);
        assertEquals(3, ends[0].txRing(0).space(), "all three went over and their slots came back");
        for (int i = 3; i < 6; i++) {
            send(ends[0], i);
        }
        ends[0].txSync(0);
        assertEquals(0, ends[0].txRing(0).space(), "the peer's ring is full: nothing reclaimed, no loss");
        ends[1].rxSync(0);
        PacketRing rx = ends[1].rxRing(0);
        rx.advance(rx.tail()); // consume all three
        ends[1].rxSync(0);
        ends[0].txSync(0);
        ends[1].rxSync(0);
        assertEquals(3, rx.space(), "the waiting frames followed");
        assertEquals(3, rx.memory().get(ValueLayout.JAVA_LONG_UNALIGNED, rx.offset(rx.head())));
        ends[0].close();
        ends[1].close();
    }

    @Test
    void framesArriveInOrderAcrossThreads() throws Exception {
        PipePort[] ends = PipePort.pair("threads", 1, 256, 1500);
        long count = 2_000_000;
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread producer = new Thread(() -> {
            PacketRing tx = ends[0].txRing(0);
            long next = 0;
            while (next < count) {
                while (tx.space() > 0 && next < count) {
                    send(ends[0], next++);
                }
                ends[0].txSync(0);
            }
            // a sync moves what the peer's rx ring has room for: keep syncing until the last frames left too
            long stop = System.nanoTime() + 60_000_000_000L;
            while (tx.size() - 1 - tx.space() > 0 && System.nanoTime() < stop) {
                ends[0].txSync(0);
                Thread.onSpinWait();
            }
        });
        producer.start();
        PacketRing rx = ends[1].rxRing(0);
        long expected = 0;
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (expected < count && System.nanoTime() < deadline) {
            ends[1].rxSync(0);
            int h = rx.head();
            while (h != rx.tail()) {
                long v = rx.memory().get(ValueLayout.JAVA_LONG_UNALIGNED, rx.offset(h));
                if (v != expected) {
                    failure.set(new AssertionError("frame " + v + " where " + expected + " was expected"));
                    break;
                }
                expected++;
                h = rx.next(h);
            }
            rx.advance(h);
            if (failure.get() != null) {
                break;
            }
        }
        producer.join(10_000);
        assertNull(failure.get());
        assertEquals(count, expected);
        ends[0].close();
        ends[1].close();
    }

    @Test
    void openingAPipeByNameTwiceGivesBothEnds() {
        PipePort a = PipePort.open(PortUri.parse("pipe:named"));
        PipePort b = PipePort.open(PortUri.parse("pipe:named"));
        assertNotEquals(a, b);
        send(a, 7);
        a.txSync(0);
        b.rxSync(0);
        assertEquals(1, b.rxRing(0).space());
        assertTrue(a.macAddress()[0] == 2, "locally administered unicast");
        assertNotEquals(java.util.Arrays.toString(a.macAddress()), java.util.Arrays.toString(b.macAddress()));
        assertThrows(IllegalArgumentException.class, () -> PipePort.open(PortUri.parse("tap:named")));
        a.close();
        b.close();
    }
}
