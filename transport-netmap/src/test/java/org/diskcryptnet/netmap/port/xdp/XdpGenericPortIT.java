package org.diskcryptnet.netmap.port.xdp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.diskcryptnet.netmap.port.PacketPort;
import org.diskcryptnet.netmap.port.PortOptions;
import org.diskcryptnet.netmap.port.PortOptions.XdpMode;
import org.diskcryptnet.netmap.port.PortUri;
import org.diskcryptnet.netmap.port.testbed.KernelPortContract;
import org.junit.jupiter.api.Test;

/** {@code xdp:} over veth with the program in generic (SKB) mode. */
class XdpGenericPortIT extends KernelPortContract {

    @Override
    protected void buildLink() {
        stackNs = net.namespace("s");
        kernelNs = net.namespace("k");
        XdpVethLink.build(net, stackNs, kernelNs, 1);
    }

    @Override
    protected PacketPort openPort() {
        return XdpPort.open(PortUri.parse("xdp:dcnps0"), PortOptions.defaults().withRingSize(256).withXdpMode(XdpMode.GENERIC));
    }

    @Test
    void runsInGenericMode() {
        assertEquals(XdpMode.GENERIC, ((XdpPort) port).attachMode());
        assertTrue(XdpVethLink.xdpState(net, stackNs).contains("xdpgeneric"), XdpVethLink.xdpState(net, stackNs));
    }
}
