package org.diskcryptnet.netmap.port.tap;

import org.diskcryptnet.netmap.port.PacketPort;
import org.diskcryptnet.netmap.port.PortOptions;
import org.diskcryptnet.netmap.port.PortUri;
import org.diskcryptnet.netmap.port.testbed.KernelPortContract;
import org.junit.jupiter.api.Assumptions;

/** {@code tap:} without offloads: the kernel end of the TAP device is the peer, in the same namespace. */
class TapPortIT extends KernelPortContract {

    @Override
    protected void buildLink() {
        Assumptions.assumeTrue(Tap.isAvailable(), () -> "TAP unavailable: " + Tap.unavailabilityCause());
        stackNs = net.namespace("t");
        kernelNs = stackNs;
    }

    @Override
    protected PacketPort openPort() {
        return TapPort.open(PortUri.parse("tap:dcnptap0"), PortOptions.defaults().withRingSize(256));
    }

    @Override
    protected boolean batchesTxSystemCalls() {
        return false;
    }

    @Override
    protected void configureKernelSide() {
        TapKernelSide.configure(net, kernelNs, "dcnptap0");
    }
}
