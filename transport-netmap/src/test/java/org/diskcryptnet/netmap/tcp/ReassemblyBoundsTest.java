package org.diskcryptnet.netmap.tcp;

import java.util.List;

import org.diskcryptnet.netmap.wire.DropReason;

import org.junit.jupiter.api.Test;

import static org.diskcryptnet.netmap.tcp.TcpTestbed.LOCAL_ISN;
import static org.diskcryptnet.netmap.tcp.TcpTestbed.REMOTE_ISN;
import static org.diskcryptnet.netmap.tcp.TcpTestbed.WINDOW;
import static org.diskcryptnet.netmap.tcp.TcpTestbed.bytes;
import static org.diskcryptnet.netmap.tcp.TcpTestbed.in;
import static org.diskcryptnet.netmap.tcp.TcpTestbed.out;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

/**
 * Bounded buffer memory: reassembly per connection (window, number of holes), and send and receive buffers per
 * loop (the block pool).
 */
class ReassemblyBoundsTest {

    private static final int R = REMOTE_ISN + 1;
    private static final int L = LOCAL_ISN + 1;

    @Test
    void outOfOrderRangesPastTheLimitAreDropped() {
        try (TcpTestbed bed = new TcpTestbed(TcpTestbed.base().maxOutOfOrderRanges(2).build())) {
            Recorder app = new Recorder();
            bed.establishedServer(app);
            bed.send(in().seq(R + 200).ack(L).win(WINDOW).data(bytes(100, 1)));
            bed.send(in().seq(R + 600).ack(L).win(WINDOW).data(bytes(100, 2)));
            bed.recv();
            bed.send(in().seq(R + 1000).ack(L).win(WINDOW).data(bytes(100, 3)));
            bed.expect(out().seq(L).ack(R).win(WINDOW)); // the sender still learns where we are
            assertEquals(1, bed.dropped(DropReason.TCP_REASSEMBLY_RANGES));
            // data adjacent to a held range merges into it and is kept
            bed.send(in().seq(R + 300).ack(L).win(WINDOW).data(bytes(100, 4)));
            assertEquals(1, bed.dropped(DropReason.TCP_REASSEMBLY_RANGES));
        }
    }

    @Test
    void loopWideBufferMemoryBoundsReassembly() {
        // a pool of two 16 KiB blocks: the third block's data is refused and counted
        try (TcpTestbed bed = new TcpTestbed(TcpTestbed.base().bufferPoolBytes(2 * BlockPool.BLOCK_SIZE).build())) {
            Recorder app = new Recorder();
            bed.establishedServer(app);
            bed.send(in().seq(R + 20_000).ack(L).win(WINDOW).data(bytes(100, 1)));
            bed.send(in().seq(R + 40_000).ack(L).win(WINDOW).data(bytes(100, 2)));
            assertEquals(0, bed.layer.bufferPool().available());
            bed.send(in().seq(R).ack(L).win(WINDOW).data(bytes(100, 3)));
            assertEquals(1, bed.dropped(DropReason.TCP_REASSEMBLY_MEMORY));
            assertEquals(0, app.received.size());
        }
    }

    @Test
    void readingGivesTheMemoryBack() {
        try (TcpTestbed bed = new TcpTestbed(TcpTestbed.base().build())) {
            Recorder app = new Recorder();
            bed.establishedServer(app);
            int total = bed.layer.bufferPool().capacity();
            int seq = R;
            for (int i = 0; i < 30; i++) {
                bed.send(in().seq(seq).ack(L).win(WINDOW).data(bytes(1460, i)));
                seq += 1460;
            }
            assertEquals(30 * 1460, app.received.size());
            assertEquals(total, bed.layer.bufferPool().available(), "an emptied buffer holds no block");
        }
    }

    @Test
    void acknowledgedSendBufferHoldsNoBlock() {
        try (TcpTestbed bed = new TcpTestbed(TcpTestbed.base().build())) {
            Recorder app = new Recorder();
            TcpConnection c = bed.establishedServer(app);
            int total = bed.layer.bufferPool().capacity();
            bed.write(c, bytes(3000, 1));
            assertEquals(total - 1, bed.layer.bufferPool().available());
            bed.send(in().seq(R).ack(L + 3000).win(WINDOW));
            assertEquals(total, bed.layer.bufferPool().available(), "an idle connection costs no buffer memory");
        }
    }

    @Test
    void aConnectionRefusedForWantOfPoolMemoryIsToldWhenAnotherGivesBlocksBack() {
        // one block: the first connection's unacknowledged bytes hold it, and the second's write gets nothing
        // although its own buffer is empty, so no ACK of its own will ever make it writable again
        try (TcpTestbed bed = new TcpTestbed(TcpTestbed.base().bufferPoolBytes(BlockPool.BLOCK_SIZE).build())) {
            TcpConnection first = bed.establishedServer(new Recorder());
            Recorder app = new Recorder();
            TcpConnection second = secondConnection(bed, app);
            bed.write(first, bytes(100, 1));
            assertEquals(0, bed.tryWrite(second, bytes(100, 2)));
            bed.recv();
            bed.send(in().seq(R).ack(L + 100).win(WINDOW)); // the block goes back to the pool
            assertEquals(List.of("writable"), app.events, "the waiting connection hears of it");
            assertEquals(100, bed.tryWrite(second, bytes(100, 2)));
        }
    }

    /** A second connection, from the peer's next port, accepted and handled by {@code app}. */
    private static TcpConnection secondConnection(TcpTestbed bed, Recorder app) {
        int port = TcpTestbed.REMOTE_PORT + 1;
        bed.send(in().ports(port, TcpTestbed.LOCAL_PORT).syn().seq(REMOTE_ISN).win(WINDOW).mss(1460));
        bed.send(in().ports(port, TcpTestbed.LOCAL_PORT).seq(R).ack(L).win(WINDOW));
        bed.recv();
        TcpConnection c = bed.layer.listenerFor(TcpTestbed.LOCAL_PORT).accept();
        assertNotNull(c);
        c.handler(app);
        return c;
    }
}
