package org.diskcryptnet.tls.crypto;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * Chooses the engine for each AEAD: the first one in {@link #PREFERENCE} that is available and passes its self-test.
 * The order is the JMH engine table's (benchmarks/RESULTS.md, "In-place TLS"): fastest first, the JDK last since it
 * always works. The self-test is a known-answer test for AES-128-GCM (the RFC 8448 §3 client application record)
 * plus, for every algorithm, byte-identical agreement with the JDK's own implementation and a round trip.
 */
public final class AeadEngines {

    /** Fastest first, per algorithm (see benchmarks/RESULTS.md). */
    static final Map<AeadAlgorithm, List<AeadEngine>> PREFERENCE = preference();

    private static final Map<AeadAlgorithm, AeadEngine> CHOSEN = new EnumMap<>(AeadAlgorithm.class);

    private AeadEngines() {}

    private static Map<AeadAlgorithm, List<AeadEngine>> preference() {
        Map<AeadAlgorithm, List<AeadEngine>> m = new EnumMap<>(AeadAlgorithm.class);
        // AES-GCM: IPsec-MB's VAES/AVX-512 code is 2-4x OpenSSL 3.0's; ChaCha20-Poly1305: OpenSSL's is faster.
        List<AeadEngine> gcm = List.of(IpsecMbAeadEngine.INSTANCE, OpenSslAeadEngine.INSTANCE, JdkAeadEngine.INSTANCE);
        m.put(AeadAlgorithm.AES_128_GCM, gcm);
        m.put(AeadAlgorithm.AES_256_GCM, gcm);
        m.put(AeadAlgorithm.CHACHA20_POLY1305,
                List.of(OpenSslAeadEngine.INSTANCE, IpsecMbAeadEngine.INSTANCE, JdkAeadEngine.INSTANCE));
        return m;
    }

    /** Every engine this build knows, available or not. */
    public static List<AeadEngine> all() {
        return List.of(IpsecMbAeadEngine.INSTANCE, OpenSslAeadEngine.INSTANCE, JdkAeadEngine.INSTANCE);
    }

    /** The engine named {@code name} ("ipsec-mb", "openssl", "jdk"), or null. */
    public static AeadEngine named(String name) {
        for (AeadEngine e : all()) {
            if (e.name().equals(name)) {
                return e;
            }
        }
        return null;
    }

    /** The fastest engine for {@code algorithm} that runs here and passes the self-test. */
    public static synchronized AeadEngine best(AeadAlgorithm algorithm) {
        AeadEngine chosen = CHOSEN.get(algorithm);
        if (chosen == null) {
            for (AeadEngine e : PREFERENCE.get(algorithm)) {
                if (e.isAvailable() && e.supports(algorithm) && selfTest(e, algorithm) == null) {
                    chosen = e;
                    break;
                }
            }
            CHOSEN.put(algorithm, chosen);
        }
        return chosen;
    }

    /**
     * The engine to use for {@code algorithm} given a configured preference: "auto" is {@link #best}; a name forces
     * that engine, which must be available and pass the self-test.
     */
    public static AeadEngine select(String preference, AeadAlgorithm algorithm) {
        if (preference == null || preference.equals("auto")) {
            return best(algorithm);
        }
        AeadEngine e = named(preference);
        if (e == null) {
            throw new IllegalArgumentException("no AEAD engine named \"" + preference + "\": auto, ipsec-mb, openssl or jdk");
        }
        if (!e.isAvailable()) {
            throw new IllegalStateException("AEAD engine " + preference + " is not available: " + e.unavailabilityCause(),
                    e.unavailabilityCause());
        }
        String failure = selfTest(e, algorithm);
        if (failure != null) {
            throw new IllegalStateException("AEAD engine " + preference + " fails its self-test: " + failure);
        }
        return e;
    }

    /** One line per engine: name, description, and why it is unavailable, for start-up logs and reports. */
    public static List<String> describe() {
        List<String> lines = new ArrayList<>();
        for (AeadEngine e : all()) {
            lines.add(e.name() + ": " + (e.isAvailable() ? e.description() : "unavailable: " + e.unavailabilityCause()));
        }
        return lines;
    }

    /** Null if {@code engine} computes {@code algorithm} correctly, else what went wrong. */
    public static String selfTest(AeadEngine engine, AeadAlgorithm algorithm) {
        try (Arena arena = Arena.ofConfined()) {
            HexFormat hex = HexFormat.of();
            if (algorithm == AeadAlgorithm.AES_128_GCM) {
                // RFC 8448 §3: the client's first application data record, 50 bytes 00..31 plus inner type 23.
                MemorySegment key = arena.allocate(16).copyFrom(MemorySegment.ofArray(hex.parseHex("17422dda596ed5d9acd890e3c63f5051")));
                byte[] expected = hex.parseHex("a23f7054b62c94d0affafe8228ba55cbefacea42f914aa66bcab3f2b9819a8a5"
                        + "b46b395bd54a9a20441e2b62974e1f5a6292a2977014bd1e3deae63aeebb21694915e4");
                MemorySegment buf = arena.allocate(expected.length);
                for (int i = 0; i < 50; i++) {
                    buf.set(ValueLayout.JAVA_BYTE, i, (byte) i);
                }
                buf.set(ValueLayout.JAVA_BYTE, 50, (byte) 23);
                try (Aead aead = engine.create(algorithm, key)) {
                    aead.nonce().copyFrom(MemorySegment.ofArray(hex.parseHex("5b78923dee08579033e523d9")));
                    aead.aad().copyFrom(MemorySegment.ofArray(hex.parseHex("1703030043")));
                    aead.seal(buf, 0, 51, 5);
                    if (!java.util.Arrays.equals(buf.toArray(ValueLayout.JAVA_BYTE), expected)) {
                        return "RFC 8448 record mismatch";
                    }
                    if (!aead.open(buf, 0, 51, 5) || buf.get(ValueLayout.JAVA_BYTE, 7) != 7) {
                        return "RFC 8448 record does not open";
                    }
                }
            }
            if (engine != JdkAeadEngine.INSTANCE) {
                MemorySegment key = arena.allocate(32);
                for (int i = 0; i < 32; i++) {
                    key.set(ValueLayout.JAVA_BYTE, i, (byte) (i * 7 + 3));
                }
                int n = 1000;
                MemorySegment a = arena.allocate(n + 16), b = arena.allocate(n + 16);
                for (int i = 0; i < n; i++) {
                    a.set(ValueLayout.JAVA_BYTE, i, (byte) (i * 31));
                }
                b.copyFrom(a);
                try (Aead mine = engine.create(algorithm, key); Aead jdk = JdkAeadEngine.INSTANCE.create(algorithm, key)) {
                    for (Aead x : new Aead[] {mine, jdk}) {
                        for (int i = 0; i < 12; i++) {
                            x.nonce().set(ValueLayout.JAVA_BYTE, i, (byte) (0xa0 + i));
                        }
                        for (int i = 0; i < 13; i++) {
                            x.aad().set(ValueLayout.JAVA_BYTE, i, (byte) i);
                        }
                    }
                    mine.seal(a, 0, n, 13);
                    jdk.seal(b, 0, n, 13);
                    if (a.mismatch(b) != -1) {
                        return "ciphertext differs from the JDK's";
                    }
                    b.set(ValueLayout.JAVA_BYTE, 5, (byte) (b.get(ValueLayout.JAVA_BYTE, 5) ^ 1));
                    if (mine.open(b, 0, n, 13)) {
                        return "accepts a tampered record";
                    }
                    if (!mine.open(a, 0, n, 13) || a.get(ValueLayout.JAVA_BYTE, 1) != (byte) 31) {
                        return "own record does not open";
                    }
                }
            }
            return null;
        } catch (RuntimeException | Error e) {
            return e.toString();
        }
    }
}
