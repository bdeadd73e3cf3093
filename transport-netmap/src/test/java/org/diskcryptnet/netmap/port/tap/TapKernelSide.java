package org.diskcryptnet.netmap.port.tap;

import org.diskcryptnet.netmap.port.testbed.TestNet;

/** The kernel's end of a test TAP device: 198.18.70.1/24, up, no IPv6 chatter. */
final class TapKernelSide {

    private TapKernelSide() {}

    static void configure(TestNet net, String ns, String name) {
        net.exec(ns, "sysctl", "-qw", "net.ipv6.conf." + name + ".disable_ipv6=1");
        net.exec(ns, "ip", "addr", "add", "198.18.70.1/24", "dev", name);
        net.exec(ns, "ip", "link", "set", name, "up");
    }
}
