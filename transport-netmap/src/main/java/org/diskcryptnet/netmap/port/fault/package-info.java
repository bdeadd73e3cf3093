/**
 * A {@code PacketPort} wrapper that damages traffic in either direction: loss, duplication, reordering,
 * corruption and delay, each a probability in a {@link org.diskcryptnet.netmap.port.fault.FaultPlan},
 * reproducible from its seed, counted in {@link org.diskcryptnet.netmap.port.fault.FaultCounters}.
 */
package org.diskcryptnet.netmap.port.fault;
