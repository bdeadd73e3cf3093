package org.diskcryptnet.netmap.port.xdp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import org.diskcryptnet.netmap.port.PacketPort;
import org.diskcryptnet.netmap.port.PortOptions.XdpMode;
import org.junit.jupiter.api.Test;

/** {@code xdp:} over veth with the program in veth's native XDP hook, copy mode. */
class XdpNativePortIT extends XdpPortContract {

    @Override
    protected PacketPort openPort() {
        return open(XdpMode.NATIVE, 0);
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
