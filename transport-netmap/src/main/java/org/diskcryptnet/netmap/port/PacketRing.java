package org.diskcryptnet.netmap.port;

import java.lang.foreign.MemorySegment;

/**
 * One ring of packet slots with netmap's ownership rules (netmap(4), "RINGS, BUFFERS AND DATA I/O"):
 * slots {@code [head, tail)} belong to the application, the rest to the kernel (or the peer).
 * <ul>
 *   <li>rx ring: {@code [head, tail)} hold received frames; the application reads them and moves {@code head}
 *       past them to give the slots back, then {@link PacketPort#rxSync} learns of new frames (moves {@code tail}).</li>
 *   <li>tx ring: {@code [head, tail)} are free; the application fills them, sets each length, moves {@code head}
 *       past them, and {@link PacketPort#txSync} transmits them and reclaims completed slots (moves {@code tail}).</li>
 * </ul>
 * {@code cur} is netmap's wake-up point for a blocking poll; applications that never block keep it equal to
 * {@code head} by calling {@link #advance}.
 *
 * <p>Frames live in one memory region shared by every slot of the port: a slot is an offset into
 * {@link #memory()}, so packet views are flyweights over (memory, offset, length) and nothing is allocated per
 * packet. Implementations are single-threaded: a ring belongs to one event loop.
 */
public interface PacketRing {

    /** Number of slots; indices run {@code 0 .. size()-1} and wrap. */
    int size();

    int head();

    int cur();

    int tail();

    /** Sets {@code head} and {@code cur} to {@code slot}: releases (rx) or submits (tx) everything before it. */
    void advance(int slot);

    /** Slots the application owns: {@code (tail - head) mod size}. */
    default int space() {
        int n = tail() - head();
        return n < 0 ? n + size() : n;
    }

    /** The index after {@code slot}, wrapping. */
    default int next(int slot) {
        return slot + 1 == size() ? 0 : slot + 1;
    }

    /** The region every slot's frame lies in. */
    MemorySegment memory();

    /** Where the frame of {@code slot} starts in {@link #memory()} (the Ethernet header on rx and on tx). */
    long offset(int slot);

    /** Bytes of the frame in {@code slot}. */
    int length(int slot);

    /** Sets the length of the frame the application wrote into a tx slot. */
    void length(int slot, int length);

    /** The largest frame a slot holds, from {@link #offset} on. */
    int frameCapacity();

    /**
     * Asks the port to finish the frame in tx slot {@code slot} (only where {@link PortFeatures#txChecksumOffload()}):
     * its IPv4 TCP or UDP checksum field holds just the pseudo-header sum (RFC 9293 section 3.1; Linux calls this
     * CHECKSUM_PARTIAL) and the kernel or device completes it. With {@code segmentSize > 0} (only where
     * {@link PortFeatures#segmentationOffload()}) the frame, up to {@link PortFeatures#maxSegmentSize()} long, is
     * cut into TCP segments of {@code segmentSize} payload bytes, each with its own headers and checksums (TSO/GSO).
     * Holds for the frame in the slot until the next {@link PacketPort#txSync}; a frame without it must be complete.
     *
     * <p>Added to the port API with the TAP and AF_PACKET ports: netmap itself carries this in a virtio-net header
     * in front of the frame (NETMAP_REQ_PORT_HDR_SET); a per-slot call keeps that header out of the stack.
     *
     * @throws UnsupportedOperationException if the port has no offloads
     */
    default void txOffload(int slot, int segmentSize) {
        throw new UnsupportedOperationException("this port has no checksum or segmentation offload");
    }
}
