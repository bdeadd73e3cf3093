package org.diskcryptnet.netmap.port.xdp;

import org.diskcryptnet.netmap.port.PortOptions;
import org.diskcryptnet.netmap.port.PortOptions.XdpMode;
import org.diskcryptnet.netmap.port.PortUri;
import org.diskcryptnet.netmap.port.testbed.KernelPortContract;

/** The kernel-port contract for {@code xdp:} on the stack's end of {@link XdpVethLink}, one queue. */
abstract class XdpPortContract extends KernelPortContract {

    @Override
    protected void buildLink() {
        stackNs = net.namespace("s");
        kernelNs = net.namespace("k");
        XdpVethLink.build(net, stackNs, kernelNs, 1);
    }

    /** Opens the stack's end with 256-slot rings, the program attached in {@code mode}, and extra UMEM flags. */
    protected static XdpPort open(XdpMode mode, int umemFlags) {
        return XdpPort.open(PortUri.parse("xdp:dcnps0"), PortOptions.defaults().withRingSize(256).withXdpMode(mode),
                umemFlags);
    }
}
