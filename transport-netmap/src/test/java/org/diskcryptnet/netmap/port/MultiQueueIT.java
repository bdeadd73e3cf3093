package org.diskcryptnet.netmap.port;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.TimeUnit;

import org.diskcryptnet.netmap.port.linux.NetNamespace;
import org.diskcryptnet.netmap.port.packet.AfPacket;
import org.diskcryptnet.netmap.port.packet.AfPacketPort;
import org.diskcryptnet.netmap.port.tap.Tap;
import org.diskcryptnet.netmap.port.tap.TapPort;
import org.diskcryptnet.netmap.port.testbed.Frames;
import org.diskcryptnet.netmap.port.testbed.Responder;
import org.diskcryptnet.netmap.port.testbed.TestNet;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Ports over two queues: AF_PACKET sockets joined in a fanout group by rx queue on a two-queue veth, and a TAP
 * device with IFF_MULTI_QUEUE. The kernel pings from many flows; every request is answered on whichever queue it
 * arrived, and nothing is delivered twice.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class MultiQueueIT {

    private static void pingThroughQueues(TestNet net, String kernelNs, PacketPort port) throws Exception {
        Responder[] queues = {new Responder(port, 0, Frames.ip("198.18.70.2")), new Responder(port, 1, Frames.ip("198.18.70.2"))};
        // several pings at once: different ICMP ids, so different flow hashes and tx queues on the kernel side
        Process[] pings = new Process[4];
        for (int i = 0; i < pings.length; i++) {
            pings[i] = net.start(kernelNs, "ping", "-n", "-c", "5", "-i", "0.2", "-W", "2", "198.18.70.2");
        }
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (System.nanoTime() < deadline && java.util.Arrays.stream(pings).anyMatch(Process::isAlive)) {
            for (Responder r : queues) {
                r.poll(f -> { });
            }
        }
        for (Process p : pings) {
            assertTrue(p.waitFor(1, TimeUnit.SECONDS));
            String out = new String(p.getInputStream().readAllBytes());
            assertEquals(0, p.exitValue(), out);
            assertTrue(!out.contains("DUP!"), "no frame delivered twice: " + out);
        }
        assertEquals(20, queues[0].echoAnswered + queues[1].echoAnswered,
                "answered on queue 0: " + queues[0].echoAnswered + ", queue 1: " + queues[1].echoAnswered);
    }

    @Test
    void packetSocketsFanOutByRxQueue() throws Exception {
        Assumptions.assumeTrue(AfPacket.isAvailable(), () -> "AF_PACKET: " + AfPacket.unavailabilityCause());
        try (TestNet net = TestNet.create()) {
            String s = net.namespace("s");
            String k = net.namespace("k");
            net.veth(s, "dcnps0", k, "dcnpk0", 2);
            net.exec(k, "ip", "addr", "add", "198.18.70.1/24", "dev", "dcnpk0");
            try (PacketPort port = NetNamespace.call(s, () -> AfPacketPort.open(PortUri.parse("packet:dcnps0"),
                    PortOptions.defaults().withRingSize(256).withQueues(2)))) {
                assertEquals(2, port.queues());
                pingThroughQueues(net, k, port);
            }
        }
    }

    @Test
    void tapWithOneFilePerQueue() throws Exception {
        Assumptions.assumeTrue(Tap.isAvailable(), () -> "TAP: " + Tap.unavailabilityCause());
        try (TestNet net = TestNet.create()) {
            String s = net.namespace("t");
            try (PacketPort port = NetNamespace.call(s, () -> TapPort.open(PortUri.parse("tap:dcnptapm"),
                    PortOptions.defaults().withRingSize(256).withQueues(2)))) {
                net.exec(s, "sysctl", "-qw", "net.ipv6.conf.dcnptapm.disable_ipv6=1");
                net.exec(s, "ip", "addr", "add", "198.18.70.1/24", "dev", "dcnptapm");
                net.exec(s, "ip", "link", "set", "dcnptapm", "up");
                assertEquals(2, port.queues());
                pingThroughQueues(net, s, port);
            }
        }
    }
}
