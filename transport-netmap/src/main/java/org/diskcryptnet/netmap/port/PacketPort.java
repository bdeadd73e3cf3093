package org.diskcryptnet.netmap.port;

/**
 * A network port seen as netmap sees a NIC: rx and tx rings of slots over shared buffer memory, synchronised
 * in batches. Implementations: {@code netmap:IF} (the netmap kernel module), {@code xdp:IF[@queue]} (AF_XDP),
 * {@code packet:IF} (AF_PACKET, TPACKET_V2), {@code tap:NAME} (TAP with a virtio-net header) and
 * {@code pipe:NAME} (two ports joined in this process). {@link PortUri} names them.
 *
 * <p>A port's rings are used by one event loop each; queue {@code i} is rx ring {@code i} and tx ring {@code i}.
 */
public interface PacketPort extends AutoCloseable {

    /** The URI the port was opened with, e.g. {@code xdp:veth0@0}. */
    String uri();

    /** Number of rx/tx queue pairs this port was opened with. */
    int queues();

    PacketRing rxRing(int queue);

    PacketRing txRing(int queue);

    /** NIOCTXSYNC: transmit tx slots before {@code head}, reclaim completed ones (moves {@code tail}). Never blocks. */
    void txSync(int queue);

    /** NIOCRXSYNC: give back rx slots before {@code head}, learn of new frames (moves {@code tail}). Never blocks. */
    void rxSync(int queue);

    /**
     * A file descriptor that poll(2) reports readable when rx ring {@code queue} has frames (and writable when
     * its tx ring has room), for an idle strategy that blocks; -1 if this port cannot block (busy-poll only).
     */
    int pollFd(int queue);

    /** The port's own hardware address (6 bytes), which the stack uses as its source MAC. */
    byte[] macAddress();

    /** The largest IP packet a frame may carry (Ethernet payload), e.g. 1500. */
    int mtu();

    /** What the port's frames and memory can do beyond plain Ethernet frames. */
    PortFeatures features();

    /**
     * What queue {@code queue} has done so far, for diagnostics; read-only for the caller. Added to the port API with
     * the kernel ports (the echo tool prints them); ports that do not count return {@link PortCounters#NONE}.
     */
    default PortCounters counters(int queue) {
        return PortCounters.NONE;
    }

    /**
     * Copies what the kernel counts for queue {@code queue} (AF_XDP's XDP_STATISTICS) into {@link #counters}: a
     * system call, for the queue's loop about once a second. Ports whose kernel counts nothing extra do nothing.
     */
    default void refreshCounters(int queue) {
    }

    @Override
    void close();
}
