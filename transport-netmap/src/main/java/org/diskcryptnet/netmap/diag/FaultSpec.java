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

    /** The plan of {@code spec}, or null for none; IllegalArgumentException naming --faults if it is not one. */
    static FaultPlan parse(String spec) {
        if (spec == null) {
            return null;
        }
        try {
            return FaultPlan.parse(spec);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--faults: " + e.getMessage());
        }
    }

    static PacketPort wrap(PacketPort port, FaultPlan plan) {
        return plan == null ? port : new FaultInjectingPort(port, plan);
    }
}
