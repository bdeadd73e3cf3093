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
}
