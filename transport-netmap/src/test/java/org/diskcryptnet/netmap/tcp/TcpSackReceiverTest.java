package org.diskcryptnet.netmap.tcp;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.diskcryptnet.netmap.tcp.TcpTestbed.LOCAL_ISN;
import static org.diskcryptnet.netmap.tcp.TcpTestbed.REMOTE_ISN;
import static org.diskcryptnet.netmap.tcp.TcpTestbed.WINDOW;
import static org.diskcryptnet.netmap.tcp.TcpTestbed.bytes;
import static org.diskcryptnet.netmap.tcp.TcpTestbed.in;
import static org.diskcryptnet.netmap.tcp.TcpTestbed.out;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/** RFC 2018: SACK-permitted negotiation and the SACK blocks a data receiver sends. */
class TcpSackReceiverTest {

    private static final int R = REMOTE_ISN + 1;
    private static final int L = LOCAL_ISN + 1;

    private final Recorder app = new Recorder();
    private TcpTestbed bed = new TcpTestbed(TcpTestbed.base().sack(true).build());

    @AfterEach
    void close() {
        bed.close();
    }

    private void established() {
        bed.listen(app);
        bed.send(in().syn().seq(REMOTE_ISN).win(WINDOW).mss(1460).sackOk());
        bed.expect(out().syn().seq(LOCAL_ISN).ack(R).win(WINDOW).mss(1460).sackOk());
        bed.send(in().seq(R).ack(L).win(WINDOW));
        app.acceptOne(bed);
    }

    private void segment(int offset, int seed) {
        bed.send(in().seq(R + offset).ack(L).win(WINDOW).data(bytes(100, seed)));
    }

    @Test
    void sackPermittedOnlyIfThePeerOfferedIt() {
        // RFC 2018 2: SACK-permitted in a SYN; used only if both sent it
        bed.listen(app);
        bed.send(in().syn().seq(REMOTE_ISN).win(WINDOW).mss(1460));
        bed.expect(out().syn().seq(LOCAL_ISN).ack(R).win(WINDOW).mss(1460));
        bed.send(in().seq(R).ack(L).win(WINDOW));
        assertFalse(app.acceptOne(bed).sackEnabled());
    }

    @Test
    void outOfOrderDataIsReportedInASackBlock() {
        // RFC 2018 4: the ACK for out-of-order data carries a block covering it
        established();
        segment(200, 1);
        bed.expect(out().seq(L).ack(R).win(WINDOW).sack(R + 200, R + 300));
    }

    @Test
    void firstBlockHoldsTheMostRecentSegment() {
        // RFC 2018 4: "The first SACK block MUST specify the contiguous block of data containing the segment
        // which triggered this ACK"; the others repeat earlier ones
        established();
        segment(200, 1);
        segment(600, 2);
        bed.recv();
        segment(300, 3); // extends the first range
        bed.expect(out().seq(L).ack(R).win(WINDOW).sack(R + 200, R + 400, R + 600, R + 700));
    }

    @Test
    void atMostFourBlocksWithoutTimestamps() {
        // RFC 2018 3: 40 bytes of options hold 4 blocks
        established();
        for (int i = 1; i <= 5; i++) {
            segment(200 * i, i);
        }
        assertEquals(8, bed.recv().get(4).sack.length);
    }

    @Test
    void atMostThreeBlocksNextToTimestamps() {
        // RFC 2018 3: with the timestamp option, at most 3 blocks
        bed.close();
        bed = new TcpTestbed(TcpTestbed.base().sack(true).timestamps(true).build());
        bed.listen(app);
        bed.send(in().syn().seq(REMOTE_ISN).win(WINDOW).mss(1460).sackOk().ts(1, 0));
        bed.recv();
        int ts0 = (int) (TcpTestbed.START / 1_000_000);
        bed.send(in().seq(R).ack(L).win(WINDOW).ts(2, ts0));
        app.acceptOne(bed);
        for (int i = 1; i <= 5; i++) {
            bed.send(in().seq(R + 200 * i).ack(L).win(WINDOW).ts(3, ts0).data(bytes(100, i)));
        }
        assertEquals(6, bed.recv().get(4).sack.length);
    }

    @Test
    void blocksDisappearOnceTheHoleIsFilled() {
        established();
        segment(100, 2);
        bed.recv();
        segment(0, 1);
        bed.expect(out().seq(L).ack(R + 200).win(WINDOW - 200));
    }
}
