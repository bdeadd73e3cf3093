package org.diskcryptnet.netmap.tcp;

import java.util.List;

import org.diskcryptnet.netmap.wire.DropReason;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.diskcryptnet.netmap.tcp.TcpTestbed.LOCAL_ISN;
import static org.diskcryptnet.netmap.tcp.TcpTestbed.LOCAL_PORT;
import static org.diskcryptnet.netmap.tcp.TcpTestbed.REMOTE_ISN;
import static org.diskcryptnet.netmap.tcp.TcpTestbed.REMOTE_PORT;
import static org.diskcryptnet.netmap.tcp.TcpTestbed.WINDOW;
import static org.diskcryptnet.netmap.tcp.TcpTestbed.in;
import static org.diskcryptnet.netmap.tcp.TcpTestbed.out;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** SYN cookies (RFC 4987 3.6) and the SYN backlog limit. */
class TcpSynCookieTest {

    private static final int R = REMOTE_ISN + 1;
    private static final Seg SYN = in().syn().seq(REMOTE_ISN).win(WINDOW).mss(1460);

    private TcpTestbed bed;
    private final Recorder app = new Recorder();

    @AfterEach
    void close() {
        if (bed != null) {
            bed.close();
        }
    }

    private TcpListener cookies(TcpConfig.Builder b) {
        bed = new TcpTestbed(b.synCookies(TcpConfig.SynCookies.ALWAYS).build());
        return bed.listen(app);
    }

    private Seg synAck() {
        List<Seg> sent = bed.recv();
        assertEquals(1, sent.size());
        return sent.get(0);
    }

    @Test
    void cookieSynAckKeepsNoState() {
        cookies(TcpTestbed.base());
        bed.send(SYN);
        Seg sa = synAck();
        assertEquals(out().syn().seq(sa.seq).ack(R).win(WINDOW).mss(1460), sa);
        assertEquals(0, bed.layer.counters().connections(TcpState.SYN_RECEIVED));
        assertEquals(1, bed.layer.counters().synCookiesSent);
    }

    @Test
    void validCookieAckEstablishesTheConnection() {
        // RFC 4987 3.6: the ACK's acknowledgment number minus one is the cookie; it rebuilds the connection
        TcpListener l = cookies(TcpTestbed.base());
        bed.send(SYN);
        int cookie = synAck().seq;
        bed.send(in().seq(R).ack(cookie + 1).win(WINDOW));
        TcpConnection c = l.accept();
        assertNotNull(c);
        assertEquals(TcpState.ESTABLISHED, c.state());
        assertEquals(1460, c.sendMss(), "the MSS travelled in the cookie");
        assertEquals(1, bed.layer.counters().synCookiesAccepted);
    }

    @Test
    void cookieCarriesTheMssRoundedDownToTheTable() {
        TcpListener l = cookies(TcpTestbed.base());
        bed.send(in().syn().seq(REMOTE_ISN).win(WINDOW).mss(1400));
        int cookie = synAck().seq;
        bed.send(in().seq(R).ack(cookie + 1).win(WINDOW));
        assertEquals(1360, l.accept().sendMss());
    }

    @Test
    void forgedCookieIsAnsweredWithReset() {
        // an ACK that matches no connection and no cookie: RFC 9293 3.10.7.2 <SEQ=SEG.ACK><CTL=RST>
        TcpListener l = cookies(TcpTestbed.base());
        bed.send(SYN);
        int cookie = synAck().seq;
        bed.send(in().seq(R).ack(cookie + 2).win(WINDOW));
        bed.expect(out().rst().seq(cookie + 2));
        assertNull(l.accept());
        assertEquals(1, bed.dropped(DropReason.TCP_BAD_COOKIE));
    }

    @Test
    void cookieIsBoundToThePeersSequenceNumber() {
        TcpListener l = cookies(TcpTestbed.base());
        bed.send(SYN);
        int cookie = synAck().seq;
        bed.send(in().seq(R + 1000).ack(cookie + 1).win(WINDOW));
        assertNull(l.accept());
    }

