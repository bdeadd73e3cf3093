package org.diskcryptnet.tls.crypto;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

/** Every engine × algorithm: the known-answer self-test, agreement with the JDK at record sizes, tamper refusal. */
class AeadEnginesTest {

    static List<Arguments> enginesAndAlgorithms() {
        List<Arguments> out = new ArrayList<>();
        for (AeadEngine e : AeadEngines.all()) {
            for (AeadAlgorithm a : AeadAlgorithm.values()) {
                out.add(Arguments.of(e.name(), a));
            }
        }
        return out;
    }

    private static AeadEngine available(String name) {
        AeadEngine e = AeadEngines.named(name);
        assumeTrue(e.isAvailable(), () -> name + " unavailable on this host: " + e.unavailabilityCause());
        return e;
    }

    /** A 256-bit key (the AES-128 engines read its first 16 bytes). */
    private static MemorySegment key(Arena arena) {
        return arena.allocate(32).fill((byte) 0x5c);
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("enginesAndAlgorithms")
    void passesSelfTest(String name, AeadAlgorithm algorithm) {
        assertNull(AeadEngines.selfTest(available(name), algorithm));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("enginesAndAlgorithms")
    void agreesWithTheJdkOnRecordSizesAndRefusesTampering(String name, AeadAlgorithm algorithm) {
        AeadEngine engine = available(name);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment key = key(arena);
            for (int n : new int[] {0, 1, 15, 16, 17, 255, 4096, 16384, 16385}) {
                MemorySegment a = arena.allocate(n + 16), b = arena.allocate(n + 16);
                for (int i = 0; i < n; i++) {
                    a.set(ValueLayout.JAVA_BYTE, i, (byte) (i ^ (i >>> 8)));
                }
                b.copyFrom(a);
                try (Aead x = engine.create(algorithm, key); Aead jdk = JdkAeadEngine.INSTANCE.create(algorithm, key)) {
                    for (Aead aead : new Aead[] {x, jdk}) {
                        aead.nonce().fill((byte) n);
                        aead.aad().fill((byte) 3);
                    }
                    x.seal(a, 0, n, 5);
                    jdk.seal(b, 0, n, 5);
                    assertEquals(-1, a.mismatch(b), "ciphertext+tag of " + n + " bytes");
                    b.set(ValueLayout.JAVA_BYTE, n, (byte) (b.get(ValueLayout.JAVA_BYTE, n) ^ 0x80)); // the tag
                    assertFalse(x.open(b, 0, n, 5), "tampered tag accepted");
                    assertTrue(x.open(a, 0, n, 5));
                    for (int i = 0; i < n; i++) {
                        if (a.get(ValueLayout.JAVA_BYTE, i) != (byte) (i ^ (i >>> 8))) {
                            throw new AssertionError("byte " + i + " of " + n + " differs after a round trip");
                        }
                    }
                }
            }
        }
    }

    /** Issue 8: a plaintext encrypted from the buffer a disk read filled into another gives the in-place output. */
    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("enginesAndAlgorithms")
    void sealingFromAnotherBufferGivesWhatSealingInPlaceGives(String name, AeadAlgorithm algorithm) {
        AeadEngine engine = available(name);
        try (Arena arena = Arena.ofConfined(); Aead aead = engine.create(algorithm, arena.allocate(32).fill((byte) 7))) {
            for (int n : new int[] {0, 1, 15, 16, 17, 1420, 16385}) {
                MemorySegment src = arena.allocate(n + 3), inPlace = arena.allocate(n + 16);
                MemorySegment dst = arena.allocate(n + 16 + 9);
                for (int i = 0; i < n; i++) {
                    src.set(ValueLayout.JAVA_BYTE, 3 + i, (byte) (i * 31 + n));
                }
                MemorySegment.copy(src, 3, inPlace, 0, n);
                MemorySegment before = arena.allocate(src.byteSize()).copyFrom(src);
                aead.nonce().fill((byte) n);
                aead.aad().fill((byte) 5);
                aead.seal(inPlace, 0, n, 13);
                aead.seal(src, 3, dst, 9, n, 13);
                assertEquals(-1, inPlace.mismatch(dst.asSlice(9)), n + " bytes");
                assertEquals(-1, before.mismatch(src), "the source was written");
            }
        }
    }

    @Test
    void jdkIsAlwaysAvailableAndBestPicksAWorkingEngine() {
        assertTrue(JdkAeadEngine.INSTANCE.isAvailable());
        for (AeadAlgorithm a : AeadAlgorithm.values()) {
            assertNotNull(AeadEngines.best(a));
        }
        assertEquals(3, AeadEngines.describe().size());
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("enginesAndAlgorithms")
    void closeZeroesTheWholeBlockItsKeyScheduleAndKeptBytesIncluded(String name, AeadAlgorithm algorithm) {
        AeadEngine engine = available(name);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment key = key(arena);
            Aead aead = engine.create(algorithm, key);
            aead.nonce().fill((byte) 1);
            aead.aad().fill((byte) 2);
            MemorySegment.copy(key, 0, Aead.MEMORY, aead.keptAddress(), Aead.KEPT_SIZE / 2);
            MemorySegment record = arena.allocate(1024 + 16);
            aead.seal(record, 0, 1024, 13);
            MemorySegment block = aead.block();
            for (long address : new long[] {aead.nonceAddress(), aead.aadAddress(), aead.keptAddress() + Aead.KEPT_SIZE - 1}) {
                assertTrue(address >= block.address() && address < block.address() + block.byteSize(),
                        "the nonce, the additional data and the kept bytes are in the block");
            }
            aead.close();
            assertEquals(-1, block.mismatch(arena.allocate(block.byteSize())), "a byte of the block survived close");
        }
    }

    @Test
    void closedAeadRefusesWork() {
        try (Arena arena = Arena.ofConfined()) {
            Aead aead = AeadEngines.best(AeadAlgorithm.AES_128_GCM).create(AeadAlgorithm.AES_128_GCM, arena.allocate(16));
            aead.close();
            assertThrows(IllegalStateException.class, () -> aead.seal(arena.allocate(32), 0, 16, 0));
            assertThrows(IllegalArgumentException.class, () -> AeadEngines.select("rot13", AeadAlgorithm.AES_128_GCM));
        }
    }
}
