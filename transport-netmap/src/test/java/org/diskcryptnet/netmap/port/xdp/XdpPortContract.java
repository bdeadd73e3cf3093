package org.diskcryptnet.netmap.port.xdp;

import org.diskcryptnet.netmap.port.PortOptions;
import org.diskcryptnet.netmap.port.PortOptions.XdpMode;
import org.diskcryptnet.netmap.port.PortUri;
import org.diskcryptnet.netmap.port.testbed.KernelPortContract;
import org.diskcryptnet.netmap.port.testbed.KernelRxDrops;
import org.diskcryptnet.netmap.port.testbed.Responder;
import org.junit.jupiter.api.Test;

/** The kernel-port contract for {@code xdp:} on the stack's end of {@link XdpVethLink}, one queue. */
abstract class XdpPortContract extends KernelPortContract {

    @Override
    protected void buildLink() {
        stackNs = net.namespace("s");
        kernelNs = net.namespace("k");
        XdpVethLink.build(net, stackNs, kernelNs, 1);
    }

    /** The kernel's drops for want of a fill-ring buffer are counted (XDP_STATISTICS): {@link KernelRxDrops}. */
    @Test
    void kernelDropsForWantOfRxBuffersAreCounted() throws Exception {
        Responder r = new Responder(port, 0, STACK_IP);
        KernelRxDrops.assertCounted(r, resolveKernelMac(r), net, kernelNs);
    }

    /** A counter of the kernel namespace's stack ({@link KernelRxDrops#kernelCounter}). */
    protected long kernelCounter(String name) {
        return KernelRxDrops.kernelCounter(net, kernelNs, name);
    }

    /** Opens the stack's end with 256-slot rings, the program attached in {@code mode}, and extra UMEM flags. */
    protected static XdpPort open(XdpMode mode, int umemFlags) {
        return XdpPort.open(PortUri.parse("xdp:dcnps0"), PortOptions.defaults().withRingSize(256).withXdpMode(mode),
                umemFlags);
    }
}