    @Test
    void cookieExpiresAfterTwoPeriods() {
        TcpListener l = cookies(TcpTestbed.base());
        bed.send(SYN);
        int cookie = synAck().seq;
        bed.advance(2 * 64_000 + 1_000);
        bed.send(in().seq(R).ack(cookie + 1).win(WINDOW));
        assertNull(l.accept());
    }

    @Test
    void cookieIsStillGoodInTheNextPeriod() {
        TcpListener l = cookies(TcpTestbed.base());
        bed.send(SYN);
        int cookie = synAck().seq;
        bed.advance(64_000);
        bed.send(in().seq(R).ack(cookie + 1).win(WINDOW));
        assertNotNull(l.accept());
    }

    @Test
    void cookieAckWithDataDeliversTheData() {
        TcpListener l = cookies(TcpTestbed.base());
        bed.send(SYN);
        int cookie = synAck().seq;
        bed.send(in().psh().seq(R).ack(cookie + 1).win(WINDOW).data("GET /"));
        TcpConnection c = l.accept();
        assertEquals(5, c.readableBytes());
    }

    @Test
    void timestampsCarryWindowScaleAndSackThroughTheCookie() {
        // as Linux does: the options that do not fit in the cookie ride in the low bits of TSval, echoed back
        TcpListener l = cookies(TcpTestbed.base().timestamps(true).sack(true).windowScaling(true)
                .receiveBuffer(256 * 1024));
        bed.send(in().syn().seq(REMOTE_ISN).win(WINDOW).mss(1460).sackOk().ts(100, 0).ws(5));
        Seg sa = synAck();
        assertTrue(sa.ts && sa.sackPermitted && sa.windowScale == 3, sa.toString());
        bed.send(in().seq(R).ack(sa.seq + 1).win(100).ts(101, sa.tsVal));
        TcpConnection c = l.accept();
        assertTrue(c.timestampsEnabled());
        assertTrue(c.sackEnabled());
        assertTrue(c.windowScalingEnabled());
        assertEquals(100 << 5, c.peerWindow());
    }

    @Test
    void aLaterSegmentOfACookieConnectionWhoseFirstWasLostIsDroppedNotReset() {
        // a full queue on the way dropped the peer's ACK and its first 1,024 bytes; the FIN behind them fails the
        // check against SEG.SEQ - 1, but the echoed timestamp names the peer's ISN: ours, so no RST; the resent
        // first segment then builds the connection, and the FIN resent after it closes it
        TcpListener l = cookies(TcpTestbed.base().timestamps(true).sack(true));
        bed.send(in().syn().seq(REMOTE_ISN).win(WINDOW).mss(1460).sackOk().ts(100, 0));
        Seg sa = synAck();
        bed.send(in().fin().seq(R + 1024).ack(sa.seq + 1).win(WINDOW).ts(103, sa.tsVal));
        bed.expectNothing();
        assertNull(l.accept(), "no connection from a segment that may be a stale retransmission");
        assertEquals(1, bed.dropped(DropReason.TCP_COOKIE_LATER_SEGMENT));
        assertEquals(0, bed.dropped(DropReason.TCP_BAD_COOKIE));
        bed.send(in().psh().seq(R).ack(sa.seq + 1).win(WINDOW).ts(400, sa.tsVal).data(new byte[1024]));
        TcpConnection c = l.accept();
        assertNotNull(c, "built from the resent first segment");
        assertEquals(1024, c.readableBytes());
        bed.send(in().fin().seq(R + 1024).ack(sa.seq + 1).win(WINDOW).ts(401, sa.tsVal));
        assertEquals(TcpState.CLOSE_WAIT, c.state());
        assertEquals(0, bed.layer.counters().resetsSent);
    }

