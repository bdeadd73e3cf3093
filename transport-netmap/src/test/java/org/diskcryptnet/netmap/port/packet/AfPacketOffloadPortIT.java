package org.diskcryptnet.netmap.port.packet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.diskcryptnet.netmap.port.PacketPort;
import org.diskcryptnet.netmap.port.PortCounters;
import org.diskcryptnet.netmap.port.PortOptions;
import org.diskcryptnet.netmap.port.PortUri;
import org.diskcryptnet.netmap.port.testbed.OffloadContract;
import org.junit.jupiter.api.Assumptions;

/**
 * {@code packet:} with PACKET_VNET_HDR over a veth pair whose kernel end keeps its offloads on: partial checksums
 * and large segments cross the port both ways. The rx ring's frames hold one MTU-sized frame: the kernel's large
 * segments come through the socket whole (TP_STATUS_COPY), none is dropped.
 */
class AfPacketOffloadPortIT extends OffloadContract {

    @Override
    protected void buildLink() {
        Assumptions.assumeTrue(AfPacket.isAvailable(), () -> "AF_PACKET unavailable: " + AfPacket.unavailabilityCause());
        stackNs = net.namespace("s");
        kernelNs = net.namespace("k");
        net.veth(stackNs, "dcnps0", kernelNs, "dcnpk0", 1);
        net.exec(kernelNs, "ethtool", "-K", "dcnpk0", "tx", "on", "tso", "on", "gso", "on");
        net.exec(kernelNs, "ip", "addr", "add", "198.18.70.1/24", "dev", "dcnpk0");
    }

    @Override
    protected PacketPort openPort() {
        return AfPacketPort.open(PortUri.parse("packet:dcnps0"), PortOptions.defaults().withRingSize(256).withOffloads(true));
    }

    @Override
    protected void largeFramesReceived(PortCounters counters) {
        assertTrue(counters.rxFramesReadWhole > 0, "large frames read whole from the socket: " + counters);
        assertEquals(0, counters.rxDropped, "none truncated: " + counters);
    }
}
