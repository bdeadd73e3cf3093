package org.diskcryptnet.netmap.tcp;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;

import org.diskcryptnet.netmap.wire.DropCounters;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The per-loop structures: connection table, timer wheel, buffers, SACK scoreboard. */
class DataStructuresTest {

    private static TcpConnection[] connections(int n) {
        TcpConfig cfg = TcpTestbed.base().maxConnections(n).build();
        TcpLayer layer = new TcpLayer(cfg, 1, new TcpTestbed(), new DropCounters());
        return layer.connectionObjects();
    }

    @Test
    void connectionTableMatchesAMapUnderRandomOperations() {
        TcpConnection[] objects = connections(512);
        ConnectionTable table = new ConnectionTable(512);
        Map<Long, TcpConnection> model = new HashMap<>();
        SplittableRandom r = new SplittableRandom(4);
        for (int i = 0; i < 200_000; i++) {
            // few distinct keys, clustered, so that probe runs collide and deletions shift them
            long key = ConnectionTable.key(0xC6123C00 | r.nextInt(4), 1000 + r.nextInt(64), 80);
            if (r.nextInt(3) == 0 && model.size() < 256) {
                TcpConnection c = objects[r.nextInt(objects.length)];
                table.put(key, c);
                model.put(key, c);
            } else if (r.nextBoolean()) {
                table.remove(key);
                model.remove(key);
            }
            assertSame(model.get(key), table.get(key));
        }
        assertEquals(model.size(), table.size());
        for (Map.Entry<Long, TcpConnection> e : model.entrySet()) {
            assertSame(e.getValue(), table.get(e.getKey()));
        }
    }

    @Test
    void timerWheelFiresEachDeadlineOnceAndOnTime() {
        TcpConnection[] c = connections(4);
        TimerWheel wheel = new TimerWheel();
        long t0 = 1_000_000_000_000L;
        long[] fired = new long[4];
        TimerWheel.Expiry recorder = (conn, now) -> fired[conn.index] = now;
        wheel.expire(t0, recorder);
        wheel.schedule(c[0], t0 + 5_000_000);           // 5 ms
        wheel.schedule(c[1], t0 + 10_000_000_000L);     // 10 s: beyond one revolution
        wheel.schedule(c[2], t0 + 7_000_000);
        wheel.schedule(c[2], t0 + 9_000_000);           // moved
        wheel.schedule(c[3], t0 + 1_000_000);
        wheel.cancel(c[3]);
        for (long t = t0; t <= t0 + 11_000_000_000L; t += 1_000_000) {
            wheel.expire(t, recorder);
        }
        assertEquals(t0 + 5_000_000, fired[0]);
        assertEquals(t0 + 10_000_000_000L, fired[1]);
        assertEquals(t0 + 9_000_000, fired[2]);
        assertEquals(0, fired[3], "cancelled");
    }

    @Test
    void receiveBufferReassemblesAcrossBlocks() {
        BlockPool pool = new BlockPool(8 * BlockPool.BLOCK_SIZE);
        ReceiveBuffer rb = new ReceiveBuffer(pool, 4 * BlockPool.BLOCK_SIZE, 8);
        byte[] data = new byte[40_000];
        new SplittableRandom(1).nextBytes(data);
        MemorySegment src = MemorySegment.ofArray(data);
        // out of order, straddling block boundaries, overlapping
        assertEquals(0, rb.accept(20_000, src, 20_000, 20_000));
        assertEquals(0, rb.accept(10_000, src, 10_000, 12_000));
        assertTrue(rb.hasOutOfOrder());
        assertEquals(40_000, rb.accept(0, src, 0, 10_000), "the hole filled: everything readable");
        assertFalse(rb.hasOutOfOrder());
        byte[] out = new byte[40_000];
        int n = 0;
        while (rb.span() > 0) {
            int span = rb.span();
            MemorySegment.copy(rb.memory(), rb.spanOffset(), MemorySegment.ofArray(out), n, span);
            n += span;
            rb.consume(span);
        }
        assertEquals(40_000, n);
        assertArrayEquals(data, out);
        assertEquals(pool.capacity(), pool.available(), "consumed blocks went back");
    }

    @Test
    void sackBlocksComeMostRecentlyChangedFirst() {
        BlockPool pool = new BlockPool(8 * BlockPool.BLOCK_SIZE);
        ReceiveBuffer rb = new ReceiveBuffer(pool, 4 * BlockPool.BLOCK_SIZE, 8);
        MemorySegment src = MemorySegment.ofArray(new byte[100]);
        rb.accept(100, src, 0, 10);
        rb.accept(300, src, 0, 10);
        rb.accept(500, src, 0, 10);
        rb.accept(110, src, 0, 10); // extends the first range: now the most recent
        int[] l = new int[4];
        int[] r = new int[4];
        assertEquals(3, rb.sackBlocks(1000, l, r, 4));
        assertArrayEquals(new int[] {1100, 1500, 1300}, new int[] {l[0], l[1], l[2]});
        assertEquals(1120, r[0]);
        assertEquals(3, rb.unreportedRanges());
        rb.reported();
        assertEquals(0, rb.unreportedRanges());
    }

    @Test
    void scoreboardMergesAndFindsLosses() {
        SackScoreboard sb = new SackScoreboard(8);
        int una = 1000;
        int max = 20_000;
        assertEquals(1000, sb.add(3000, 4000, una, max));
        assertEquals(1000, sb.add(5000, 6000, una, max));
        assertEquals(1000, sb.add(4000, 5000, una, max), "fills the gap: one range now");
        assertEquals(1, sb.ranges());
        assertEquals(0, sb.add(3500, 5500, una, max), "nothing new");
        assertEquals(0, sb.add(100, 900, una, max), "below SND.UNA: a D-SACK, ignored");
        assertEquals(3000, sb.sackedIn(0, 20_000));
        // IsLost: more than (DupThresh - 1) * SMSS bytes SACKed above
        assertEquals(3000, sb.lostEdge(una, 3, 1000));
        assertEquals(una, new SackScoreboard(4).lostEdge(una, 3, 1000));
        assertEquals(1000, sb.nextUnsacked(1000));
        assertEquals(6000, sb.nextUnsacked(3000));
        assertEquals(3000, sb.nextSackedStart(1000, max));
        sb.advance(4500);
        assertEquals(4500, sb.rangeStart(0));
        assertTrue(sb.isSacked(5999));
        assertFalse(sb.isSacked(6000));
        sb.advance(7000);
        assertTrue(sb.isEmpty());
    }

    @Test
    void sendQueueReadsBackWhatWasWrittenUntilAcknowledged() {
        BlockPool pool = new BlockPool(8 * BlockPool.BLOCK_SIZE);
        SendQueue q = new SendQueue(pool, 4 * BlockPool.BLOCK_SIZE, 8);
        byte[] data = new byte[50_000];
        new SplittableRandom(2).nextBytes(data);
        assertEquals(50_000, q.appendCopy(MemorySegment.ofArray(data), 0, 50_000));
        MemorySegment out = MemorySegment.ofArray(new byte[1460]);
        assertEquals(0, q.produce(30_000, 1460, out, 0, null, 0));
        assertArrayEquals(java.util.Arrays.copyOfRange(data, 30_000, 31_460), out.toArray(ValueLayout.JAVA_BYTE));
        q.acknowledge(40_000);
        assertEquals(10_000, q.unacknowledged());
        assertTrue(q.memorySpace() > 4 * BlockPool.BLOCK_SIZE - 20_000);
        q.acknowledge(50_000);
        assertEquals(pool.capacity(), pool.available());
    }
}
