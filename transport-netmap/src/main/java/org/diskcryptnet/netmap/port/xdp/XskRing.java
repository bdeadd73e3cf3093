package org.diskcryptnet.netmap.port.xdp;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.MemorySegment;
import java.lang.invoke.VarHandle;

import org.diskcryptnet.netmap.port.linux.MappedRegion;

/**
 * One of an AF_XDP socket's four single-producer single-consumer rings (af_xdp.rst, "Rings"), a flyweight over its
 * mapping: a producer index and a consumer index that run freely (u32, wrapping) and an array of entries, u64
 * addresses for the fill and completion rings, {@code xdp_desc} for rx and tx. The process is producer of fill and
 * tx, consumer of rx and completion; indices are read with acquire and published with release semantics.
 */
final class XskRing {

    private static final VarHandle INT = JAVA_INT.varHandle();

    final MappedRegion region;
    final MemorySegment memory;
    private final long producer;
    private final long consumer;
    private final long flags;
    private final long entries;
    private final int entrySize;
    final int size;
    private final int mask;
    private int localProducer;
    private int localConsumer;

    XskRing(MappedRegion region, long producer, long consumer, long desc, long flags, int size, int entrySize) {
        this.region = region;
        this.memory = region.segment();
        this.producer = producer;
        this.consumer = consumer;
        this.flags = flags;
        this.entries = desc;
        this.entrySize = entrySize;
        this.size = size;
        this.mask = size - 1;
        this.localProducer = (int) INT.getAcquire(memory, producer);
        this.localConsumer = (int) INT.getAcquire(memory, consumer);
    }

    // ---- as producer (fill, tx) ----

    /** Entries that may be produced now. */
    int free() {
        int kernelConsumer = (int) INT.getAcquire(memory, consumer);
        return size - (localProducer - kernelConsumer);
    }

    /** Offset of the {@code i}-th entry after those produced so far. */
    long producerEntry(int i) {
        return entries + (long) ((localProducer + i) & mask) * entrySize;
    }

    void putAddress(int i, long address) {
        memory.set(JAVA_LONG, producerEntry(i), address);
    }

    /** Makes {@code n} written entries visible to the kernel. */
    void publish(int n) {
        localProducer += n;
        INT.setRelease(memory, producer, localProducer);
    }

    // ---- as consumer (rx, completion) ----

    /** Entries the kernel has produced and this side not yet consumed. */
    int available() {
        int kernelProducer = (int) INT.getAcquire(memory, producer);
        return kernelProducer - localConsumer;
    }

    long consumerEntry(int i) {
        return entries + (long) ((localConsumer + i) & mask) * entrySize;
    }

    long address(int i) {
        return memory.get(JAVA_LONG, consumerEntry(i));
    }

    /** Gives {@code n} consumed entries back to the kernel. */
    void release(int n) {
        localConsumer += n;
        INT.setRelease(memory, consumer, localConsumer);
    }

    /** XDP_RING_NEED_WAKEUP: the kernel sleeps and wants a system call (XDP_USE_NEED_WAKEUP). */
    boolean needsWakeup() {
        return ((int) INT.getAcquire(memory, flags) & XdpAbi.XDP_RING_NEED_WAKEUP) != 0;
    }

    void close() {
        region.close();
    }
}
