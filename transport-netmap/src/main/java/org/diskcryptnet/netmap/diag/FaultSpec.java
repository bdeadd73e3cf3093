package org.diskcryptnet.netmap.diag;

import org.diskcryptnet.netmap.port.PacketPort;

/** {@code --faults loss=P,reorder=P,dup=P,corrupt=P,seed=N}: wraps a port in the fault injector. */
final class FaultSpec {

    private FaultSpec() {}

    static PacketPort wrap(PacketPort port, String spec) {
        if (spec == null) {
            return port;
        }
        port.close();
        throw new IllegalArgumentException("--faults: the fault-injecting port is not in this build yet");
    }
}
