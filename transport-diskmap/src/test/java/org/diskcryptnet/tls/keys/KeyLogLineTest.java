package org.diskcryptnet.tls.keys;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;

import org.junit.jupiter.api.Test;

class KeyLogLineTest {

    @Test
    void parsesTheNssFormat() {
        String random = "aa".repeat(32);
        String secret = "0123456789abcdef".repeat(4);
        KeyLogLine line = KeyLogLine.parse(("SERVER_TRAFFIC_SECRET_0 " + random + " " + secret)
                .getBytes(StandardCharsets.US_ASCII));
        assertEquals(KeyLogLine.SERVER_TRAFFIC_SECRET_0, line.label());
        assertEquals(random, HexFormat.of().formatHex(line.clientRandom()));
        assertEquals(secret, HexFormat.of().formatHex(line.secret()));
    }

    @Test
    void refusesMalformedLines() {
        assertNull(KeyLogLine.parse("CLIENT_RANDOM".getBytes(StandardCharsets.US_ASCII)));
        assertNull(KeyLogLine.parse("CLIENT_RANDOM abc 00".getBytes(StandardCharsets.US_ASCII)));
        assertNull(KeyLogLine.parse("CLIENT_RANDOM 00 zz".getBytes(StandardCharsets.US_ASCII)));
    }
}
