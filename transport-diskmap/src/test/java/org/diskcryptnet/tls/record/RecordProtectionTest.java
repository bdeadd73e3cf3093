package org.diskcryptnet.tls.record;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import org.diskcryptnet.tls.CipherSuite;
import org.diskcryptnet.tls.TlsVersion;
import org.diskcryptnet.tls.crypto.AeadEngine;
import org.diskcryptnet.tls.crypto.AeadEngines;

class RecordProtectionTest {

    private static final HexFormat HEX = HexFormat.of();
    private static final String RFC8448_CLIENT_RECORD = "1703030043a23f7054b62c94d0affafe8228ba55cbefacea42f914aa"
            + "66bcab3f2b9819a8a5b46b395bd54a9a20441e2b62974e1f5a6292a2977014bd1e3deae63aeebb21694915e4";
    private static final String RFC8448_SERVER_RECORD = "17030300432e937e11ef4ac740e538ad36005fc4a46932fc3225d05f"
            + "82aa1b36e30efaf97d90e6dffc602dcb501a59a8fcc49c4bf2e5f0a21c0047c2abf332540dd032e167c2955d";

    static List<Arguments> engines() {
        List<Arguments> out = new ArrayList<>();
        for (AeadEngine e : AeadEngines.all()) {
            out.add(Arguments.of(e.name()));
        }
        return out;
    }

    static List<Arguments> enginesAndSuites() {
        List<Arguments> out = new ArrayList<>();
        for (AeadEngine e : AeadEngines.all()) {
            for (CipherSuite s : CipherSuite.values()) {
                out.add(Arguments.of(e.name(), s));
            }
        }
        return out;
    }

    private static AeadEngine engine(String name) {
        AeadEngine e = AeadEngines.named(name);
        assumeTrue(e.isAvailable(), () -> name + " unavailable on this host: " + e.unavailabilityCause());
        return e;
    }

    private static MemorySegment plaintext(Arena arena, RecordProtection p, int n) {
        MemorySegment buf = arena.allocate(p.overhead() + n);
        for (int i = 0; i < n; i++) {
            buf.set(ValueLayout.JAVA_BYTE, p.headerLength() + i, (byte) i);
        }
        return buf;
    }

