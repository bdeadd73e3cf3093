package org.diskcryptnet.netmap.port;

/**
 * How to open a port. Every backend reads the fields that concern it and ignores the rest.
 *
 * @param queues          rx/tx queue pairs to open from {@link PortUri#queue()} on; 0 = every queue the device
 *                        has. AF_XDP binds one socket per queue; AF_PACKET joins one socket per queue to a fanout
 *                        group by rx queue; TAP opens one file per queue (IFF_MULTI_QUEUE)
 * @param ringSize        slots per ring, a power of two
 * @param xdpMode         where the AF_XDP program runs
 * @param zeroCopy        whether AF_XDP binds in zero-copy mode
 * @param offloads        TAP and AF_PACKET: exchange a virtio-net header with the kernel so that partial checksums
 *                        and large segments (GSO) cross the port ({@link PortFeatures})
 */
public record PortOptions(int queues, int ringSize, XdpMode xdpMode, ZeroCopy zeroCopy, boolean offloads) {

    /** Slots a ring may have (a power of two in between). */
    public static final int MIN_RING_SIZE = 8, MAX_RING_SIZE = 1 << 16;
    /** MTU frames in the bytes of one tx frame with offloads (a 64 KiB segment and its headers). */
    private static final int MTU_FRAMES_PER_OFFLOAD_FRAME = 32;
    /** The fewest tx frames with offloads (ring sizes below 256): fewer would cost a kick for every few segments. */
    private static final int MIN_OFFLOAD_TX_FRAMES = 8;

    /** Where the XDP redirect program is attached (XDP_FLAGS_DRV_MODE, XDP_FLAGS_SKB_MODE in linux/if_link.h). */
    public enum XdpMode {
        /** The driver's own XDP hook if it has one, else generic. */
        AUTO,
        /** The driver's hook (veth, most NIC drivers); fails where the driver has none. */
        NATIVE,
        /** Generic (SKB) mode: any device, after the kernel has built an sk_buff. */
        GENERIC
    }

    /** AF_XDP zero-copy (XDP_ZEROCOPY) or copy (XDP_COPY) mode. */
    public enum ZeroCopy { AUTO, ON, OFF }

    public static PortOptions defaults() {
        return new PortOptions(1, 1024, XdpMode.AUTO, ZeroCopy.AUTO, false);
    }

    public PortOptions {
        if (queues < 0) {
            throw new IllegalArgumentException("queues " + queues + " < 0");
        }
        if (ringSize < MIN_RING_SIZE || ringSize > MAX_RING_SIZE) {
            throw new IllegalArgumentException("ring size " + ringSize + " is out of range " + MIN_RING_SIZE + ".."
                    + MAX_RING_SIZE);
        }
        if (Integer.bitCount(ringSize) != 1) {
            throw new IllegalArgumentException("ring size " + ringSize + " is not a power of two");
        }
    }

    /**
     * A queue's tx frames on a port whose frames are in a ring (AF_PACKET's, TAP's slots): one a slot of the ring
     * size, or with {@link #offloads}, where a frame takes a 64 KiB segment instead of an MTU frame, a 32nd of it (at
     * least 8), about the same bytes (32 frames, 2 MiB, at the default 1,024). The loop writes the frames in ring
     * order and the kernel reads each soon after it is written, so every frame is rewritten once a turn: a ring of
     * 256 such frames turned over 4 MiB or more, and each frame had left the caches by the time the loop sealed into
     * it again (benchmarks/RESULTS.md, "A tx ring the caches hold").
     */
    public int txFrames() {
        return offloads ? Math.max(MIN_OFFLOAD_TX_FRAMES, ringSize / MTU_FRAMES_PER_OFFLOAD_FRAME) : ringSize;
    }

    public PortOptions withQueues(int n) {
        return new PortOptions(n, ringSize, xdpMode, zeroCopy, offloads);
    }

    public PortOptions withRingSize(int n) {
        return new PortOptions(queues, n, xdpMode, zeroCopy, offloads);
    }

    public PortOptions withXdpMode(XdpMode mode) {
        return new PortOptions(queues, ringSize, mode, zeroCopy, offloads);
    }

    public PortOptions withZeroCopy(ZeroCopy z) {
        return new PortOptions(queues, ringSize, xdpMode, z, offloads);
    }

    public PortOptions withOffloads(boolean on) {
        return new PortOptions(queues, ringSize, xdpMode, zeroCopy, on);
    }
}
