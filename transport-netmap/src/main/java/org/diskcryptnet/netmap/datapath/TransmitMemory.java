package org.diskcryptnet.netmap.datapath;

/**
 * Whether a port's transmit buffers can be the target of a disk read (O_DIRECT / NVMe DMA), per port type. A read
 * into them needs ordinary user pages that the kernel can pin (get_user_pages): memory the process mapped itself
 * qualifies; memory a driver mapped as raw page frames does not (the read fails with EFAULT) or is not known to.
 * Where it does not, reads land in the loop's staging area ({@link DiskSendPath}), are sealed there or in the
 * frame, and are copied into the frame once: {@link DiskSendCounters#cpuCopiedBytes} shows the price.
 *
 * <p>Even with direct reads, the disk's alignment rules decide per unit: the file's block-aligned middle goes
 * straight into the frame only where the frame address matches the file offset modulo the file's memory
 * alignment; partial end blocks are bounced and copied (at most two per unit, so large units, i.e. GSO frames and
 * 16 KiB TLS records, copy a small fraction).
 */
public enum TransmitMemory {

    /** AF_XDP: the UMEM is anonymous memory this process mapped (and may register with io_uring). */
    XDP(true),
    /** TAP: frames are in our own memory and written to the device with write(2). */
    TAP(true),
    /** In-process pipes (tests, loopback): our own memory. */
    PIPE(true),
    /**
     * netmap: buffers are the module's memory mapped into the process; not established that O_DIRECT may pin
     * them, so staged until a probe shows a direct read works.
     */
    NETMAP(false),
    /** AF_PACKET TX_RING: kernel-allocated ring pages mapped into the process; staged for the same reason. */
    AF_PACKET(false);

    private final boolean diskReadable;

    /** The transmit memory of a port of {@code kind}. */
    public static TransmitMemory of(org.diskcryptnet.netmap.port.PortUri.Kind kind) {
        return switch (kind) {
            case XDP -> XDP;
            case TAP -> TAP;
            case PIPE -> PIPE;
            case NETMAP -> NETMAP;
            case PACKET -> AF_PACKET;
        };
    }

    TransmitMemory(boolean diskReadable) {
        this.diskReadable = diskReadable;
    }

    /** Whether disk reads go straight into this port's transmit buffers. */
    public boolean diskReadable() {
        return diskReadable;
    }
}
