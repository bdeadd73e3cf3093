package org.diskcryptnet.netmap.port.xdp;

import org.diskcryptnet.netmap.port.PortOptions;
import org.diskcryptnet.netmap.port.PortUri;

/**
 * A JVM that opens an {@code xdp:} port, says "open" and waits to be killed: the child of the test that proves the
 * program is detached when a process holding the port dies without closing it.
 */
public final class XdpPortHolder {

    private XdpPortHolder() {}

    public static void main(String[] args) throws Exception {
        XdpPort port = XdpPort.open(PortUri.parse(args[0]), PortOptions.defaults().withRingSize(64));
        System.out.println("open " + port);
        System.out.flush();
        Thread.sleep(120_000); // the test kills this process long before; bounded anyway
        port.close();
    }
}
