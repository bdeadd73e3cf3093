package org.diskcryptnet.netmap.datapath;

/**
 * What one loop's {@link DiskSendPath} did: plain longs written by the loop's thread, read at scrape time by any
 * thread (a value may be a few events old). These are the counters that prove the data path: payload copied by
 * the CPU per payload byte sent ({@link #copiedPerByteSent()}, 0 where the frames take the disk read), disk
 * re-reads caused by retransmission, bytes sealed in place in the transmit buffers.
 */
public final class DiskSendCounters {

    /** Payload bytes produced from files into frames (first time and again), for completed units. */
    public long fileBytesSent;
    /** Of those, bytes the CPU copied (staging to frame, and the bounced partial blocks at unaligned ends). */
    public long cpuCopiedBytes;
    /** Units that submitted a disk read (a read may take up to three queue entries; see also {@link #windowReads}). */
    public long diskReads;
    /** Reads of bytes that had been produced before: the retransmission of a lost segment, read again. */
    public long diskReReads;
    public long reReadBytes;
    /** Plaintext bytes sealed where they are transmitted from (the frame), and in a staging slot. */
    public long sealedInPlaceBytes;
    public long sealedInStagingBytes;
    /** Parts of records copied from a record already sealed in a staging slot, and such slots evicted early. */
    public long cacheHits;
    public long cacheEvictions;
    /**
     * Read windows ({@link ReadAheadWindows}): reads and their bytes (whole blocks), file bytes copied out of them
     * into frames, and windows evicted idle for room or budget (their unsent bytes are read again if asked for).
     */
    public long windowReads;
    public long windowBytesRead;
    public long windowBytesServed;
    public long windowEvictions;
    /** TLS records sealed again for a retransmission. */
    public long recordsResealed;
    /** Bytes of reads submitted and not yet handed to the ring (the budget in use), and its highest value. */
    public long budgetInUse;
    public long budgetHighWater;
    /** Batches run, batches that stopped because the budget was used up, units read though alone over it. */
    public long batches;
    public long batchesBoundByBudget;
    public long oversizeAdmissions;
    /** The last batch: units read and bytes. */
    public int lastBatchReads;
    public long lastBatchBytes;
    /** Units whose read failed (their connection is reset), and units refused outright (see the log). */
    public long readFailures;
    public long refusedUnits;
    /**
     * Extents (so connections, each reset) whose file changed before a lost range of it was read again: nothing was
     * read or sealed again ({@link ReReadGuard}); their units are not counted in {@link #readFailures}.
     */
    public long fileChangedAborts;

    /** Payload bytes the CPU copied per file byte sent: 0 is the paper's goal where frames take the DMA. */
    public double copiedPerByteSent() {
        return fileBytesSent == 0 ? 0 : (double) cpuCopiedBytes / fileBytesSent;
    }
}
