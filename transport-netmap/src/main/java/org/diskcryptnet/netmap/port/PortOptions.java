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
        if (ringSize < 8 || Integer.bitCount(ringSize) != 1 || ringSize > 1 << 16) {
            throw new IllegalArgumentException("ring size " + ringSize + " is not a power of two in [8, 65536]");
        }
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
