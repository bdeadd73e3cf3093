package org.diskcryptnet.netmap.port.fault;

import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;

import org.diskcryptnet.netmap.port.PacketPort;
import org.diskcryptnet.netmap.port.PacketRing;
import org.diskcryptnet.netmap.port.pipe.PipePort;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The fault injector: each fault by its probability, reproducible from the seed, in both directions. */
class FaultInjectingPortTest {

    /** Sends {@code n} numbered frames through a faulty end, returns the numbers that arrived, in order. */
    private static List<Long> run(FaultPlan sent, FaultPlan received, int n) {
        PipePort[] ends = PipePort.pair("fault", 1, 1024, 1500);
        FaultInjectingPort faulty = new FaultInjectingPort(ends[0], received, sent);
        List<Long> got = new ArrayList<>();
        PacketRing rx = ends[1].rxRing(0);
        for (long i = 0; i < n; i++) {
            PacketRing tx = faulty.txRing(0);
            int slot = tx.head();
            tx.memory().set(ValueLayout.JAVA_LONG_UNALIGNED, tx.offset(slot), i);
            tx.length(slot, 64);
            tx.advance(tx.next(slot));
            faulty.txSync(0);
            ends[1].rxSync(0);
            int h = rx.head();
            while (h != rx.tail()) {
                got.add(rx.memory().get(ValueLayout.JAVA_LONG_UNALIGNED, rx.offset(h)));
                h = rx.next(h);
            }
            rx.advance(h);
        }
        faulty.close();
        ends[1].close();
        return got;
    }

    @Test
    void lossFollowsItsProbability() {
        List<Long> got = run(FaultPlan.parse("loss=0.1,seed=1"), FaultPlan.NONE, 20_000);
        int lost = 20_000 - got.size();
        assertTrue(lost > 1800 && lost < 2200, "about 10% lost: " + lost);
    }

    @Test
    void sameSeedSameFate() {
        // a long delayms: reordered frames wait for their successor only, never for the clock, so the outcome
        // depends on the seed alone however slowly this machine runs the test
        FaultPlan plan = FaultPlan.parse("loss=0.05,dup=0.05,reorder=0.05,delayms=60000,seed=42");
        List<Long> first = run(plan, FaultPlan.NONE, 5000);
        assertTrue(first.equals(run(plan, FaultPlan.NONE, 5000)), "the same seed gives the same frames");
        assertTrue(!first.equals(run(plan.withSeed(43), FaultPlan.NONE, 5000)), "another seed, other frames");
    }

    @Test
    void duplicationSendsTwice() {
        List<Long> got = run(FaultPlan.parse("dup=1,seed=1"), FaultPlan.NONE, 100);
        assertEquals(200, got.size());
        assertEquals(got.get(0), got.get(1));
    }

    @Test
    void reorderingLetsTheNextFrameOvertake() {
        List<Long> got = run(FaultPlan.parse("reorder=0.2,seed=3"), FaultPlan.NONE, 1000);
        int inversions = 0;
        for (int i = 1; i < got.size(); i++) {
            if (got.get(i) < got.get(i - 1)) {
                inversions++;
            }
        }
        assertTrue(inversions > 100, "reordered: " + inversions);
        assertTrue(got.size() >= 990, "nothing lost (a last held frame may wait for its time)");
    }

    @Test
    void corruptionFlipsExactlyOneBit() {
        PipePort[] ends = PipePort.pair("corrupt", 1, 64, 1500);
        FaultInjectingPort faulty = new FaultInjectingPort(ends[0], FaultPlan.NONE, FaultPlan.parse("corrupt=1,seed=9"));
        PacketRing tx = faulty.txRing(0);
        int slot = tx.head();
        for (int i = 0; i < 64; i++) {
            tx.memory().set(ValueLayout.JAVA_BYTE, tx.offset(slot) + i, (byte) 0);
        }
        tx.length(slot, 64);
        tx.advance(tx.next(slot));
        faulty.txSync(0);
        ends[1].rxSync(0);
        PacketRing rx = ends[1].rxRing(0);
        int bits = 0;
        for (int i = 0; i < 64; i++) {
            bits += Integer.bitCount(rx.memory().get(ValueLayout.JAVA_BYTE, rx.offset(rx.head()) + i) & 0xFF);
        }
        assertEquals(1, bits);
        assertEquals(1, faulty.sentCounters().corrupted);
        faulty.close();
        ends[1].close();
    }

