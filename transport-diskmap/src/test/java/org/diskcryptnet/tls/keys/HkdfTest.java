package org.diskcryptnet.tls.keys;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.HexFormat;

import org.junit.jupiter.api.Test;

/** HKDF and HKDF-Expand-Label against RFC 5869 Appendix A and the RFC 8448 §3 trace. */
class HkdfTest {

    private static final HexFormat HEX = HexFormat.of();

    @Test
    void rfc5869TestCase1() {
        byte[] prk = Hkdf.extract(HashAlgorithm.SHA256, HEX.parseHex("000102030405060708090a0b0c"),
                HEX.parseHex("0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b"));
        assertEquals("077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5", HEX.formatHex(prk));
        byte[] okm = Hkdf.expand(HashAlgorithm.SHA256, prk, HEX.parseHex("f0f1f2f3f4f5f6f7f8f9"), 42);
        assertEquals("3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865",
                HEX.formatHex(okm));
    }

    @Test
    void rfc8448ServerHandshakeTrafficKeys() {
        byte[] secret = HEX.parseHex("b67b7d690cc16c4e75e54213cb2d37b4e9c912bcded9105d42befd59d391ad38");
        assertEquals("3fce516009c21727d0f2e4e86ee403bc", HEX.formatHex(Hkdf.trafficKey(HashAlgorithm.SHA256, secret, 16)));
        assertEquals("5d313eb2671276ee13000b30", HEX.formatHex(Hkdf.trafficIv(HashAlgorithm.SHA256, secret)));
    }

    @Test
    void rfc8448ApplicationTrafficKeys() {
        byte[] client = HEX.parseHex("9e40646ce79a7f9dc05af8889bce6552875afa0b06df0087f792ebb7c17504a5");
        byte[] server = HEX.parseHex("a11af9f05531f856ad47116b45a950328204b4f44bfb6b3a4b4f1f3fcb631643");
        assertArrayEquals(HEX.parseHex("17422dda596ed5d9acd890e3c63f5051"), Hkdf.trafficKey(HashAlgorithm.SHA256, client, 16));
        assertArrayEquals(HEX.parseHex("5b78923dee08579033e523d9"), Hkdf.trafficIv(HashAlgorithm.SHA256, client));
        assertArrayEquals(HEX.parseHex("9f02283b6c9c07efc26bb9f2ac92e356"), Hkdf.trafficKey(HashAlgorithm.SHA256, server, 16));
        assertArrayEquals(HEX.parseHex("cf782b88dd83549aadf1e984"), Hkdf.trafficIv(HashAlgorithm.SHA256, server));
    }

    @Test
    void trafficUpdateIsExpandLabelOfTheSecret() {
        byte[] secret = HEX.parseHex("a11af9f05531f856ad47116b45a950328204b4f44bfb6b3a4b4f1f3fcb631643");
        byte[] next = Hkdf.nextTrafficSecret(HashAlgorithm.SHA256, secret);
        assertArrayEquals(Hkdf.expandLabel(HashAlgorithm.SHA256, secret, "traffic upd", new byte[0], 32), next);
        assertEquals(32, next.length);
        assertEquals(48, Hkdf.nextTrafficSecret(HashAlgorithm.SHA384, new byte[48]).length);
    }
}
