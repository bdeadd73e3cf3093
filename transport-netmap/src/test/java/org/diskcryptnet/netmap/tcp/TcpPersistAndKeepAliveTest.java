package org.diskcryptnet.netmap.tcp;

import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.diskcryptnet.netmap.tcp.TcpTestbed.LOCAL_ISN;
import static org.diskcryptnet.netmap.tcp.TcpTestbed.REMOTE_ISN;
import static org.diskcryptnet.netmap.tcp.TcpTestbed.WINDOW;
import static org.diskcryptnet.netmap.tcp.TcpTestbed.in;
import static org.diskcryptnet.netmap.tcp.TcpTestbed.out;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/** Zero-window probing (RFC 9293 3.8.6.1) and keepalives (RFC 9293 3.8.4, RFC 1122 4.2.3.6). */
class TcpPersistAndKeepAliveTest {

    private static final int R = REMOTE_ISN + 1;
    private static final int L = LOCAL_ISN + 1;

    private TcpTestbed bed = new TcpTestbed(TcpTestbed.base()
            .keepAlive(10, 1, TimeUnit.SECONDS, 3).build());
    private final Recorder app = new Recorder();

    @AfterEach
    void close() {
        bed.close();
    }

    private TcpConnection zeroWindow() {
        TcpConnection c = bed.establishedServer(app);
        bed.send(in().seq(R).ack(L).win(0));
        bed.write(c, "abc".getBytes());
        bed.expectNothing();
        return c;
    }

    @Test
    void zeroWindowIsProbedAfterTheRetransmissionTimeout() {
        // RFC 9293 3.8.6.1: the first probe when a zero window has existed for the RTO period
        zeroWindow();
        bed.advance(199);
        bed.expectNothing();
        bed.advance(1);
        bed.expect(out().psh().seq(L).ack(R).win(WINDOW).data("a"));
        assertEquals(1, bed.layer.counters().zeroWindowProbesSent);
    }

    @Test
    void probeIntervalGrowsExponentially() {
        // RFC 9293 3.8.6.1: "SHOULD increase exponentially the interval between successive probes"
        zeroWindow();
        for (long ms : new long[] {200, 400, 800, 1600}) {
            bed.advance(ms - 1);
            bed.expectNothing();
            bed.advance(1);
            assertEquals(1, bed.recv().size(), "a probe after " + ms + " ms");
            bed.send(in().seq(R).ack(L).win(0)); // the receiver answers: still zero
        }
    }

    @Test
    void openingWindowResumesTransmission() {
        TcpConnection c = zeroWindow();
        bed.advance(200);
        bed.recv();
        // the probe byte was taken along with a window
        bed.send(in().seq(R).ack(L + 1).win(1000));
        bed.expect(out().psh().seq(L + 1).ack(R).win(WINDOW).data("bc"));
        assertEquals(0, c.flightSize() - 2);
    }

    @Test
    void answeredProbesNeverCloseTheConnection() {
        // RFC 9293 3.8.6.1: the connection MUST NOT be closed while the receiver keeps acknowledging probes
        TcpConnection c = zeroWindow();
        for (int i = 0; i < 40; i++) {
            bed.advance(60_000);
            bed.send(in().seq(R).ack(L).win(0));
        }
        assertEquals(TcpState.ESTABLISHED, c.state());
        assertFalse(c.inRecovery, "probe answers are not duplicate ACKs");
    }

    @Test
    void keepAliveProbesAfterIdleTime() {
        // RFC 1122 4.2.3.6: a probe after the idle interval: <SEQ=SND.NXT-1> with no data
        TcpConnection c = bed.establishedServer(app);
        c.keepAlive(true);
        bed.advance(9_999);
        bed.expectNothing();
        bed.advance(1);
        bed.expect(out().seq(L - 1).ack(R).win(WINDOW));
        assertEquals(1, bed.layer.counters().keepAliveProbesSent);
    }

    @Test
    void unansweredKeepAlivesTimeTheConnectionOut() {
        // RFC 9293 3.8.4: after the probe count without answer the connection is dead
        TcpConnection c = bed.establishedServer(app);
        c.keepAlive(true);
        bed.advance(10_000);
        bed.advance(1_000);
        bed.advance(1_000);
        assertEquals(3, bed.recv().size());
        bed.advance(1_000);
        assertEquals(TcpState.CLOSED, c.state());
        assertEquals(List.of("closed:TIMED_OUT"), app.events);
    }

    @Test
    void answeredKeepAliveStartsTheIdlePeriodAgain() {
        TcpConnection c = bed.establishedServer(app);
        c.keepAlive(true);
        bed.advance(10_000);
        bed.recv();
        bed.send(in().seq(R).ack(L).win(WINDOW)); // the peer's answer
        bed.advance(9_000);
        bed.expectNothing();
        bed.advance(1_000);
        bed.expect(out().seq(L - 1).ack(R).win(WINDOW));
        assertEquals(TcpState.ESTABLISHED, c.state());
    }

    @Test
    void trafficPostponesKeepAlives() {
        TcpConnection c = bed.establishedServer(app);
        c.keepAlive(true);
        bed.advance(8_000);
        bed.send(in().seq(R).ack(L).win(WINDOW).data("x"));
        bed.recv();
        bed.advance(9_000);
        bed.expectNothing();
        bed.advance(1_000);
        assertEquals(1, bed.recv().size());
    }

    @Test
    void keepAliveIsOffByDefault() {
        // RFC 1122 4.2.3.6: keep-alives MUST default to off
        bed.establishedServer(app);
        bed.advance(TimeUnit.HOURS.toMillis(3));
        bed.expectNothing();
    }

    @Test
    void keepAliveParametersPerConnection() {
        TcpConnection c = bed.establishedServer(app);
        c.keepAlive(TimeUnit.SECONDS.toNanos(2), TimeUnit.SECONDS.toNanos(1), 1);
        bed.advance(2_000);
        assertEquals(1, bed.recv().size());
        bed.advance(1_000);
        assertEquals(TcpState.CLOSED, c.state());
    }
}