    @Test
    void aLaterSegmentWhoseEchoNamesAnotherIsnIsReset() {
        // the echoed bits only choose which ISN the MAC is checked with: a wrong one fails like any bad cookie
        TcpListener l = cookies(TcpTestbed.base().timestamps(true));
        bed.send(in().syn().seq(REMOTE_ISN).win(WINDOW).mss(1460).ts(100, 0));
        Seg sa = synAck();
        int wrongEcho = sa.tsVal ^ 1 << SynCookies.TS_OPTION_BITS + 3;
        bed.send(in().fin().seq(R + 1024).ack(sa.seq + 1).win(WINDOW).ts(103, wrongEcho));
        bed.expect(out().rst().seq(sa.seq + 1));
        assertNull(l.accept());
        assertEquals(1, bed.dropped(DropReason.TCP_BAD_COOKIE));
        assertEquals(0, bed.dropped(DropReason.TCP_COOKIE_LATER_SEGMENT));
    }

    @Test
    void aStaleCopyOfTheFirstSegmentFromAClosedConnectionBuildsNothing() {
        // the cookie connection came and went; a late retransmission of its first segment still matches the cookie
        // (good for two periods), but echoes a TSval of the connection, not the SYN-ACK's: no orphan connection
        TcpListener l = cookies(TcpTestbed.base().timestamps(true));
        bed.send(in().syn().seq(REMOTE_ISN).win(WINDOW).mss(1460).ts(100, 0));
        Seg sa = synAck();
        bed.send(in().psh().seq(R).ack(sa.seq + 1).win(WINDOW).ts(101, sa.tsVal).data("GET /"));
        TcpConnection c = l.accept();
        assertNotNull(c);
        c.abort();
        bed.settle();
        bed.recv();
        int laterTsVal = sa.tsVal + (5 << SynCookies.TS_OPTION_BITS);
        bed.send(in().psh().seq(R).ack(sa.seq + 1).win(WINDOW).ts(300, laterTsVal).data("GET /"));
        assertNull(l.accept(), "no connection from a stale copy");
        bed.expect(out().rst().seq(sa.seq + 1));
        assertEquals(1, bed.layer.counters().synCookiesAccepted);
    }

    @Test
    void theCookieTimestampNeverRunsAheadOfTheClockAndNamesTheIsn() {
        int[] clocks = {0, 5, (1 << 21) - 1, 1 << 21, 123_456_789, -1, Integer.MAX_VALUE, Integer.MIN_VALUE};
        int[] isns = {0, 1, 0xFFFF, 0x1_0000, 0xDEAD_BEEF, -1};
        for (int nowMs : clocks) {
            for (int isn : isns) {
                int tsVal = SynCookies.encodeTsVal(nowMs, isn, 7, true);
                int behind = nowMs - tsVal;
                assertTrue(behind >= 0 && behind < 1 << 21, nowMs + " " + isn + ": " + behind + " ms behind");
                assertEquals(7, SynCookies.decodedWindowScale(tsVal));
                assertTrue(SynCookies.decodedSackPermitted(tsVal));
                for (int offset : new int[] {0, 1, 1024, 65_535}) {
                    assertEquals(isn, SynCookies.isnFromTsEcr(isn + 1 + offset, tsVal),
                            "ISN " + isn + " from a segment " + offset + " bytes on");
                }
            }
        }
        assertEquals(-1, SynCookies.decodedWindowScale(SynCookies.encodeTsVal(1000, 42, -1, false)));
    }

    @Test
    void withoutTimestampsNoWindowScalingIsOffered() {
        cookies(TcpTestbed.base().windowScaling(true).sack(true).receiveBuffer(256 * 1024));
        bed.send(in().syn().seq(REMOTE_ISN).win(WINDOW).mss(1460).sackOk().ws(5));
        Seg sa = synAck();
        assertEquals(-1, sa.windowScale);
        assertFalse(sa.sackPermitted);
    }

    @Test
    void cookiesStartWhenTheSynBacklogIsFull() {
        // RFC 4987 3.6: cookies only when the SYN queue is exhausted (AUTO mode)
        bed = new TcpTestbed(TcpTestbed.base().synBacklog(1).build());
        bed.listen(app);
        bed.send(SYN);
        assertEquals(LOCAL_ISN, synAck().seq, "the first SYN gets a connection");
        bed.send(SYN.ports(REMOTE_PORT + 1, LOCAL_PORT));
        assertNotEquals(LOCAL_ISN, synAck().seq, "the second a cookie");
        assertEquals(1, bed.layer.counters().connections(TcpState.SYN_RECEIVED));
        assertEquals(1, bed.layer.counters().synCookiesSent);
    }

