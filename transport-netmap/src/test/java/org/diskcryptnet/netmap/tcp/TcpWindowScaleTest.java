package org.diskcryptnet.netmap.tcp;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.diskcryptnet.netmap.tcp.TcpTestbed.LOCAL_ISN;
import static org.diskcryptnet.netmap.tcp.TcpTestbed.LOCAL_PORT;
import static org.diskcryptnet.netmap.tcp.TcpTestbed.REMOTE_IP;
import static org.diskcryptnet.netmap.tcp.TcpTestbed.REMOTE_ISN;
import static org.diskcryptnet.netmap.tcp.TcpTestbed.REMOTE_PORT;
import static org.diskcryptnet.netmap.tcp.TcpTestbed.WINDOW;
import static org.diskcryptnet.netmap.tcp.TcpTestbed.in;
import static org.diskcryptnet.netmap.tcp.TcpTestbed.out;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** RFC 7323 section 2: the window scale option. A 256 KiB receive buffer needs a shift of 3. */
class TcpWindowScaleTest {

    private static final int R = REMOTE_ISN + 1;
    private static final int L = LOCAL_ISN + 1;

    private final TcpTestbed bed = new TcpTestbed(TcpTestbed.base().windowScaling(true).receiveBuffer(256 * 1024).build());
    private final Recorder app = new Recorder();

    @AfterEach
    void close() {
        bed.close();
    }

    @Test
    void synOffersTheSmallestShiftThatCoversTheBuffer() {
        // RFC 7323 2.2/2.3: WSopt in the <SYN>; the window field of a <SYN> is never scaled
        bed.layer.connect(LOCAL_PORT, REMOTE_IP, REMOTE_PORT, app, bed.now);
        bed.settle();
        bed.expect(out().syn().seq(LOCAL_ISN).win(WINDOW).mss(1460).ws(3));
    }

    @Test
    void synAckCarriesTheOptionOnlyIfTheSynDid() {
        // RFC 7323 2.2: WSopt in a <SYN,ACK> only if it was in the <SYN>
        bed.listen(app);
        bed.send(in().syn().seq(REMOTE_ISN).win(WINDOW).mss(1460));
        bed.expect(out().syn().seq(LOCAL_ISN).ack(R).win(WINDOW).mss(1460));
        bed.send(in().seq(R).ack(L).win(WINDOW));
        TcpConnection c = app.acceptOne(bed);
        assertFalse(c.windowScalingEnabled());
        bed.send(in().seq(R).ack(L).win(WINDOW).data("x"));
        bed.expect(out().seq(L).ack(R + 1).win(WINDOW - 1)); // unscaled: at most 65535
    }

    private TcpConnection established(int peerShift) {
        bed.listen(app);
        bed.send(in().syn().seq(REMOTE_ISN).win(WINDOW).mss(1460).ws(peerShift));
        bed.expect(out().syn().seq(LOCAL_ISN).ack(R).win(WINDOW).mss(1460).ws(3));
        bed.send(in().seq(R).ack(L).win(1000));
        return app.acceptOne(bed);
    }

    @Test
    void windowFieldIsScaledAfterTheHandshake() {
        // RFC 7323 2.3: the window field is the window shifted right by our shift
        TcpConnection c = established(2);
        assertTrue(c.windowScalingEnabled());
        bed.send(in().seq(R).ack(L).win(1000).data("abc"));
        bed.expect(out().seq(L).ack(R + 3).win(262144 >> 3));
    }

    @Test
    void peerWindowIsScaledByItsShift() {
        // RFC 7323 2.3: SND.WND = SEG.WND << Snd.Wind.Shift
        TcpConnection c = established(2);
        assertEquals(4000, c.peerWindow());
    }

    @Test
    void peerShiftAboveFourteenIsTakenAsFourteen() {
        // RFC 7323 2.3: a shift greater than 14 is used as 14 (and may be logged)
        TcpConnection c = established(15);
        assertEquals(1000L << 14, c.peerWindow());
    }

    @Test
    void windowOfTheSynIsNotScaled() {
        // RFC 7323 2.2: "The window field in a segment where the SYN bit is set ... MUST NOT be scaled"
        TcpConnection c = bed.layer.connect(LOCAL_PORT, REMOTE_IP, REMOTE_PORT, app, bed.now);
        bed.settle();
        bed.recv();
        bed.send(in().syn().seq(REMOTE_ISN).ack(L).win(1000).mss(1460).ws(4));
        assertEquals(1000, c.peerWindow());
        bed.send(in().seq(R).ack(L).win(1000));
        assertEquals(16000, c.peerWindow());
    }
}
