package org.diskcryptnet.netmap.port.xdp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.diskcryptnet.netmap.port.PortException;
import org.diskcryptnet.netmap.port.PortOptions;
import org.diskcryptnet.netmap.port.PortOptions.XdpMode;
import org.diskcryptnet.netmap.port.PortUri;
import org.diskcryptnet.netmap.port.linux.NetNamespace;
import org.diskcryptnet.netmap.port.testbed.Responder;
import org.diskcryptnet.netmap.port.testbed.TestNet;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The XDP program's life: attached while the port is open, gone after close, gone after {@code kill -9} of a JVM
 * that held the port; several queues with one socket each; clear errors for a missing interface, a queue the
 * device lacks, and an interface that already has an XDP program.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class XdpLifecycleIT {

    private TestNet net;
    private String stackNs;
    private String kernelNs;

    @BeforeEach
    void setUp() {
        net = TestNet.create();
        stackNs = net.namespace("s");
        kernelNs = net.namespace("k");
        XdpVethLink.build(net, stackNs, kernelNs, 2);
    }

    @AfterEach
    void tearDown() {
        net.close();
    }

    private XdpPort open(String uri, PortOptions options) throws Exception {
        return NetNamespace.call(stackNs, () -> XdpPort.open(PortUri.parse(uri), options));
    }

    private void awaitDetached(String why) throws InterruptedException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        String state = XdpVethLink.xdpState(net, stackNs);
        while (!state.isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(50);
            state = XdpVethLink.xdpState(net, stackNs);
        }
        assertEquals("", state, "XDP program still attached " + why);
    }

    @Test
    void programIsAttachedWhileOpenAndDetachedAfterClose() throws Exception {
        XdpPort port = open("xdp:dcnps0", PortOptions.defaults().withRingSize(64));
        assertTrue(!XdpVethLink.xdpState(net, stackNs).isEmpty(), "attached while open");
        port.close();
        awaitDetached("after close()");
    }

    @Test
    void programIsDetachedWhenTheJvmHoldingThePortIsKilled() throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new ArrayList<>(List.of(TestNet.inNamespace(stackNs, java, "--enable-native-access=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"), XdpPortHolder.class.getName(), "xdp:dcnps0")));
        Process child = new ProcessBuilder(command).redirectErrorStream(true).start();
        net.adopt(child);
        BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream()));
        String line = out.readLine();
        for (int logged = 0; line != null && !line.startsWith("open ") && logged < 10; logged++) {
            line = out.readLine(); // a warning logged while opening (fewer queues served than the device has)
        }
        assertTrue(line != null && line.startsWith("open "), "child opened the port: " + line);
        assertTrue(!XdpVethLink.xdpState(net, stackNs).isEmpty(), "attached while the child holds the port");
        // the JVM is `ip netns exec`'s child (exec replaces it: same PID); SIGKILL, no shutdown hooks, no close()
        child.destroyForcibly();
        assertTrue(child.waitFor(10, TimeUnit.SECONDS), "child died");
        assertEquals(137, child.exitValue(), "killed by SIGKILL");
        awaitDetached("after kill -9 of the JVM that held the port");
        // and the queue can be bound again
        open("xdp:dcnps0", PortOptions.defaults().withRingSize(64)).close();
    }

    @Test
    void oneSocketPerQueueOverOneUmem() throws Exception {
        try (XdpPort port = open("xdp:dcnps0", PortOptions.defaults().withRingSize(64).withQueues(2))) {
            assertEquals(2, port.queues());
            assertEquals(port.rxRing(0).memory().address(), port.rxRing(1).memory().address(), "one UMEM");
            assertTrue(port.pollFd(0) != port.pollFd(1), "a socket per queue");
            // pings from the kernel arrive on whichever queue veth picks; each queue answers its own
            Responder q0 = new Responder(port, 0, org.diskcryptnet.netmap.port.testbed.Frames.ip("198.18.70.2"));
            Responder q1 = new Responder(port, 1, org.diskcryptnet.netmap.port.testbed.Frames.ip("198.18.70.2"));
            Process ping = net.start(kernelNs, "ping", "-n", "-c", "4", "-i", "0.2", "-W", "2", "198.18.70.2");
            long deadline = System.nanoTime() + 20_000_000_000L;
            while (ping.isAlive() && System.nanoTime() < deadline) {
                q0.poll(f -> { });
                q1.poll(f -> { });
            }
            assertTrue(ping.waitFor(1, TimeUnit.SECONDS));
            assertEquals(0, ping.exitValue(), new String(ping.getInputStream().readAllBytes()));
            assertEquals(4, q0.echoAnswered + q1.echoAnswered, "answered on queue 0: " + q0.echoAnswered + ", 1: " + q1.echoAnswered);
        }
        awaitDetached("after closing a two-queue port");
    }

    @Test
    void queueTheDeviceLacksIsRejected() {
        PortException e = assertThrows(PortException.class, () -> open("xdp:dcnps0@2", PortOptions.defaults()));
        assertEquals(PortException.Reason.INVALID, e.reason(), e.getMessage());
        assertTrue(e.getMessage().contains("rx queues 0..1"), e.getMessage());
    }

    @Test
    void missingInterfaceIsNamed() {
        PortException e = assertThrows(PortException.class, () -> open("xdp:nosuch0", PortOptions.defaults()));
        assertEquals(PortException.Reason.NO_SUCH_INTERFACE, e.reason(), e.getMessage());
    }

    @Test
    void secondPortOnTheSameInterfaceIsRefusedAsBusy() throws Exception {
        try (XdpPort first = open("xdp:dcnps0", PortOptions.defaults().withRingSize(64).withXdpMode(XdpMode.NATIVE))) {
            PortException e = assertThrows(PortException.class,
                    () -> open("xdp:dcnps0@1", PortOptions.defaults().withRingSize(64).withXdpMode(XdpMode.NATIVE)));
            assertEquals(PortException.Reason.BUSY, e.reason(), e.getMessage());
            assertTrue(!XdpVethLink.xdpState(net, stackNs).isEmpty(), "the first port's program stays");
        }
    }
}
