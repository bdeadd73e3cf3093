package org.diskcryptnet.netmap.tcp;

import java.lang.foreign.MemorySegment;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Loss recovery as a whole, deterministic: 16 MiB through 5% loss, 5% reordering and 1% duplication, one way
 * and both ways at once, over a {@link LossyLink}. Checks that recovery sends what is missing and little
 * else (RFC 6675's aim, with SACK kept across timeouts, lost retransmissions detected, and the receiver
 * reporting every changed range), and that the transfer completes in bounded virtual time.
 */
class RecoveryEfficiencyTest {

    private static final long BYTES = 16L << 20;
    private static final long STEP = 50_000; // 50 microseconds of virtual time per loop iteration

    static final class Pump implements TcpHandler {
        final MemorySegment data = MemorySegment.ofArray(new byte[1 << 16]);
        final MemorySegment in = MemorySegment.ofArray(new byte[1 << 16]);
        final long toSend;
        long sent;
        long received;

        Pump(long toSend) {
            this.toSend = toSend;
        }

        void pump(TcpConnection c) {
            while (sent < toSend) {
                int n = c.write(data, 0, (int) Math.min(1 << 16, toSend - sent));
                if (n == 0) {
                    return;
                }
                sent += n;
            }
        }

        @Override
        public void connected(TcpConnection c) {
            pump(c);
        }

        @Override
        public void writable(TcpConnection c) {
            pump(c);
        }

        @Override
        public void readable(TcpConnection c) {
            int n;
            while ((n = c.read(in, 0, 1 << 16)) > 0) {
                received += n;
            }
        }
    }

    private static void run(boolean bothWays) {
        TcpConfig cfg = TcpConfig.builder().minRto(Long.getLong("minRtoMs", 5), TimeUnit.MILLISECONDS)
                .delayedAck(Long.getLong("delAckMs", 1), TimeUnit.MILLISECONDS)
                .receiveBuffer(1 << 20).sendBuffer(1 << 20).bufferPoolBytes(64L << 20).maxConnections(8).build();
        try (LossyLink link = new LossyLink(cfg, 0.05, 0.01, 0.05, 3)) {
            Pump client = new Pump(BYTES);
            Pump server = new Pump(bothWays ? BYTES : 0);
            link.b.layer.listen(18604, 4, l -> {
                TcpConnection c = l.accept();
                c.handler(server);
                server.pump(c);
            });
            link.a.layer.connect(LossyLink.B_IP, 18604, client, link.now);
            int steps = 0;
            while ((server.received < BYTES || client.received < server.toSend) && steps < 400_000) {
                link.step(STEP);
                steps++;
            }
            TcpCounters a = link.a.layer.counters();
            TcpCounters b = link.b.layer.counters();
            long retransmitted = a.retransmittedSegments + b.retransmittedSegments;
            long needless = link.needlessData - link.duplicated;
            System.out.printf("both ways %s: %d steps (%.2f virtual s), %d data segments lost, %d retransmitted, "
                    + "%d of them needless%n  A %s%n  B %s%n", bothWays, steps, steps * STEP / 1e9, link.lostData,
                    retransmitted, needless, a, b);
            assertEquals(BYTES, server.received, "everything arrived");
            assertEquals(server.toSend, client.received);
            assertTrue(needless * 4 < retransmitted, "at most a quarter of retransmissions needless: " + needless
                    + " of " + retransmitted);
            assertTrue(retransmitted < 2 * link.lostData, "retransmissions within twice the losses");
        }
    }

    @Test
    void oneWayRecoverySendsWhatIsMissing() {
        run(false);
    }

    @Test
    void bothWaysRecoverySendsWhatIsMissing() {
        run(true);
    }
}