    @Test
    void delayHoldsFramesForTheirTime() throws Exception {
        PipePort[] ends = PipePort.pair("delay", 1, 64, 1500);
        FaultInjectingPort faulty = new FaultInjectingPort(ends[0], FaultPlan.NONE,
                FaultPlan.parse("delay=1,delayms=50,seed=1"));
        PacketRing tx = faulty.txRing(0);
        tx.length(tx.head(), 64);
        tx.advance(tx.next(tx.head()));
        faulty.txSync(0);
        ends[1].rxSync(0);
        assertEquals(0, ends[1].rxRing(0).space(), "held");
        Thread.sleep(60);
        faulty.txSync(0);
        ends[1].rxSync(0);
        assertEquals(1, ends[1].rxRing(0).space(), "released after 50 ms");
        faulty.close();
        ends[1].close();
    }

    /**
     * A frame held back on the way out leaves when its time comes although the application sends nothing more:
     * the receive polls, which go on while the application waits for an ACK, release it (a reordered last
     * segment of a flight must not wait for the sender's retransmission timeout).
     */
    @Test
    void aHeldFrameLeavesOnTimeWhenNothingFollowsIt() throws Exception {
        PipePort[] ends = PipePort.pair("tail", 1, 64, 1500);
        FaultInjectingPort faulty = new FaultInjectingPort(ends[0], FaultPlan.NONE,
                FaultPlan.parse("reorder=1,delayms=20,seed=1"));
        PacketRing tx = faulty.txRing(0);
        tx.length(tx.head(), 64);
        tx.advance(tx.next(tx.head()));
        faulty.txSync(0);
        ends[1].rxSync(0);
        assertEquals(0, ends[1].rxRing(0).space(), "held for a successor");
        Thread.sleep(30);
        faulty.rxSync(0); // the application only polls for frames: no txSync
        ends[1].rxSync(0);
        assertEquals(1, ends[1].rxRing(0).space(), "released by the receive poll after 20 ms");
        assertEquals(1, faulty.sentCounters().reordered);
        faulty.close();
        ends[1].close();
    }

    @Test
    void receivedFramesAreDamagedToo() {
        PipePort[] ends = PipePort.pair("rxfault", 1, 1024, 1500);
        FaultInjectingPort faulty = new FaultInjectingPort(ends[1], FaultPlan.parse("loss=1"), FaultPlan.NONE);
        PacketPort sender = ends[0];
        PacketRing tx = sender.txRing(0);
        tx.length(tx.head(), 64);
        tx.advance(tx.next(tx.head()));
        sender.txSync(0);
        faulty.rxSync(0);
        assertEquals(0, faulty.rxRing(0).space());
        assertEquals(1, faulty.receivedCounters().dropped);
        faulty.close();
        ends[0].close();
    }

    @Test
    void planParsingRejectsNonsense() {
        assertEquals(0.05, FaultPlan.parse("loss=0.05,reorder=0.05,dup=0.01,seed=1").loss());
        assertThrows(IllegalArgumentException.class, () -> FaultPlan.parse("loss=1.5"));
        assertThrows(IllegalArgumentException.class, () -> FaultPlan.parse("jitter=0.1"));
        assertThrows(IllegalArgumentException.class, () -> FaultPlan.parse("loss=lots"));
        assertThrows(IllegalArgumentException.class, () -> FaultPlan.parse("loss"));
        assertThrows(IllegalArgumentException.class, () -> FaultPlan.parse("loss=0.6,dup=0.6"));
    }
}
