package org.diskcryptnet.netmap.port;

/**
 * A port whose queues are each one kernel object (an AF_PACKET or AF_XDP socket, a TAP queue) with a pair of
 * {@link PacketRing}s: the per-queue half of {@link PacketPort}, looked up by queue number, so that each port type
 * writes only how its rings meet the kernel.
 *
 * @param <Q> the port type's queue
 */
public abstract class KernelQueuePort<Q extends KernelQueuePort.Queue> implements PacketPort {

    /** One queue: the descriptor its loop polls, its two rings and counters, and how they sync with the kernel. */
    public interface Queue {
        int fd();

        PacketRing rx();

        PacketRing tx();

        PortCounters counters();

        void rxSync();

        void txSync();

        void close();
    }

    private final String uri;
    private final PortFeatures features;
    protected final Q[] queues;

    protected KernelQueuePort(String uri, PortFeatures features, Q[] queues) {
        this.uri = uri;
        this.features = features;
        this.queues = queues;
    }

    @Override
    public final String uri() {
        return uri;
    }

    @Override
    public final int queues() {
        return queues.length;
    }

    @Override
    public final PacketRing rxRing(int queue) {
        return queues[queue].rx();
    }

    @Override
    public final PacketRing txRing(int queue) {
        return queues[queue].tx();
    }

    @Override
    public final void txSync(int queue) {
        queues[queue].txSync();
    }

    @Override
    public final void rxSync(int queue) {
        queues[queue].rxSync();
    }

    @Override
    public final int pollFd(int queue) {
        return queues[queue].fd();
    }

    @Override
    public final PortFeatures features() {
        return features;
    }

    @Override
    public final PortCounters counters(int queue) {
        return queues[queue].counters();
    }

    /** Closes every queue; a port type with more to release closes it around this. */
    @Override
    public void close() {
        for (Q q : queues) {
            q.close();
        }
    }
}
