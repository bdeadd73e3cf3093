package org.diskcryptnet.netmap.channel;

import java.util.HashMap;
import java.util.Map;

import org.diskcryptnet.netmap.port.PortUri;
import org.diskcryptnet.netmap.port.pipe.PipePort;

/**
 * {@code pipe:NAME} ports by name within this process, with as many queue pairs as the groups on both ends have
 * loops: the first open of a name creates the pipe and returns one end, the second returns the other end.
 */
final class Pipes {

    private static final Map<String, PipePort> WAITING = new HashMap<>();
    private static final Map<String, Integer> QUEUES = new HashMap<>();

    private Pipes() {
    }

    static synchronized PipePort open(PortUri uri, int queues, int slots, int mtu) {
        PipePort waiting = WAITING.remove(uri.name());
        if (waiting != null) {
            int q = QUEUES.remove(uri.name());
            if (q != queues) {
                waiting.close();
                throw new IllegalArgumentException(uri + ": the other end was opened with " + q
                        + " queue pairs, this one asks for " + queues + "; both groups need as many loops");
            }
            return waiting;
        }
        PipePort[] ends = PipePort.pair(uri.name(), queues, slots, mtu);
        WAITING.put(uri.name(), ends[1]);
        QUEUES.put(uri.name(), queues);
        return ends[0];
    }
}
