package org.diskcryptnet.netmap.port.tap;

import org.diskcryptnet.netmap.port.PacketPort;
import org.diskcryptnet.netmap.port.PortOptions;
import org.diskcryptnet.netmap.port.PortUri;
import org.diskcryptnet.netmap.port.testbed.OffloadContract;
import org.junit.jupiter.api.Assumptions;

/** {@code tap:} with IFF_VNET_HDR and TUNSETOFFLOAD: partial checksums and 64 KiB segments cross the device. */
class TapOffloadPortIT extends OffloadContract {

    @Override
    protected void buildLink() {
        Assumptions.assumeTrue(Tap.isAvailable(), () -> "TAP unavailable: " + Tap.unavailabilityCause());
        stackNs = net.namespace("o");
        kernelNs = stackNs;
    }

    @Override
    protected PacketPort openPort() {
        return TapPort.open(PortUri.parse("tap:dcnptap1"), PortOptions.defaults().withRingSize(256).withOffloads(true));
    }

    @Override
    protected boolean batchesTxSystemCalls() {
        return false;
    }

    @Override
    protected void configureKernelSide() {
        TapKernelSide.configure(net, kernelNs, "dcnptap1");
    }
}
