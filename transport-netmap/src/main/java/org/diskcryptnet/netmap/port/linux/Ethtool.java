package org.diskcryptnet.netmap.port.linux;

import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;
import java.lang.invoke.VarHandle;

/** The part of the ethtool ioctl ABI (linux/ethtool.h) the ports use: {@code ETHTOOL_GCHANNELS}, the queue counts. */
public final class Ethtool {

    public static final int ETHTOOL_GCHANNELS = 0x3c;

    public static final StructLayout CHANNELS = MemoryLayout.structLayout(
            JAVA_INT.withName("cmd"),
            JAVA_INT.withName("max_rx"),
            JAVA_INT.withName("max_tx"),
            JAVA_INT.withName("max_other"),
            JAVA_INT.withName("max_combined"),
            JAVA_INT.withName("rx_count"),
            JAVA_INT.withName("tx_count"),
            JAVA_INT.withName("other_count"),
            JAVA_INT.withName("combined_count"));

    public static final VarHandle CMD = field("cmd");
    public static final VarHandle RX_COUNT = field("rx_count");
    public static final VarHandle TX_COUNT = field("tx_count");
    public static final VarHandle COMBINED_COUNT = field("combined_count");

    private Ethtool() {}

    private static VarHandle field(String name) {
        return CHANNELS.varHandle(MemoryLayout.PathElement.groupElement(name));
    }
}
