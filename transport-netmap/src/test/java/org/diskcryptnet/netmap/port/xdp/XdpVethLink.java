package org.diskcryptnet.netmap.port.xdp;

import org.diskcryptnet.netmap.port.testbed.TestNet;
import org.junit.jupiter.api.Assumptions;

/** The veth link of the AF_XDP tests: the kernel's end with tx checksum offload off (TESTBED.md). */
final class XdpVethLink {

    private XdpVethLink() {}

    static void build(TestNet net, String stackNs, String kernelNs, int queues) {
        Assumptions.assumeTrue(Xdp.isAvailable(), () -> "AF_XDP unavailable: " + Xdp.unavailabilityCause());
        net.veth(stackNs, "dcnps0", kernelNs, "dcnpk0", queues);
        net.exec(kernelNs, "ethtool", "-K", "dcnpk0", "tx", "off");
        net.exec(kernelNs, "ip", "addr", "add", "198.18.70.1/24", "dev", "dcnpk0");
    }

    /** What {@code ip link show} says about XDP on the stack's end: empty if nothing is attached. */
    static String xdpState(TestNet net, String stackNs) {
        String out = net.exec(stackNs, "ip", "-d", "link", "show", "dev", "dcnps0");
        StringBuilder b = new StringBuilder();
        for (String line : out.split("\n")) {
            if (line.contains("prog/xdp") || line.contains(" xdp") || line.contains("xdpgeneric")) {
                b.append(line.strip()).append('\n');
            }
        }
        return b.toString();
    }
}
