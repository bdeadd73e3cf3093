package org.diskcryptnet.netmap.port.xdp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import org.diskcryptnet.netmap.port.PacketPort;
import org.diskcryptnet.netmap.port.PortOptions;
import org.diskcryptnet.netmap.port.PortOptions.XdpMode;
import org.diskcryptnet.netmap.port.PortUri;
import org.diskcryptnet.netmap.port.testbed.KernelPortContract;
import org.junit.jupiter.api.Test;

/** {@code xdp:} over veth with the program in veth's native XDP hook, copy mode. */
class XdpNativePortIT extends KernelPortContract {

    @Override
    protected void buildLink() {
        stackNs = net.namespace("s");
        kernelNs = net.namespace("k");
        XdpVethLink.build(net, stackNs, kernelNs, 1);
    }

    @Override
    protected PacketPort openPort() {
        return XdpPort.open(PortUri.parse("xdp:dcnps0"), PortOptions.defaults().withRingSize(256).withXdpMode(XdpMode.NATIVE));
    }

    @Test
    void runsNativelyInCopyMode() {
        XdpPort xdp = (XdpPort) port;
        assertEquals(XdpMode.NATIVE, xdp.attachMode());
        assertFalse(xdp.zeroCopy(), "veth has no zero-copy AF_XDP");
        assertFalse(XdpVethLink.xdpState(net, stackNs).isEmpty(), "ip link shows the program");
        assertEquals(true, port.features().dmaReadable(), "UMEM chunks take O_DIRECT reads");
    }
}
