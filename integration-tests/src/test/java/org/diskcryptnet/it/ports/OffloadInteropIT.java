package org.diskcryptnet.it.ports;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.channels.SocketChannel;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@code origin echo --offloads} against Linux: every frame carries a virtio-net header (TAP with IFF_VNET_HDR,
 * AF_PACKET with PACKET_VNET_HDR), so checksums are left partial and large segments cross the port whole, both
 * ways: the kernel hands the stack GSO frames (the port completes their checksums, the stack takes them as one
 * segment) and the stack hands the kernel frames of many segments (the kernel cuts them). Byte-exact by SHA-256;
 * the port's counters show that large frames did cross in each direction (on AF_PACKET, read whole from the
 * socket: its rx ring's frames hold one MTU).
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class OffloadInteropIT {

    static final long BYTES = Long.getLong("dcn.interop.bytes", 16L << 20);
    /** The largest untagged Ethernet frame without offloads. */
    static final int MAX_PLAIN_FRAME = 1514;
    private static final Pattern PORT_LINE = Pattern.compile(
            "echo: port rx (\\d+) frames (\\d+) B \\(dropped \\d+, no buffer \\d+, ring full \\d+, csum completed \\d+, large (\\d+), "
                    + "read whole (\\d+)\\), tx (\\d+) frames (\\d+) B");

    /** The kernel end keeps TSO/GSO on (EchoLink turns them off for the plain packet: port). */
    private static EchoLink link(PortVariant variant) {
        EchoLink link = new EchoLink(variant);
        if (variant.veth()) {
            link.net.exec(link.kernelNs, "ethtool", "-K", "dcnpk0", "tso", "on", "gso", "on");
        }
        return link;
    }

    private static Matcher portCounters(String out) {
        Matcher m = PORT_LINE.matcher(out);
        assertTrue(m.find(), "the port's counters: " + out);
        return m;
    }

    @ParameterizedTest
    @EnumSource(value = PortVariant.class, names = {"TAP", "PACKET"})
    void kernelSendsLargeSegmentsAndGetsEveryByteBack(PortVariant variant) throws Exception {
        try (EchoLink link = link(variant)) {
            link.start("--mode", "echo", "--offloads");
            KernelClient.Echo echo;
            try (SocketChannel c = link.connect()) {
                echo = EchoInteropIT.within(link, () -> KernelClient.echo(c, BYTES, 11));
            }
            String out = link.stop();
            assertEquals(BYTES, echo.received().bytes(), out);
            assertEquals(echo.sent().sha256(), echo.received().sha256(), "SHA-256 of what came back");
            Matcher m = portCounters(out);
            assertTrue(Long.parseLong(m.group(3)) > 0, "the kernel sent GSO frames larger than the MTU: " + m.group());
            if (variant == PortVariant.PACKET) {
                // the rx ring's frames hold one MTU: larger frames came whole through the socket (a GSO frame may
                // also be small enough for the ring: 275 GSO frames and 274 read whole in one run)
                assertTrue(Long.parseLong(m.group(4)) > 0, "large frames read whole from the socket: " + m.group());
            }
            assertTrue(Long.parseLong(m.group(6)) / Long.parseLong(m.group(5)) > MAX_PLAIN_FRAME,
                    "the stack sent frames of several segments: " + m.group());
            System.out.printf("%s --offloads echo %d B: %.1f Mbit/s each way; %s%n", variant, BYTES,
                    echo.received().megabitsPerSecond(), m.group());
        }
    }

    @ParameterizedTest
    @EnumSource(value = PortVariant.class, names = {"TAP", "PACKET"})
    void stackSendsLargeSegmentsByteExact(PortVariant variant) throws Exception {
        try (EchoLink link = link(variant)) {
            link.start("--mode", "source", "--bytes", "" + BYTES, "--offloads");
            KernelClient.Transfer t;
            try (SocketChannel c = link.connect()) {
                c.shutdownOutput();
                t = EchoInteropIT.within(link, () -> KernelClient.readToEnd(c));
            }
            String out = link.stop();
            assertEquals(BYTES, t.bytes(), out);
            assertEquals(KernelClient.chargenSha256(BYTES), t.sha256());
            Matcher m = portCounters(out);
            long txFrames = Long.parseLong(m.group(5));
            assertTrue(Long.parseLong(m.group(6)) / txFrames > MAX_PLAIN_FRAME,
                    "frames of several segments, the kernel cut them: " + m.group());
            System.out.printf("%s --offloads source %d B: %.1f Mbit/s; %s%n", variant, BYTES, t.megabitsPerSecond(),
                    m.group());
        }
    }
}
