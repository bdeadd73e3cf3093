package org.diskcryptnet.netmap.tcp;

import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import org.diskcryptnet.netmap.wire.DropCounters;

/**
 * What a loop about to sleep pays to learn its next timer: {@link TimerWheel#earliest} (the forward walk) against
 * {@link TimerWheel#scan} (every slot and every connection, what {@code earliest()} did before), on one wheel holding
 * {@code connections} connections, in the same fork. It sits in the package of {@link TimerWheel} (a split package
 * on the class path) because both are package-private.
 *
 * <p>{@code busy}: each connection has a deadline 1 to 300 ms out (retransmission timers over a 200 ms minimum RTO,
 * delayed ACKs, RACK/TLP), what a serving loop holds. {@code idle}: every deadline 5 to 60 s out (keepalives,
 * TIME-WAIT), beyond one revolution, where the walk finds nothing due and ends in the scan.
 *
 * <pre>
 * ./scripts/mvn -q -pl benchmarks -am package -DskipTests
 * java --enable-native-access=ALL-UNNAMED -cp 'benchmarks/target/classes:benchmarks/target/lib/*' \
 *     org.openjdk.jmh.Main TimerWheelEarliestBenchmark
 * </pre>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED"})
@State(Scope.Thread)
public class TimerWheelEarliestBenchmark {

    private static final long MS = 1_000_000L;

    @Param({"10", "1000", "10000"})
    public int connections;

    @Param({"busy", "idle"})
    public String deadlines;

    private TcpLayer layer;
    private TimerWheel wheel;

    @Setup(Level.Trial)
    public void setUp() {
        TcpConfig config = TcpConfig.builder().maxConnections(connections).bufferPoolBytes(4L << 20).build();
        layer = new TcpLayer(config, 1, new NoFrames(), new DropCounters());
        wheel = new TimerWheel();
        long now = 3_600_000 * MS; // an hour into the loop's clock
        wheel.expire(now, (c, t) -> { });
        SplittableRandom random = new SplittableRandom(connections);
        boolean busy = deadlines.equals("busy");
        for (TcpConnection c : layer.connectionObjects()) {
            wheel.schedule(c, now + (busy ? random.nextLong(MS, 300 * MS) : random.nextLong(5_000 * MS, 60_000 * MS)));
        }
        if (wheel.earliest() != wheel.scan()) {
            throw new IllegalStateException("earliest() " + wheel.earliest() + " != scan() " + wheel.scan());
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        layer.close();
    }

    /** The forward walk from the current tick (this branch). */
    @Benchmark
    public long walk() {
        return wheel.earliest();
    }

    /** Every slot and every connection (main before this branch). */
    @Benchmark
    public long scan() {
        return wheel.scan();
    }

    /** The layer is only a factory of connection objects here: it never sends. */
    private static final class NoFrames implements SegmentSink {
        @Override
        public int reserve(int remoteIp, int maxTcpLength) {
            return NO_FRAME;
        }

        @Override
        public MemorySegment memory() {
            return MemorySegment.NULL;
        }

        @Override
        public long tcpOffset(int frame) {
            return 0;
        }

        @Override
        public void submit(int frame, int localIp, int remoteIp, int tcpLength) {
            throw new IllegalStateException("no frame was reserved");
        }
    }
}
