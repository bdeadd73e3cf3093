package org.diskcryptnet.netmap.port.xdp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.diskcryptnet.netmap.port.PacketPort;
import org.diskcryptnet.netmap.port.PortOptions.XdpMode;
import org.junit.jupiter.api.Test;

/** {@code xdp:} over veth with the program in generic (SKB) mode. */
class XdpGenericPortIT extends XdpPortContract {

    @Override
    protected PacketPort openPort() {
        return open(XdpMode.GENERIC, 0);
    }

    @Test
    void runsInGenericMode() {
        assertEquals(XdpMode.GENERIC, ((XdpPort) port).attachMode());
        assertTrue(XdpVethLink.xdpState(net, stackNs).contains("xdpgeneric"), XdpVethLink.xdpState(net, stackNs));
    }
}
