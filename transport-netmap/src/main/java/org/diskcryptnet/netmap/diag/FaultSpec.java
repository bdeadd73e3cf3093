package org.diskcryptnet.netmap.diag;

import org.diskcryptnet.netmap.port.PacketPort;
import org.diskcryptnet.netmap.port.fault.FaultInjectingPort;
import org.diskcryptnet.netmap.port.fault.FaultPlan;

/**
 * {@code --faults loss=P,reorder=P,dup=P,corrupt=P,seed=N}: wraps a port in the fault injector, the same plan both
 * ways (each direction with its own generator, reproducible from the seed).
 */
final class FaultSpec {

    private FaultSpec() {}

    static PacketPort wrap(PacketPort port, String spec) {
        if (spec == null) {
            return port;
        }
        FaultPlan plan;
        try {
            plan = FaultPlan.parse(spec);
        } catch (IllegalArgumentException e) {
            port.close();
            throw new IllegalArgumentException("--faults: " + e.getMessage());
        }
        return new FaultInjectingPort(port, plan);
    }
}
