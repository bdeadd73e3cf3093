package org.diskcryptnet.tls.keys;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import java.util.HexFormat;

import org.junit.jupiter.api.Test;

/**
 * The TLS 1.2 PRF against the P_SHA256 / P_SHA384 vectors circulated on the IETF TLS WG list (msg03416), which
 * implementations test their RFC 5246 §5 PRF against; and the key block layout of §6.3.
 */
class Tls12PrfTest {

    private static final HexFormat HEX = HexFormat.of();

    @Test
    void pSha256() {
        byte[] out = Tls12Prf.prf(HashAlgorithm.SHA256, HEX.parseHex("9bbe436ba940f017b17652849a71db35"), "test label",
                HEX.parseHex("a0ba9f936cda311827a6f796ffd5198c"), 100);
        assertEquals("e3f229ba727be17b8d122620557cd453c2aab21d07c3d495329b52d4e61edb5a"
                + "6b301791e90d35c9c9a46b4e14baf9af0fa022f7077def17abfd3797c0564bab"
                + "4fbc91666e9def9b97fce34f796789baa48082d122ee42c5a72e5a5110fff701"
                + "87347b66", HEX.formatHex(out));
    }

    @Test
    void pSha384() {
        byte[] out = Tls12Prf.prf(HashAlgorithm.SHA384, HEX.parseHex("b80b733d6ceefcdc71566ea48e5567df"), "test label",
                HEX.parseHex("cd665cf6a8447dd6ff8b27555edb7465"), 148);
        assertEquals("7b0c18e9ced410ed1804f2cfa34a336a1c14dffb4900bb5fd7942107e81c83cd"
                + "e9ca0faa60be9fe34f82b1233c9146a0e534cb400fed2700884f9dc236f80edd"
                + "8bfa961144c9e8d792eca722a7b32fc3d416d473ebc2c5fd4abfdad05d918425"
                + "9b5bf8cd4d90fa0d31e2dec479e4f1a26066f2eea9a69236a3e52655c9e9aee6"
                + "91c8f3a26854308d5eaa3be85e0990703d73e56f", HEX.formatHex(out));
    }

    @Test
    void keyBlockIsPrfOfServerRandomThenClientRandom() {
        byte[] master = new byte[48];
        Arrays.fill(master, (byte) 0x2a);
        byte[] client = new byte[32], server = new byte[32];
        Arrays.fill(client, (byte) 1);
        Arrays.fill(server, (byte) 2);
        byte[] seed = new byte[64];
        System.arraycopy(server, 0, seed, 0, 32);
        System.arraycopy(client, 0, seed, 32, 32);
        byte[] block = Tls12Prf.keyBlock(HashAlgorithm.SHA256, master, client, server, 16, 4);
        assertEquals(40, block.length);
        assertArrayEquals(Tls12Prf.prf(HashAlgorithm.SHA256, master, "key expansion", seed, 40), block);
    }
}
