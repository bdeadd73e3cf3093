package org.diskcryptnet.netmap.port;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import org.diskcryptnet.netmap.port.linux.Libc;

/**
 * A port whose queues are each one kernel object (an AF_PACKET or AF_XDP socket, a TAP queue) with a pair of
 * {@link PacketRing}s: the per-queue half of {@link PacketPort}, looked up by queue number, so that each port type
 * writes only how its rings meet the kernel.
 *
 * @param <Q> the port type's queue
 */
public abstract class KernelQueuePort<Q extends KernelQueuePort.Queue> implements PacketPort {

    /**
     * One queue: the descriptor its loop polls, its two rings and counters, and the call state its system calls
     * capture errno in. How the rings sync with the kernel is the port type's. {@code fd}, {@code rx} and {@code tx}
     * are set once, by the port type's constructor, before the queue is handed out.
     */
    public abstract static class Queue {
        protected final Arena arena = Arena.ofShared();
        protected final MemorySegment state = Libc.newCallState(arena);
        protected final PortCounters counters = new PortCounters();
        protected int fd = -1;
        protected SlotRing rx;
        protected SlotRing tx;

        public final int fd() {
            return fd;
        }

        public final PacketRing rx() {
            return rx;
        }

        public final PacketRing tx() {
            return tx;
        }

        public final PortCounters counters() {
            return counters;
        }

        public abstract void rxSync();

        /** {@link PacketPort#refreshCounters}: nothing unless the kernel keeps counters of its own. */
        public void refreshCounters() {
        }

        public abstract void txSync();

        public abstract void close();
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

    @Override
    public final void refreshCounters(int queue) {
        queues[queue].refreshCounters();
    }

    /** Closes every queue; a port type with more to release closes it around this. */
    @Override
    public void close() {
        for (Q q : queues) {
            q.close();
        }
    }
}
