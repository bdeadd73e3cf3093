package org.diskcryptnet.netmap.datapath;

/**
 * The knobs of one loop's {@link DiskSendPath}.
 *
 * @param budgetBytes      file bytes that may sit in memory between a disk read's submission and the hand-over of
 *                         their frame to the transmit ring (the paper's cache budget: DMA into a last-level cache
 *                         that is already full leaks to DRAM), read windows included. A single unit larger than the
 *                         budget is still read when nothing else is (counted in
 *                         {@link DiskSendCounters#oversizeAdmissions}).
 * @param maxReadsPerBatch units read per batch (one batch per loop iteration, across all connections)
 * @param stagingSlots     slots of the per-loop staging area
 * @param stagingSlotBytes bytes per staging slot: at least the largest TLS record plus two disk blocks of slack
 * @param directIntoFrames whether the port's transmit buffers take a disk DMA read
 *                         ({@link org.diskcryptnet.netmap.port.PortFeatures#dmaReadable()}: {@code xdp:} and
 *                         {@code tap:} yes; {@code packet:}, {@code netmap:} and {@code pipe:} no);
 *                         false: every read goes through the staging area and is copied into the frame
 * @param readAheadBytes   {@link #READ_AHEAD_OFF}: each unit (segment or record) is read on its own, into its frame
 *                         where it can be; 0: a connection's units go through a {@link ReadAheadWindows read
 *                         window} holding the whole blocks of the run of units TCP asked for at once (nothing
 *                         TCP did not ask for but the rest of the last block); more: the window also reads up to
 *                         this many bytes beyond, shrunk so that the whole window fits the budget's share per
 *                         sending connection
 */
public record DiskSendConfig(long budgetBytes, int maxReadsPerBatch, int stagingSlots, int stagingSlotBytes,
                             boolean directIntoFrames, int readAheadBytes) {

    /** Every unit read on its own: the path of the paper, one read per segment. */
    public static final int READ_AHEAD_OFF = -1;
    /** The largest window: a slot of {@link ReadAheadWindows}. */
    public static final int WINDOW_BYTES = 64 * 1024;
    /** The default read-ahead beyond what TCP asked for. */
    public static final int DEFAULT_READ_AHEAD = 32 * 1024;

    public DiskSendConfig {
        if (budgetBytes <= 0 || maxReadsPerBatch <= 0 || stagingSlots <= 0) {
            throw new IllegalArgumentException("budget, batch size and staging slots must be positive");
        }
        if (stagingSlotBytes < 32 * 1024 || (stagingSlotBytes & 4095) != 0) {
            throw new IllegalArgumentException("a staging slot is a multiple of 4096 bytes and at least 32 KiB (a "
                    + "16 KiB record, its overhead and two blocks of slack), not " + stagingSlotBytes);
        }
        if (readAheadBytes < READ_AHEAD_OFF || readAheadBytes > WINDOW_BYTES) {
            throw new IllegalArgumentException("read-ahead is -1 (off) or 0 to " + WINDOW_BYTES + " bytes, not "
                    + readAheadBytes);
        }
    }

    /** Reads of every unit on its own ({@link #READ_AHEAD_OFF}). */
    public DiskSendConfig(long budgetBytes, int maxReadsPerBatch, int stagingSlots, int stagingSlotBytes,
                          boolean directIntoFrames) {
        this(budgetBytes, maxReadsPerBatch, stagingSlots, stagingSlotBytes, directIntoFrames, READ_AHEAD_OFF);
    }

    /** 512 KiB budget, 64 reads a batch, 16 slots of 32 KiB, {@link #DEFAULT_READ_AHEAD}. */
    public static DiskSendConfig defaults(boolean directIntoFrames) {
        return new DiskSendConfig(512 * 1024, 64, 16, 32 * 1024, directIntoFrames, DEFAULT_READ_AHEAD);
    }

    public DiskSendConfig withReadAhead(int bytes) {
        return new DiskSendConfig(budgetBytes, maxReadsPerBatch, stagingSlots, stagingSlotBytes, directIntoFrames,
                bytes);
    }

    public boolean windows() {
        return readAheadBytes != READ_AHEAD_OFF;
    }

    /** Read windows: as many as the budget holds windows of one 4 KiB block, within [64, 4096]. */
    public int windowSlots() {
        return (int) Math.clamp(budgetBytes / 4096, 64, 4096);
    }
}