    /** RFC 8448 §3: the client's record at sequence 0 and the server's at sequence 1, derived from the secrets. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("engines")
    void sealsTheRfc8448ApplicationRecords(String name) throws Exception {
        AeadEngine engine = engine(name);
        try (Arena arena = Arena.ofConfined()) {
            RecordProtection client = RecordProtection.tls13(CipherSuite.TLS_AES_128_GCM_SHA256, engine,
                    HEX.parseHex("9e40646ce79a7f9dc05af8889bce6552875afa0b06df0087f792ebb7c17504a5"), 0);
            MemorySegment buf = plaintext(arena, client, 50);
            int n = client.seal(buf, 0, 50, ContentType.APPLICATION_DATA, client.reserve(1));
            assertEquals(RFC8448_CLIENT_RECORD, HEX.formatHex(buf.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE)));

            RecordProtection server = RecordProtection.tls13(CipherSuite.TLS_AES_128_GCM_SHA256, engine,
                    HEX.parseHex("a11af9f05531f856ad47116b45a950328204b4f44bfb6b3a4b4f1f3fcb631643"), 1);
            buf = plaintext(arena, server, 50);
            n = server.seal(buf, 0, 50, ContentType.APPLICATION_DATA, server.reserve(1));
            assertEquals(RFC8448_SERVER_RECORD, HEX.formatHex(buf.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE)));

            // and the reading side opens it in place at the same sequence number
            RecordProtection reader = RecordProtection.tls13(CipherSuite.TLS_AES_128_GCM_SHA256, engine,
                    HEX.parseHex("a11af9f05531f856ad47116b45a950328204b4f44bfb6b3a4b4f1f3fcb631643"), 1);
            long opened = reader.open(buf, 0, n);
            assertEquals(ContentType.APPLICATION_DATA, (int) (opened >>> 32));
            assertEquals(50, (int) opened);
            assertEquals(49, buf.get(ValueLayout.JAVA_BYTE, 5 + 49));
            client.release();
            server.release();
            reader.release();
        }
    }

    private static RecordProtection[] pair(CipherSuite suite, AeadEngine engine) {
        if (suite.version() == TlsVersion.TLS_1_3) {
            byte[] secret = new byte[suite.hash().length()];
            secret[0] = 7;
            return new RecordProtection[] {RecordProtection.tls13(suite, engine, secret, 0),
                    RecordProtection.tls13(suite, engine, secret, 0)};
        }
        byte[] key = new byte[suite.aead().keyLength()];
        byte[] iv = new byte[suite.fixedIvLength()];
        key[1] = 9;
        iv[2] = 4;
        return new RecordProtection[] {RecordProtection.tls12(suite, engine, key, iv, 1),
                RecordProtection.tls12(suite, engine, key, iv, 1)};
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("enginesAndSuites")
    void roundTripsEverySuiteAndRefusesAFlippedBit(String name, CipherSuite suite) throws Exception {
        AeadEngine engine = engine(name);
        RecordProtection[] p = pair(suite, engine);
        try (Arena arena = Arena.ofConfined()) {
            for (int n : new int[] {0, 1, 100, RecordProtection.MAX_PLAINTEXT}) {
                MemorySegment buf = plaintext(arena, p[0], n);
                int len = p[0].seal(buf, 0, n, ContentType.HANDSHAKE, p[0].reserve(1));
                assertEquals(n + p[0].overhead(), len);
                assertEquals(len - 5, buf.get(RecordProtection.U16, 3));
                long opened = p[1].open(buf, 0, len);
                assertEquals(ContentType.HANDSHAKE, (int) (opened >>> 32));
                assertEquals(n, (int) opened);
            }
            MemorySegment buf = plaintext(arena, p[0], 64);
            int len = p[0].seal(buf, 0, 64, ContentType.APPLICATION_DATA, p[0].reserve(1));
            buf.set(ValueLayout.JAVA_BYTE, len - 20, (byte) (buf.get(ValueLayout.JAVA_BYTE, len - 20) ^ 1));
            TlsAlertException e = assertThrows(TlsAlertException.class, () -> p[1].open(buf, 0, len));
            assertEquals(AlertDescription.BAD_RECORD_MAC, e.alert());
        } finally {
            p[0].release();
            p[1].release();
        }
    }

    /** Issue 8: a lost record is read again and sealed again, possibly right after its first sealing. */
    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("enginesAndSuites")
    void sealingTheSameRecordAgainIsByteIdentical(String name, CipherSuite suite) {
        AeadEngine engine = engine(name);
        RecordProtection[] p = pair(suite, engine);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment first = plaintext(arena, p[0], 1000);
            MemorySegment again = plaintext(arena, p[0], 1000);
            int len = p[0].seal(first, 0, 1000, ContentType.APPLICATION_DATA, 7);
            assertEquals(len, p[0].seal(again, 0, 1000, ContentType.APPLICATION_DATA, 7));
            assertEquals(-1, first.mismatch(again));
        } finally {
            p[0].release();
            p[1].release();
        }
    }

    /** Issue 8: a record sealed from the read window its plaintext was read into is the record sealed in place. */
    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("enginesAndSuites")
    void sealingFromAnotherBufferIsByteIdenticalToSealingInPlace(String name, CipherSuite suite) throws Exception {
        AeadEngine engine = engine(name);
        RecordProtection[] p = pair(suite, engine);
        try (Arena arena = Arena.ofConfined()) {
            for (int n : new int[] {0, 1, 1419, RecordProtection.MAX_PLAINTEXT}) {
                MemorySegment inPlace = plaintext(arena, p[0], n);
                MemorySegment window = arena.allocate(n + 101);
                MemorySegment.copy(inPlace, p[0].headerLength(), window, 100, n);
                window.set(ValueLayout.JAVA_BYTE, 100 + n, (byte) 0x5a); // the next record's first byte, say
                MemorySegment before = arena.allocate(window.byteSize()).copyFrom(window);
                MemorySegment frame = arena.allocate(inPlace.byteSize() + 50);
                int len = p[0].seal(inPlace, 0, n, ContentType.APPLICATION_DATA, 40 + n);
                assertEquals(len, p[0].seal(window, 100, frame, 50, n, ContentType.APPLICATION_DATA, 40 + n));
                assertEquals(-1, inPlace.mismatch(frame.asSlice(50)), n + " bytes");
                assertEquals(-1, before.mismatch(window), "the window is as it was, the byte after the plaintext too");
            }
            MemorySegment window = plaintext(arena, p[0], 64);
            MemorySegment frame = arena.allocate(window.byteSize());
            int len = p[0].seal(window, p[0].headerLength(), frame, 0, 64, ContentType.HANDSHAKE, p[0].reserve(1));
            long opened = p[1].open(frame, 0, len);
            assertEquals(ContentType.HANDSHAKE, (int) (opened >>> 32));
            assertEquals(-1, window.asSlice(p[0].headerLength(), 64).mismatch(frame.asSlice(p[0].headerLength(), 64)));
        } finally {
            p[0].release();
            p[1].release();
        }
    }

    @Test
    void tls12GcmCarriesTheSequenceNumberAsExplicitNonce() {
        RecordProtection[] p = pair(CipherSuite.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, AeadEngines.best(
                CipherSuite.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256.aead()));
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = plaintext(arena, p[0], 10);
            p[0].seal(buf, 0, 10, ContentType.APPLICATION_DATA, 0x0102030405060708L);
            assertEquals(0x0102030405060708L, buf.get(RecordProtection.U64, 5));
            assertEquals(ContentType.APPLICATION_DATA, buf.get(ValueLayout.JAVA_BYTE, 0));
            assertEquals(13, p[0].headerLength());
        } finally {
            p[0].release();
            p[1].release();
        }
    }

    @Test
    void tls13RecordWithOnlyPaddingIsUnexpectedMessage() {
        CipherSuite suite = CipherSuite.TLS_AES_128_GCM_SHA256;
        RecordProtection[] p = pair(suite, AeadEngines.best(suite.aead()));
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = plaintext(arena, p[0], 4);
            buf.asSlice(5, 4).fill((byte) 0);
            int len = p[0].seal(buf, 0, 4, 0, p[0].reserve(1)); // inner type 0: nothing but padding
            TlsAlertException e = assertThrows(TlsAlertException.class, () -> p[1].open(buf, 0, len));
            assertEquals(AlertDescription.UNEXPECTED_MESSAGE, e.alert());
        } finally {
            p[0].release();
            p[1].release();
        }
    }

    @Test
    void keyUpdateChangesKeysAndRestartsSequence() throws Exception {
        CipherSuite suite = CipherSuite.TLS_CHACHA20_POLY1305_SHA256;
        RecordProtection[] p = pair(suite, AeadEngines.best(suite.aead()));
        RecordProtection w = p[0].nextGeneration(), r = p[1].nextGeneration();
        try (Arena arena = Arena.ofConfined()) {
            assertEquals(0, w.sequence());
            MemorySegment buf = plaintext(arena, w, 33);
            int len = w.seal(buf, 0, 33, ContentType.APPLICATION_DATA, w.reserve(1));
            MemorySegment copy = arena.allocate(len).copyFrom(buf.asSlice(0, len));
            assertEquals(33, (int) r.open(buf, 0, len));
            assertThrows(TlsAlertException.class, () -> p[1].open(copy, 0, len), "old key must not open new records");
        } finally {
            for (RecordProtection x : new RecordProtection[] {p[0], p[1], w, r}) {
                x.release();
            }
        }
    }

    @Test
    void layoutIsAPureFunctionOfTheOffset() {
        RecordLayout layout = new RecordLayout(16384, 22, 40_000);
        assertEquals(3, layout.records());
        assertEquals(40_000 + 3 * 22, layout.wireLength());
        assertEquals(2, layout.recordOfPlaintext(32768));
        assertEquals(1, layout.recordOfWire(16406));
        assertEquals(0, layout.recordOfWire(16405));
        assertEquals(2 * 16406, layout.wireOffset(2));
        assertEquals(40_000 - 32768, layout.plaintextLength(2));
        assertEquals(0, new RecordLayout(16384, 22, 0).records());
        assertThrows(IllegalArgumentException.class, () -> new RecordLayout(16385, 22, 1));
    }
}
