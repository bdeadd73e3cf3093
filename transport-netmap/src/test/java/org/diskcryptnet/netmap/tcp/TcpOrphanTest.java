package org.diskcryptnet.netmap.tcp;

import java.util.List;

import org.diskcryptnet.netmap.wire.DropReason;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.diskcryptnet.netmap.tcp.TcpTestbed.LOCAL_PORT;
import static org.diskcryptnet.netmap.tcp.TcpTestbed.REMOTE_ISN;
import static org.diskcryptnet.netmap.tcp.TcpTestbed.WINDOW;
import static org.diskcryptnet.netmap.tcp.TcpTestbed.in;
import static org.diskcryptnet.netmap.wire.TcpHeader.ACK;
import static org.diskcryptnet.netmap.wire.TcpHeader.FIN;
import static org.diskcryptnet.netmap.wire.TcpHeader.RST;
import static org.diskcryptnet.netmap.wire.TcpHeader.SYN;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

/**
 * Orphans: connections the application has closed while the stack still waits for their end. They give up after
 * fewer retransmissions than a connection someone waits for (Linux's tcp_orphan_retries), and when a completed
 * handshake finds no free connection object the oldest is reset for it (as Linux resets orphans past
 * tcp_max_orphans), where before the handshake was dropped until an orphan ran out of retransmissions.
 */
class TcpOrphanTest {

    private final Recorder app = new Recorder();
    private TcpTestbed bed;

    @AfterEach
    void close() {
        if (bed != null) {
            bed.close();
        }
    }

    private TcpConnection establish(int remotePort) {
        bed.send(in().ports(remotePort, LOCAL_PORT).syn().seq(REMOTE_ISN).win(WINDOW).mss(1460));
        List<Seg> synAck = bed.recv();
        assertEquals(1, synAck.size());
        assertEquals(SYN | ACK, synAck.get(0).flags);
        bed.send(in().ports(remotePort, LOCAL_PORT).seq(REMOTE_ISN + 1).ack(synAck.get(0).seq + 1).win(WINDOW));
        TcpConnection c = bed.layer.listenerFor(LOCAL_PORT).accept();
        assertNotNull(c);
        c.handler(app);
        return c;
    }

    private static long count(List<Seg> segments, int remotePort, int flags) {
        return segments.stream().filter(s -> s.dstPort == remotePort && (s.flags & flags) == flags).count();
    }

    @Test
    void anOrphanGivesUpAfterItsRetriesWhereAConnectionStillHeldGoesOn() {
        bed = new TcpTestbed(TcpTestbed.base().orphanRetries(3).maxRetransmissions(6).build());
        bed.listen(app);
        TcpConnection closed = establish(20001);
        TcpConnection held = establish(20002);
        closed.close();        // the application lets go: an orphan in FIN-WAIT-1
        held.shutdownOutput(); // FIN-WAIT-1 too, but the application still holds it
        bed.settle();
        for (int second = 0; second < 600; second++) { // the peers never answer
            bed.advance(1000);
        }
        List<Seg> sent = bed.recv();
        assertEquals(1 + 3, count(sent, 20001, FIN), "the FIN and 3 retransmissions: orphanRetries");
        assertEquals(1 + 6, count(sent, 20002, FIN), "the FIN and 6 retransmissions: maxRetransmissions");
        assertEquals(2, bed.layer.counters().connectionsTimedOut);
        assertEquals(0, bed.layer.counters().orphansReset);
        assertEquals(TcpState.CLOSED, held.state());
    }

    @Test
    void aCompletedHandshakeTakesTheObjectOfTheOldestOrphanAndASynAloneDoesNot() {
        bed = new TcpTestbed(TcpTestbed.base().maxConnections(2).build());
        bed.listen(app);
        TcpConnection first = establish(20001);
        TcpConnection second = establish(20002);
        first.close();
        second.close();
        bed.settle();
        List<Seg> fins = bed.recv();
        assertEquals(1, count(fins, 20001, FIN));
        assertEquals(1, count(fins, 20002, FIN));

        bed.send(in().ports(20003, LOCAL_PORT).syn().seq(REMOTE_ISN).win(WINDOW).mss(1460));
        List<Seg> cookie = bed.recv();
        assertEquals(1, cookie.size(), "no object: a SYN cookie, and no orphan reset for a SYN that proves nothing");
        assertEquals(SYN | ACK, cookie.get(0).flags);
        assertEquals(0, bed.layer.counters().orphansReset);

        bed.send(in().ports(20003, LOCAL_PORT).seq(REMOTE_ISN + 1).ack(cookie.get(0).seq + 1).win(WINDOW));
        List<Seg> sent = bed.recv();
        assertEquals(1, count(sent, 20001, RST), "the oldest orphan is reset: " + sent);
        assertEquals(0, count(sent, 20002, RST), "the other is left to finish");
        assertEquals(1, bed.layer.counters().orphansReset);
        assertEquals(0, bed.dropped(DropReason.TCP_NO_CONNECTION_SLOT));
        TcpConnection third = bed.layer.listenerFor(LOCAL_PORT).accept();
        assertNotNull(third, "the new connection has the orphan's object");
        assertEquals(TcpState.ESTABLISHED, third.state());
        assertEquals(TcpState.FIN_WAIT_1, second.state());
    }

    @Test
    void timeWaitGivesWayBeforeAnyOrphan() {
        bed = new TcpTestbed(TcpTestbed.base().maxConnections(2).build());
        bed.listen(app);
        TcpConnection done = establish(20001);
        TcpConnection orphan = establish(20002);
        done.shutdownOutput();
        bed.settle();
        Seg fin = bed.recv().get(0);
        bed.send(in().ports(20001, LOCAL_PORT).fin().seq(REMOTE_ISN + 1).ack(fin.seq + 1).win(WINDOW));
        assertEquals(TcpState.TIME_WAIT, done.state());
        done.close();
        orphan.close();
        bed.settle();
        bed.recv();

        bed.send(in().ports(20003, LOCAL_PORT).syn().seq(REMOTE_ISN).win(WINDOW).mss(1460));
        List<Seg> sent = bed.recv();
        assertEquals(1, sent.size());
        assertEquals(SYN | ACK, sent.get(0).flags, "a SYN-ACK with state, from the TIME-WAIT connection's object");
        assertEquals(1, bed.layer.counters().connections(TcpState.SYN_RECEIVED));
        assertEquals(0, bed.layer.counters().orphansReset);
        assertEquals(TcpState.FIN_WAIT_1, orphan.state());
    }
}
