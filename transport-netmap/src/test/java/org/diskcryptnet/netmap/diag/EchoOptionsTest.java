package org.diskcryptnet.netmap.diag;

import java.util.List;

import org.diskcryptnet.netmap.tcp.TcpConfig;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code origin echo}'s command line: {@code --offloads} where a virtio-net header exists, a clear refusal elsewhere;
 * the SYN backlog and SYN cookie settings.
 */
class EchoOptionsTest {

    private static EchoOptions parse(String... args) {
        return EchoOptions.parse(List.of(args));
    }

    @Test
    void offloadsTurnOnTheVirtioNetHeaderOfTapAndPacketPorts() {
        assertTrue(parse("--port", "tap:dcnt0", "--address", "198.18.70.2/24", "--listen", "7", "--offloads")
                .portOptions().offloads());
        assertTrue(parse("--port", "packet:veth0", "--address", "198.18.70.2/24", "--listen", "7", "--offloads")
                .portOptions().offloads());
        assertFalse(parse("--port", "tap:dcnt0", "--address", "198.18.70.2/24", "--listen", "7")
                .portOptions().offloads(), "off unless asked for");
    }

    @Test
    void offloadsAreRefusedWherePortsHaveNoPlaceForThem() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> parse("--port", "xdp:veth0", "--address", "198.18.70.2/24", "--listen", "7", "--offloads"));
        assertEquals("--offloads is for tap: and packet: ports (virtio-net header), not xdp:", e.getMessage());
    }

    @Test
    void synBacklogAndCookiesReachTheStack() {
        EchoOptions o = parse("--port", "tap:dcnt0", "--address", "198.18.70.2/24", "--listen", "7",
                "--syn-backlog", "16", "--syn-cookies", "always");
        assertEquals(16, o.tcp().synBacklog);
        assertEquals(TcpConfig.SynCookies.ALWAYS, o.tcp().synCookies);
        EchoOptions defaults = parse("--port", "tap:dcnt0", "--address", "198.18.70.2/24", "--listen", "7");
        assertEquals(1024, defaults.tcp().synBacklog);
        assertEquals(TcpConfig.SynCookies.AUTO, defaults.tcp().synCookies);
    }

    @Test
    void unknownSynCookieModeIsNamed() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> parse("--port", "tap:dcnt0",
                "--address", "198.18.70.2/24", "--listen", "7", "--syn-cookies", "sometimes"));
        assertEquals("--syn-cookies is auto, always or never, not \"sometimes\"", e.getMessage());
    }
}