    @Test
    void aCookieAckIsAcceptedWhenARetransmittedSynGotAHalfOpenEntryMeanwhile() {
        // RFC 4987 3.6 under load: the first copy of B's SYN came while the backlog was full (a cookie), the
        // retransmitted copy after it drained (a half-open entry with another ISS). B took the cookie SYN-ACK;
        // its ACK must complete the connection from the cookie, not meet a RST from the half-open entry.
        bed = new TcpTestbed(TcpTestbed.base().synBacklog(1).build());
        TcpListener l = bed.listen(app);
        Seg synA = SYN.ports(REMOTE_PORT + 1, LOCAL_PORT);
        bed.send(synA);
        assertEquals(LOCAL_ISN, synAck().seq, "A holds the only backlog slot");
        bed.send(SYN);
        int cookie = synAck().seq;
        assertNotEquals(LOCAL_ISN, cookie, "B gets a cookie");
        bed.send(in().ports(REMOTE_PORT + 1, LOCAL_PORT).seq(R).ack(LOCAL_ISN + 1).win(WINDOW));
        assertNotNull(l.accept(), "A established: the backlog drained");
        bed.advance(1000);
        bed.recv();
        bed.send(SYN); // B's SYN retransmitted
        assertEquals(LOCAL_ISN, synAck().seq, "a half-open entry this time");
        bed.send(in().seq(R).ack(cookie + 1).win(WINDOW).data(new byte[] {1, 2, 3}).psh());
        TcpConnection b = l.accept();
        assertNotNull(b, "B established from its cookie");
        assertEquals(TcpState.ESTABLISHED, b.state());
        assertEquals(3, b.readableBytes(), "with the data its ACK carried");
        assertEquals(1, bed.layer.counters().synCookiesAccepted);
        assertEquals(0, bed.layer.counters().resetsSent);
        assertEquals(0, bed.layer.counters().connections(TcpState.SYN_RECEIVED), "the half-open entry is gone");
        assertEquals(0, bed.dropped(DropReason.TCP_BAD_ACK));
    }

    @Test
    void aForeignAckToAHalfOpenEntryIsStillAnsweredWithReset() {
        // RFC 9293 3.10.7.4 in SYN-RECEIVED: an unacceptable ACK that is no cookie either gets <SEQ=SEG.ACK><RST>
        bed = new TcpTestbed(TcpTestbed.base().build());
        bed.listen(app);
        bed.send(SYN);
        synAck();
        bed.send(in().seq(R).ack(LOCAL_ISN + 77).win(WINDOW));
        bed.expect(out().rst().seq(LOCAL_ISN + 77));
        assertEquals(1, bed.dropped(DropReason.TCP_BAD_ACK));
        assertEquals(1, bed.layer.counters().connections(TcpState.SYN_RECEIVED));
    }

    @Test
    void floodOfSynsHoldsNoMoreThanTheBacklog() {
        bed = new TcpTestbed(TcpTestbed.base().synBacklog(8).build());
        bed.listen(app);
        for (int i = 0; i < 500; i++) {
            bed.send(SYN.ports(20000 + i, LOCAL_PORT).seq(REMOTE_ISN + i * 7919));
        }
        assertEquals(500, bed.recv().size(), "every SYN answered");
        assertEquals(8, bed.layer.counters().connections(TcpState.SYN_RECEIVED));
        assertEquals(492, bed.layer.counters().synCookiesSent);
    }

    @Test
    void neverModeDropsSynsPastTheConnectionPool() {
        bed = new TcpTestbed(TcpTestbed.base().synCookies(TcpConfig.SynCookies.NEVER).maxConnections(2).build());
        bed.listen(app);
        for (int i = 0; i < 3; i++) {
            bed.send(SYN.ports(20000 + i, LOCAL_PORT));
        }
        assertEquals(2, bed.recv().size());
        assertEquals(1, bed.dropped(DropReason.TCP_NO_CONNECTION_SLOT));
    }
}
