package org.diskcryptnet.netmap.tcp;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import static org.diskcryptnet.netmap.tcp.TcpTestbed.LOCAL_ISN;
import static org.diskcryptnet.netmap.tcp.TcpTestbed.LOCAL_PORT;
import static org.diskcryptnet.netmap.tcp.TcpTestbed.REMOTE_IP;
import static org.diskcryptnet.netmap.tcp.TcpTestbed.REMOTE_ISN;
import static org.diskcryptnet.netmap.tcp.TcpTestbed.REMOTE_PORT;
import static org.diskcryptnet.netmap.tcp.TcpTestbed.WINDOW;
import static org.diskcryptnet.netmap.tcp.TcpTestbed.bytes;
import static org.diskcryptnet.netmap.tcp.TcpTestbed.in;
import static org.diskcryptnet.netmap.wire.TcpHeader.FIN;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The receive path's group prefetch only loads: announced or not, a segment is processed the same way. */
class GroupPrefetchTest {

    private static final int R = REMOTE_ISN + 1;
    private static final int L = LOCAL_ISN + 1;

    /** A transfer with a loss, its recovery, data from the peer and both FINs; everything the stack sent. */
    private static List<Seg> transfer(boolean announced) {
        List<Seg> sent = new ArrayList<>();
        try (TcpTestbed bed = new TcpTestbed()) {
            bed.announceSegments = announced;
            Recorder app = new Recorder();
            TcpConnection c = bed.establishedServer(app);
            int total = 20 * 1460;
            bed.write(c, bytes(total, 7));
            sent.addAll(bed.recv());
            for (int i = 0; i < 4; i++) { // the second segment is lost: an ACK and three duplicates
                bed.send(in().seq(R).ack(L + 1460).win(WINDOW));
            }
            for (int round = 0; round < 20 && highest(sent) < L + total; round++) {
                bed.send(in().seq(R).ack(highest(sent)).win(WINDOW));
                sent.addAll(bed.recv());
            }
            bed.send(in().seq(R).ack(L + total).win(WINDOW).data(bytes(100, 3)));
            c.close();
            bed.settle();
            bed.send(in().seq(R + 100).ack(L + total + 1).win(WINDOW).fin());
            bed.advance(200);
            sent.addAll(bed.recv());
            assertEquals(L + total, highest(sent) - 1, "all data and the FIN were sent");
            assertEquals(100, app.received.size(), "the peer's bytes were delivered");
        }
        return sent;
    }

    private static int highest(List<Seg> segments) {
        return segments.stream().mapToInt(s -> s.seq + s.payload.length + ((s.flags & FIN) != 0 ? 1 : 0)).max()
                .orElse(L);
    }

    @Test
    void announcedSegmentsAreProcessedAsUnannouncedOnes() {
        List<Seg> plain = transfer(false);
        assertTrue(plain.stream().filter(s -> s.seq == L + 1460 && s.payload.length > 0).count() >= 2,
                "the second segment was sent again: " + plain);
        assertEquals(plain, transfer(true));
    }

    @Test
    void announcementsBeyondTheGroupAreIgnored() {
        try (TcpTestbed bed = new TcpTestbed()) {
            Recorder app = new Recorder();
            bed.establishedServer(app);
            for (int i = 0; i < 3 * TcpLayer.PREFETCH_GROUP; i++) {
                bed.layer.announce(REMOTE_IP, REMOTE_PORT + i % 2, LOCAL_PORT);
            }
            bed.layer.prefetchAnnounced();
            bed.layer.prefetchAnnounced(); // an empty group
            bed.send(in().seq(R).ack(L).win(WINDOW).data(bytes(10, 1)));
            assertEquals(10, app.received.size());
        }
    }
}
