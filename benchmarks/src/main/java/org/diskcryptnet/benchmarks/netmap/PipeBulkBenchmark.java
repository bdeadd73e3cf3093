package org.diskcryptnet.benchmarks.netmap;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

import org.diskcryptnet.netmap.port.pipe.PipePort;
import org.diskcryptnet.netmap.stack.InterfaceConfig;
import org.diskcryptnet.netmap.stack.NetworkInterface;
import org.diskcryptnet.netmap.tcp.TcpConfig;
import org.diskcryptnet.netmap.tcp.TcpConnection;
import org.diskcryptnet.netmap.tcp.TcpHandler;
import org.diskcryptnet.netmap.wire.Ipv4Address;

/**
 * Issue 6 evidence: bulk TCP between two userspace stacks joined by a {@code pipe:} port in one process, both
 * driven by one thread (one core runs sender and receiver). Reports payload Gbit/s, Gbit/s per CPU-second of
 * that thread, and heap bytes allocated per GB after a warm-up ({@code ThreadMXBean.getThreadAllocatedBytes}).
 * Variants run side by side, A B A B: MTU 1500 and 9000.
 *
 * <pre>java -cp 'benchmarks/target/classes:benchmarks/target/lib/*' --enable-native-access=ALL-UNNAMED \
 *     org.diskcryptnet.benchmarks.netmap.PipeBulkBenchmark [--gib 4] [--warmup-gib 1] [--rounds 3] [--mtu 1500,9000]</pre>
 */
public final class PipeBulkBenchmark {

    private static final int CHUNK = 256 * 1024;

    /** Sends {@code total} bytes from one preallocated buffer, then FIN. No allocation. */
    static final class Sender implements TcpHandler {
        final MemorySegment data;
        final long total;
        long sent;
        TcpConnection connection;

        Sender(MemorySegment data, long total) {
            this.data = data;
            this.total = total;
        }

        void pump(TcpConnection c) {
            while (sent < total) {
                int n = c.write(data, 0, (int) Math.min(CHUNK, total - sent));
                if (n == 0) {
                    return;
                }
                sent += n;
            }
            c.shutdownOutput();
        }

        @Override
        public void connected(TcpConnection c) {
            connection = c;
            pump(c);
        }

        @Override
        public void writable(TcpConnection c) {
            pump(c);
        }
    }

    /** Reads (one copy, as an application buffer would take it) and counts. No allocation. */
    static final class Receiver implements TcpHandler {
        final MemorySegment buffer;
        long received;
        boolean eof;

        Receiver(MemorySegment buffer) {
            this.buffer = buffer;
        }

        @Override
        public void readable(TcpConnection c) {
            int n;
            while ((n = c.read(buffer, 0, CHUNK)) > 0) {
                received += n;
            }
            if (n < 0) {
                eof = true;
            }
        }
    }

    record Result(int mtu, double gbps, double gbpsPerCpu, double allocatedPerGb, long retransmits) {
    }

