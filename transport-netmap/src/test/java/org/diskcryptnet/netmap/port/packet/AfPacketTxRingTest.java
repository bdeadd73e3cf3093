package org.diskcryptnet.netmap.port.packet;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.diskcryptnet.netmap.port.PortOptions;
import org.junit.jupiter.api.Test;

/** How many tx frames a {@code packet:} queue maps: the ring size, or with offloads about its bytes. */
class AfPacketTxRingTest {

    @Test
    void offloadFramesHoldAboutTheBytesOfTheRingSizeInMtuFrames() {
        PortOptions defaults = PortOptions.defaults();
        assertEquals(1024, AfPacketPort.txFrames(defaults));
        assertEquals(32, AfPacketPort.txFrames(defaults.withOffloads(true)));
        assertEquals(128, AfPacketPort.txFrames(defaults.withRingSize(4096).withOffloads(true)));
        assertEquals(8, AfPacketPort.txFrames(defaults.withRingSize(64).withOffloads(true)));
        assertEquals(64, AfPacketPort.txFrames(defaults.withRingSize(64)));
    }
}
