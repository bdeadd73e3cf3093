package org.diskcryptnet.netmap.tcp;

import java.lang.foreign.MemorySegment;

/**
 * Where TCP puts the segments it emits: transmit frames owned by the layer below (the interface, which writes
 * IPv4 and Ethernet headers in front and the checksum). TCP writes the TCP header and payload in place, starting
 * at {@link #tcpOffset}, so a payload is copied (or produced by a {@link SendSource}) exactly once, into the
 * frame that is transmitted.
 *
 * <p>Every frame reserved must be submitted, in any order; a frame whose payload is being produced
 * asynchronously is submitted when the production completes. The sink transmits frames in reservation order
 * where its ring requires it.
 */
public interface SegmentSink {

    /** No transmit frame is free now: TCP keeps the segment for a later flush. */
    int NO_FRAME = -1;
    /**
     * The next hop is not resolved yet (the sink started resolving it): TCP treats the segment as sent and lost,
     * its retransmission timer recovers it.
     */
    int UNREACHABLE = -2;

    /**
     * Reserves a frame for a TCP segment (header, options and payload) of at most {@code maxTcpLength} bytes to
     * {@code remoteIp}; a frame handle, {@link #NO_FRAME} or {@link #UNREACHABLE}.
     */
    int reserve(int remoteIp, int maxTcpLength);

    /** The memory every frame lies in. */
    MemorySegment memory();

    /** Where the TCP header of {@code frame} starts in {@link #memory()}. */
    long tcpOffset(int frame);

    /** Sends {@code frame}: fills in the TCP checksum (or leaves it to the device) and the headers in front. */
    void submit(int frame, int localIp, int remoteIp, int tcpLength);

    /**
     * TCP bytes (header and payload) one frame may carry when the port cuts it into segments itself (GSO/TSO,
     * {@link org.diskcryptnet.netmap.port.PortFeatures#segmentationOffload()}); 0 if it cannot.
     */
    default int segmentationLimit() {
        return 0;
    }

    /**
     * Sends {@code frame} as one large segment the port cuts into segments of {@code segmentPayload} payload bytes,
     * each with a copy of the header (sequence numbers advanced, FIN and PSH on the last only). Only when
     * {@link #segmentationLimit()} is positive.
     */
    default void submitSegmented(int frame, int localIp, int remoteIp, int tcpLength, int segmentPayload) {
        throw new UnsupportedOperationException("this sink has no segmentation offload");
    }
}
