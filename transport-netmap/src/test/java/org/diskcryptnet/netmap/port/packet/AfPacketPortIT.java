package org.diskcryptnet.netmap.port.packet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.diskcryptnet.netmap.port.PacketPort;
import org.diskcryptnet.netmap.port.PortException;
import org.diskcryptnet.netmap.port.PortOptions;
import org.diskcryptnet.netmap.port.PortUri;
import org.diskcryptnet.netmap.port.linux.NetNamespace;
import org.diskcryptnet.netmap.port.testbed.KernelPortContract;
import org.diskcryptnet.netmap.port.testbed.KernelRxDrops;
import org.diskcryptnet.netmap.port.testbed.Responder;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** {@code packet:} over a veth pair, the kernel on the other end. */
class AfPacketPortIT extends KernelPortContract {

    @Override
    protected void buildLink() {
        Assumptions.assumeTrue(AfPacket.isAvailable(), () -> "AF_PACKET unavailable: " + AfPacket.unavailabilityCause());
        stackNs = net.namespace("s");
        kernelNs = net.namespace("k");
        net.veth(stackNs, "dcnps0", kernelNs, "dcnpk0", 1);
        // tx checksum offload stays on: the port completes partial checksums; no super-frames without --offloads
        net.exec(kernelNs, "ethtool", "-K", "dcnpk0", "tso", "off", "gso", "off");
        net.exec(kernelNs, "ip", "addr", "add", "198.18.70.1/24", "dev", "dcnpk0");
    }

    @Override
    protected PacketPort openPort() {
        return AfPacketPort.open(PortUri.parse("packet:dcnps0"), PortOptions.defaults().withRingSize(256));
    }

    /** The kernel's drops for want of a free rx block are counted (PACKET_STATISTICS): {@link KernelRxDrops}. */
    @Test
    void kernelDropsForWantOfRxRoomAreCounted() throws Exception {
        Responder r = new Responder(port, 0, STACK_IP);
        KernelRxDrops.assertCounted(r, resolveKernelMac(r), net, kernelNs);
    }

    @Test
    void namesAMissingInterface() throws Exception {
        PortException e = assertThrows(PortException.class, () -> NetNamespace.call(stackNs,
                () -> AfPacketPort.open(PortUri.parse("packet:nosuch0"), PortOptions.defaults())));
        assertEquals(PortException.Reason.NO_SUCH_INTERFACE, e.reason(), e.getMessage());
    }
}
