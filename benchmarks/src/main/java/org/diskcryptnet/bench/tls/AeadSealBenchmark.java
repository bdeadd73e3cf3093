package org.diskcryptnet.bench.tls;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.TimeUnit;

import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;

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
import org.openjdk.jmh.infra.Blackhole;

import org.diskcryptnet.tls.CipherSuite;
import org.diskcryptnet.tls.crypto.Aead;
import org.diskcryptnet.tls.crypto.AeadAlgorithm;
import org.diskcryptnet.tls.crypto.AeadEngine;
import org.diskcryptnet.tls.crypto.AeadEngines;
import org.diskcryptnet.tls.record.ContentType;
import org.diskcryptnet.tls.record.RecordProtection;

/**
 * Sealing one 16 KiB TLS record in place, single thread: each engine over off-heap memory (what the record layer
 * does), the JDK over a heap {@code byte[]} (the fastest JDK figure, for reference), and a whole TLS 1.3 record
 * through {@link RecordProtection} (header, nonce, AAD, seal) on the chosen engine. One op = 16384 plaintext bytes.
 *
 * <pre>
 * ./scripts/mvn -q -pl benchmarks -am package -DskipTests
 * java --enable-native-access=ALL-UNNAMED -cp 'benchmarks/target/classes:benchmarks/target/lib/*' \
 *     org.openjdk.jmh.Main 'AeadSealBenchmark' -rf json -rff aead.json
 * </pre>
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED"})
public class AeadSealBenchmark {

    static final int RECORD = 16384;

    @State(Scope.Thread)
    public static class OffHeap {
        @Param({"ipsec-mb", "openssl", "jdk"})
        public String engine;
        @Param({"AES_128_GCM", "AES_256_GCM", "CHACHA20_POLY1305"})
        public String algorithm;

        Aead aead;
        MemorySegment buffer;
        long counter;

        @Setup(Level.Trial)
        public void setUp() {
            AeadEngine e = AeadEngines.named(engine);
            if (!e.isAvailable()) {
                throw new IllegalStateException(engine + " unavailable: " + e.unavailabilityCause());
            }
            Arena arena = Arena.ofAuto();
            MemorySegment key = arena.allocate(32).fill((byte) 7);
            aead = e.create(AeadAlgorithm.valueOf(algorithm), key);
            buffer = arena.allocate(RECORD + 64, 64);
            buffer.fill((byte) 0x42);
            aead.aad().fill((byte) 1);
        }

        @TearDown
        public void tearDown() {
            aead.close();
        }
    }

    @Benchmark
    public void sealOffHeap(OffHeap s) {
        // a fresh nonce per record, as TLS makes one: the JDK refuses to reuse a GCM nonce
        s.aead.nonce().set(java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED, 4, ++s.counter);
        s.aead.seal(s.buffer, 0, RECORD, 13);
    }

    @State(Scope.Thread)
    public static class Heap {
        @Param({"AES_128_GCM", "AES_256_GCM", "CHACHA20_POLY1305"})
        public String algorithm;

        Cipher cipher;
        SecretKeySpec key;
        byte[] buffer = new byte[RECORD + 16];
        byte[] nonce = new byte[12];
        byte[] aad = new byte[13];
        long counter;
        boolean gcm;

        @Setup(Level.Trial)
        public void setUp() throws Exception {
            gcm = !algorithm.startsWith("CHACHA");
            cipher = Cipher.getInstance(gcm ? "AES/GCM/NoPadding" : "ChaCha20-Poly1305");
            key = new SecretKeySpec(new byte[AeadAlgorithm.valueOf(algorithm).keyLength()], gcm ? "AES" : "ChaCha20");
        }
    }

    @Benchmark
    public int sealJdkHeapByteArray(Heap s) throws Exception {
        long c = ++s.counter;
        for (int i = 0; i < 8; i++) {
            s.nonce[4 + i] = (byte) (c >>> (8 * i));
        }
        s.cipher.init(Cipher.ENCRYPT_MODE, s.key, s.gcm ? new GCMParameterSpec(128, s.nonce) : new IvParameterSpec(s.nonce));
        s.cipher.updateAAD(s.aad);
        return s.cipher.doFinal(s.buffer, 0, RECORD, s.buffer, 0);
    }

    @State(Scope.Thread)
    public static class Record {
        @Param({"TLS_AES_128_GCM_SHA256"})
        public String suite;

        RecordProtection protection;
        MemorySegment buffer;

        @Setup(Level.Trial)
        public void setUp() {
            CipherSuite cs = CipherSuite.valueOf(suite);
            protection = RecordProtection.tls13(cs, AeadEngines.best(cs.aead()), new byte[cs.hash().length()], 0);
            buffer = Arena.ofAuto().allocate(RECORD + 64, 64).fill((byte) 0x42);
        }

        @TearDown
        public void tearDown() {
            protection.release();
        }
    }

    @Benchmark
    public int sealWholeTls13Record(Record s, Blackhole bh) {
        return s.protection.seal(s.buffer, 0, RECORD, ContentType.APPLICATION_DATA, s.protection.reserve(1));
    }
}
