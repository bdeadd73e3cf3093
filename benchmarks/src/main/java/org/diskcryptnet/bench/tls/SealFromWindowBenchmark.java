package org.diskcryptnet.bench.tls;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
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

import org.diskcryptnet.tls.CipherSuite;
import org.diskcryptnet.tls.crypto.AeadEngines;
import org.diskcryptnet.tls.record.ContentType;
import org.diskcryptnet.tls.record.RecordProtection;

/**
 * Issue 8's send path, one record: its plaintext is in a 64 KiB read window, its record goes into a frame. Either
 * copied into the frame and sealed there ({@code copyThenSealInPlace}, the path until stop 18), or sealed from the
 * window into the frame ({@code sealFromWindow}: the encryption reads the window and writes the frame, one pass; for
 * TLS 1.3 borrowing the byte after the plaintext in the window for the inner content type). The records walk through
 * the window as a connection's do. One op = one record.
 *
 * <pre>
 * ./scripts/mvn -q -pl benchmarks -am package -DskipTests
 * java --enable-native-access=ALL-UNNAMED -cp 'benchmarks/target/classes:benchmarks/target/lib/*' \
 *     org.openjdk.jmh.Main 'SealFromWindowBenchmark' -rf json -rff seal-from-window.json
 * </pre>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED"})
public class SealFromWindowBenchmark {

    static final int WINDOW = 64 * 1024;

    @State(Scope.Thread)
    public static class Path {
        /** One 1,448-byte segment's record (TLS 1.3: 5 + 1,419 + 1 + 16 + 7 bytes of TCP options' room), and a full one. */
        @Param({"1419", "16384"})
        public int plaintext;
        @Param({"TLS_AES_128_GCM_SHA256", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"})
        public String suite;

        RecordProtection protection;
        MemorySegment window;
        MemorySegment frame;
        long offset;
        long sequence;

        @Setup(Level.Trial)
        public void setUp() {
            CipherSuite cs = CipherSuite.valueOf(suite);
            protection = cs.version() == org.diskcryptnet.tls.TlsVersion.TLS_1_3
                    ? RecordProtection.tls13(cs, AeadEngines.best(cs.aead()), new byte[cs.hash().length()], 0)
                    : RecordProtection.tls12(cs, AeadEngines.best(cs.aead()), new byte[cs.aead().keyLength()],
                            new byte[cs.fixedIvLength()], 0);
            Arena arena = Arena.ofAuto();
            window = arena.allocate(WINDOW + RecordProtection.MAX_PLAINTEXT, 4096).fill((byte) 0x42);
            frame = arena.allocate(RecordProtection.MAX_CIPHERTEXT + 128, 64);
        }

        long next() {
            offset += plaintext;
            if (offset + plaintext > WINDOW) {
                offset = 0;
            }
            return offset;
        }

        @TearDown
        public void tearDown() {
            protection.release();
        }
    }

    @Benchmark
    public int copyThenSealInPlace(Path s) {
        long from = s.next();
        MemorySegment.copy(s.window, from, s.frame, 66 + s.protection.headerLength(), s.plaintext);
        return s.protection.seal(s.frame, 66, s.plaintext, ContentType.APPLICATION_DATA, ++s.sequence);
    }

    @Benchmark
    public int sealFromWindow(Path s) {
        return s.protection.seal(s.window, s.next(), s.frame, 66, s.plaintext, ContentType.APPLICATION_DATA, ++s.sequence);
    }
}
