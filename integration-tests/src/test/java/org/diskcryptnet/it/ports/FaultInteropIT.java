package org.diskcryptnet.it.ports;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.channels.SocketChannel;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The stack against Linux's TCP through the fault injector on the stack's port: 5% loss, 5% reordering and 1%
 * duplication in both directions (the plan), with the kernel sending (echo: every byte comes back) and with
 * the stack sending (source). Byte-exact by SHA-256 and within a bound. Size: {@code -Ddcn.faults.bytes} (default
 * 8 MiB per direction for CI; the 1 GB is {@code -Ddcn.faults.bytes=1073741824 -Ddcn.interop.seconds=3600}).
 */
@Timeout(value = 900, unit = TimeUnit.SECONDS)
class FaultInteropIT {

    static final long BYTES = Long.getLong("dcn.faults.bytes", 8L << 20);
    static final String FAULTS = "loss=0.05,reorder=0.05,dup=0.01,seed=1";

    @ParameterizedTest
    @EnumSource(PortVariant.class)
    void kernelSendsThroughFaultsAndGetsEveryByteBack(PortVariant variant) throws Exception {
        try (EchoLink link = new EchoLink(variant)) {
            link.start("--mode", "echo", "--faults", FAULTS);
            KernelClient.Echo echo;
            try (SocketChannel c = link.connect()) {
                echo = EchoInteropIT.within(link, () -> KernelClient.echo(c, BYTES, 7));
            }
            String out = link.stop();
            assertEquals(BYTES, echo.received().bytes(), out);
            assertEquals(echo.sent().sha256(), echo.received().sha256(), "SHA-256 through the faults");
            assertTrue(out.lines().anyMatch(l -> l.startsWith("echo: total") && !l.contains("rexmit 0 ")),
                    "losses were repaired by retransmission: " + out);
            System.out.printf("%s echo through %s, %d B: %.1f Mbit/s each way%n%s%n", variant, FAULTS, BYTES,
                    echo.received().megabitsPerSecond(), out.lines().filter(l -> l.startsWith("echo: total")).toList());
        }
    }

    @ParameterizedTest
    @EnumSource(PortVariant.class)
    void stackSendsThroughFaultsByteExact(PortVariant variant) throws Exception {
        try (EchoLink link = new EchoLink(variant)) {
            link.start("--mode", "source", "--bytes", "" + BYTES, "--faults", FAULTS);
            KernelClient.Transfer t;
            try (SocketChannel c = link.connect()) {
                c.shutdownOutput();
                t = EchoInteropIT.within(link, () -> KernelClient.readToEnd(c));
            }
            String out = link.stop();
            assertEquals(BYTES, t.bytes(), out);
            assertEquals(KernelClient.chargenSha256(BYTES), t.sha256());
            assertTrue(out.lines().anyMatch(l -> l.startsWith("echo: total") && !l.contains("rexmit 0 ")),
                    "losses were repaired by retransmission: " + out);
            System.out.printf("%s source through %s, %d B: %.1f Mbit/s%n", variant, FAULTS, BYTES, t.megabitsPerSecond());
        }
    }
}