    static Result run(int mtu, long warmup, long measured, int round) {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long tid = Thread.currentThread().threadId();
        PipePort[] ends = PipePort.pair("bench" + mtu + "-" + round, 1, 1024, mtu);
        TcpConfig tcp = TcpConfig.builder().receiveBuffer(4 << 20).sendBuffer(4 << 20)
                .bufferPoolBytes(64L << 20).maxConnections(16).build();
        try (Arena arena = Arena.ofConfined();
             NetworkInterface server = new NetworkInterface(ends[0], 0, InterfaceConfig.of("198.18.60.1/24"), tcp);
             NetworkInterface client = new NetworkInterface(ends[1], 0, InterfaceConfig.of("198.18.60.2/24"), tcp)) {
            MemorySegment data = arena.allocate(CHUNK, 64);
            for (int i = 0; i < CHUNK; i++) {
                data.set(java.lang.foreign.ValueLayout.JAVA_BYTE, i, (byte) (i * 31));
            }
            Receiver receiver = new Receiver(arena.allocate(CHUNK, 64));
            Sender sender = new Sender(data, warmup + measured);
            server.tcp().listen(18603, 4, l -> l.accept().handler(receiver));
            client.tcp().connect(Ipv4Address.parse("198.18.60.1"), 18603, sender, System.nanoTime());
            long now;
            do {
                now = System.nanoTime();
                client.poll(now);
                server.poll(now);
            } while (receiver.received < warmup);
            // what the measuring calls themselves allocate, to subtract
            long probe0 = threads.getThreadAllocatedBytes(tid);
            long probe = threads.getThreadAllocatedBytes(tid) - probe0;
            long wall0 = System.nanoTime();
            long cpu0 = threads.getCurrentThreadCpuTime();
            long alloc0 = threads.getThreadAllocatedBytes(tid);
            long base = receiver.received;
            long end = warmup + measured;
            do {
                now = System.nanoTime();
                client.poll(now);
                server.poll(now);
            } while (receiver.received < end);
            long alloc = threads.getThreadAllocatedBytes(tid) - alloc0 - probe;
            long cpu = threads.getCurrentThreadCpuTime() - cpu0;
            long wall = System.nanoTime() - wall0;
            long bytes = receiver.received - base;
            do { // the FIN exchange, outside the measurement
                now = System.nanoTime();
                client.poll(now);
                server.poll(now);
            } while (!receiver.eof);
            long rexmit = client.tcp().counters().retransmittedSegments;
            if (System.getProperty("dcn.bench.verbose") != null) {
                System.out.println("client " + client.counters() + "\nserver " + server.counters());
            }
            ends[0].close();
            ends[1].close();
            return new Result(mtu, bytes * 8.0 / wall, bytes * 8.0 / cpu, alloc / (bytes / 1e9), rexmit);
        }
    }

    public static void main(String[] args) {
        double gib = 4;
        double warmupGib = 1;
        int rounds = 3;
        int[] mtus = {1500, 9000};
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--gib" -> gib = Double.parseDouble(args[++i]);
                case "--warmup-gib" -> warmupGib = Double.parseDouble(args[++i]);
                case "--rounds" -> rounds = Integer.parseInt(args[++i]);
                case "--mtu" -> mtus = Arrays.stream(args[++i].split(",")).mapToInt(Integer::parseInt).toArray();
                default -> throw new IllegalArgumentException("unknown option " + args[i]
                        + " (--gib N, --warmup-gib N, --rounds N, --mtu 1500,9000)");
            }
        }
        long measured = (long) (gib * (1L << 30));
        long warmup = (long) (warmupGib * (1L << 30));
        List<List<Result>> byMtu = new ArrayList<>();
        for (int ignored : mtus) {
            byMtu.add(new ArrayList<>());
        }
        System.out.printf(Locale.ROOT, "pipe bulk: %.1f GiB measured after %.1f GiB warm-up, %d rounds, one thread%n",
                gib, warmupGib, rounds);
        for (int r = 0; r < rounds; r++) {
            for (int m = 0; m < mtus.length; m++) {
                Result res = run(mtus[m], warmup, measured, r);
                byMtu.get(m).add(res);
                System.out.printf(Locale.ROOT, "round %d mtu %5d: %6.2f Gbit/s, %6.2f Gbit/s per CPU-second, "
                        + "%8.1f bytes allocated per GB, %d retransmissions%n", r, res.mtu(), res.gbps(),
                        res.gbpsPerCpu(), res.allocatedPerGb(), res.retransmits());
            }
        }
        for (int m = 0; m < mtus.length; m++) {
            List<Result> rs = byMtu.get(m);
            System.out.printf(Locale.ROOT, "median mtu %5d: %6.2f Gbit/s, %6.2f Gbit/s per CPU-second, %8.1f B/GB allocated%n",
                    mtus[m], median(rs.stream().mapToDouble(Result::gbps).toArray()),
                    median(rs.stream().mapToDouble(Result::gbpsPerCpu).toArray()),
                    median(rs.stream().mapToDouble(Result::allocatedPerGb).toArray()));
        }
        if (mtus.length == 2) {
            double a = median(byMtu.get(0).stream().mapToDouble(Result::gbpsPerCpu).toArray());
            double b = median(byMtu.get(1).stream().mapToDouble(Result::gbpsPerCpu).toArray());
            System.out.printf(Locale.ROOT, "ratio mtu %d / mtu %d (per CPU-second): %.2f%n", mtus[1], mtus[0], b / a);
        }
        System.exit(0);
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    static long nanos(double seconds) {
        return TimeUnit.MILLISECONDS.toNanos((long) (seconds * 1000));
    }
}
