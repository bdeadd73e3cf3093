package org.diskcryptnet.netmap.datapath;

/**
 * The knobs of one loop's {@link DiskSendPath}.
 *
 * @param budgetBytes      file bytes that may sit in memory between a disk read's submission and the hand-over of
 *                         their frame to the transmit ring (the paper's cache budget: DMA into a last-level cache
 *                         that is already full leaks to DRAM). A single unit larger than the budget is still read
 *                         when nothing else is (counted in {@link DiskSendCounters#oversizeAdmissions}).
 * @param maxReadsPerBatch units read per batch (one batch per loop iteration, across all connections)
 * @param stagingSlots     slots of the per-loop staging area
 * @param stagingSlotBytes bytes per staging slot: at least the largest TLS record plus two disk blocks of slack
 * @param directIntoFrames whether the port's transmit buffers take a disk DMA read
 *                         ({@link org.diskcryptnet.netmap.port.PortFeatures#dmaReadable()}: {@code xdp:} and
 *                         {@code tap:} yes; {@code packet:}, {@code netmap:} and {@code pipe:} no);
 *                         false: every read goes through the staging area and is copied into the frame
 */
public record DiskSendConfig(long budgetBytes, int maxReadsPerBatch, int stagingSlots, int stagingSlotBytes,
                             boolean directIntoFrames) {

    public DiskSendConfig {
        if (budgetBytes <= 0 || maxReadsPerBatch <= 0 || stagingSlots <= 0) {
            throw new IllegalArgumentException("budget, batch size and staging slots must be positive");
        }
        if (stagingSlotBytes < 32 * 1024 || (stagingSlotBytes & 4095) != 0) {
            throw new IllegalArgumentException("a staging slot is a multiple of 4096 bytes and at least 32 KiB (a "
                    + "16 KiB record, its overhead and two blocks of slack), not " + stagingSlotBytes);
        }
    }

    /** 512 KiB budget, 64 reads a batch, 16 slots of 32 KiB. */
    public static DiskSendConfig defaults(boolean directIntoFrames) {
        return new DiskSendConfig(512 * 1024, 64, 16, 32 * 1024, directIntoFrames);
    }
}
