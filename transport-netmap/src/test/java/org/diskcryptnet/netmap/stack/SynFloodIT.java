package org.diskcryptnet.netmap.stack;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import org.diskcryptnet.netmap.port.fault.FaultPlan;
import org.diskcryptnet.netmap.tcp.TcpConfig;
import org.diskcryptnet.netmap.tcp.TcpConnection;
import org.diskcryptnet.netmap.tcp.TcpCounters;
import org.diskcryptnet.netmap.tcp.TcpState;
import org.diskcryptnet.netmap.wire.EthernetFrame;
import org.diskcryptnet.netmap.wire.Ipv4Address;
import org.diskcryptnet.netmap.wire.Ipv4Packet;
import org.diskcryptnet.netmap.wire.TcpHeader;
import org.diskcryptnet.netmap.wire.TcpOptions;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 6: a SYN flood (crafted SYNs from spoofed addresses and ports, injected on the link) does not stop an
 * established connection: a 64 MiB transfer completes byte-exact while the listener answers the flood with SYN
 * cookies and never holds more half-open connections than its backlog. The flood runs at 50,000 SYNs a
 * second: a state-exhaustion attack, not a link saturation (which no TCP could survive).
 */
class SynFloodIT {

    static final long BYTES = 64L << 20;
    static final int BACKLOG = 64;
    /**
     * SYNs per millisecond (50,000 a second), at most {@link #MAX_PER_POLL} at a time: half the server's rx ring, so
     * that the flood keeps its rate when a poll takes the whole ring (several milliseconds of a bulk transfer's
     * segments) and still leaves room for the transfer's own segments.
     */
    static final int SYNS_PER_MS = 50;
    static final int MAX_PER_POLL = 512;

    @Test
    void establishedConnectionProgressesUnderSynFlood() {
        TcpConfig tcp = PipePair.tcp().synBacklog(BACKLOG).build();
        try (PipePair p = new PipePair("flood", FaultPlan.NONE, tcp, 1024, 1500); Arena arena = Arena.ofConfined()) {
            BulkEndpoint serverSide = new BulkEndpoint(0, 1);
            BulkEndpoint clientSide = new BulkEndpoint(BYTES, 2);
            int[] accepted = {0};
            p.server.tcp().listen(18602, 16, l -> {
                TcpConnection c;
                while ((c = l.accept()) != null) {
                    accepted[0]++;
                    c.handler(serverSide);
                    serverSide.pump(c);
                }
            });
            MemorySegment frame = arena.allocate(128);
            SplittableRandom random = new SplittableRandom(9);
            long start = System.nanoTime();
            p.client.tcp().connect(PipePair.SERVER_IP, 18602, clientSide, start);
            long deadline = start + TimeUnit.SECONDS.toNanos(300);
            long now = start;
            long injected = 0;
            long maxHalfOpen = 0;
            while (!(clientSide.done() && serverSide.done()) && now < deadline) {
                now = System.nanoTime();
                long due = Math.min((now - start) / 1_000_000 * SYNS_PER_MS - injected, MAX_PER_POLL);
                for (int i = 0; i < due; i++) {
                    int len = craftSyn(frame, random, p.server.macAddress());
                    if (p.clientPort.inject(0, frame, 0, len)) {
                        injected++;
                    }
                }
                p.poll(now);
                maxHalfOpen = Math.max(maxHalfOpen, p.server.tcp().counters().connections(TcpState.SYN_RECEIVED));
            }
            TcpCounters sc = p.server.tcp().counters();
            System.out.printf("%d MiB under a flood of %d SYNs in %.1f s; server %s%n", BYTES >> 20, injected,
                    (now - start) / 1e9, p.server.counters());
            assertTrue(clientSide.done() && serverSide.done(), "the transfer finished within the bound");
            assertEquals(BYTES, serverSide.received);
            assertEquals(clientSide.sentHash(), serverSide.receivedHash(), "byte-exact");
            assertTrue(injected >= 10_000, "a flood: " + injected + " SYNs");
            assertTrue(sc.synCookiesSent > 0, "cookies answered the flood");
            assertTrue(maxHalfOpen <= BACKLOG, "half-open connections bounded by the backlog: " + maxHalfOpen);
            // the flood fills the SYN backlog from the first poll on, so the real client itself gets in through a
            // cookie; no spoofed SYN ever completes a handshake
            assertEquals(1, accepted[0], "exactly the one real connection was accepted");
        }
    }

    /** A SYN from a spoofed 198.18.60.x address and port to the server's listener, checksums valid. */
    private static int craftSyn(MemorySegment m, SplittableRandom r, long serverMac) {
        int srcIp = Ipv4Address.parse("198.18.60.0") | (10 + r.nextInt(240));
        long srcMac = 0x02_00_00_00_00_00L | r.nextLong(1L << 32);
        EthernetFrame.writeHeader(m, 0, serverMac, srcMac, EthernetFrame.ETHERTYPE_IPV4);
        long tcp = EthernetFrame.HEADER_LENGTH + Ipv4Packet.HEADER_LENGTH;
        int hl = TcpHeader.HEADER_LENGTH + TcpOptions.writeMss(m, tcp + TcpHeader.HEADER_LENGTH, 1460);
        TcpHeader.write(m, tcp, 1024 + r.nextInt(60000), 18602, r.nextInt(), 0, hl, TcpHeader.SYN, 64240);
        TcpHeader.writeChecksum(m, tcp, hl, srcIp, PipePair.SERVER_IP);
        Ipv4Packet.writeHeader(m, EthernetFrame.HEADER_LENGTH, srcIp, PipePair.SERVER_IP, Ipv4Packet.PROTOCOL_TCP,
                Ipv4Packet.HEADER_LENGTH + hl, r.nextInt(65536), 64);
        return (int) tcp + hl;
    }
}
