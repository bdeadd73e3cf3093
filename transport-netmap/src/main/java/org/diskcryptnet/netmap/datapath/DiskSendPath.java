package org.diskcryptnet.netmap.datapath;

import java.io.IOException;
import java.lang.foreign.MemorySegment;

import io.netty.util.ReferenceCounted;
import io.netty.util.internal.logging.InternalLogger;
import io.netty.util.internal.logging.InternalLoggerFactory;

import org.diskcryptnet.disk.DiskFile;
import org.diskcryptnet.disk.DiskQueue;
import org.diskcryptnet.disk.DiskReader;
import org.diskcryptnet.netmap.tcp.ProduceCompletion;
import org.diskcryptnet.netmap.tcp.SendSource;
import org.diskcryptnet.tls.record.ContentType;
import org.diskcryptnet.tls.record.RecordLayout;
import org.diskcryptnet.tls.record.RecordProtection;

/**
 * One loop's disk-to-wire send path (issue 8, after Disk|Crypt|Net): TCP asks an {@link ExtentSource} for a
 * segment's bytes only when its usable window opens; each such <em>unit</em> is queued here, and once per loop
 * iteration {@link #runBatch()} submits the reads of every connection's units, oldest first, in one batch, as long
 * as the file bytes between submission and transmission stay within the budget. A read goes straight into the
 * frame TCP reserved when the port's buffers take a DMA read and the disk's alignment allows, else into a slot of
 * the staging area and is copied; TLS records are sealed in the frame (or, for a record that straddles segments,
 * in the slot). The completion, polled by the same loop through the {@link DiskReader}, hands the frame to TCP
 * ({@link ProduceCompletion#produced}), which sends it; the budget is returned then. A failed read fails the unit:
 * TCP resets that connection alone; so does a file changed before a range of it is read again ({@link ReReadGuard}).
 *
 * <p>Owned by the loop's thread; fixed tables, no allocation per unit; sources are pooled.
 */
public final class DiskSendPath implements DiskReader.Callback, AutoCloseable {

    private static final InternalLogger LOG = InternalLoggerFactory.getInstance(DiskSendPath.class);

    /** Units that may wait or be read at once (as many as TCP can have pending productions): also the largest batch. */
    public static final int MAX_UNITS = 4096;
    private static final int MAX_PIECES = 4 * MAX_UNITS;

    private static final int PLAIN_DIRECT = 0;   // file bytes read into the frame
    private static final int PLAIN_STAGED = 1;   // read into a slot, copied into the frame
    private static final int RECORD_DIRECT = 2;  // a whole record's plaintext read into the frame, sealed there
    private static final int RECORD_STAGED = 3;  // a whole record read into a slot, copied into the frame, sealed there
    private static final int RECORD_PART = 4;    // a record sealed in a slot, the part the segment carries copied
    private static final int CACHED_PART = 5;    // the part copied from a record already sealed in a slot
    private static final int WINDOW = 6;         // bytes copied from the source's read window (records sealed after)

    private static final int NO_WINDOW = -1;
    private static final int NEW_WINDOW = -2;    // a window the plan reads (counting)
    /** Waiting units looked through for the run a new window covers. */
    private static final int RUN_SCAN = 64;

    private final DiskReader reader;
    private final DiskQueue queue;
    private final DiskSendConfig config;
    private final DiskSendCounters counters = new DiskSendCounters();
    private final StagingArea slots;
    private final MemorySegment staging;
    /** Read windows, or null when every unit is read on its own ({@link DiskSendConfig#READ_AHEAD_OFF}). */
    private final ReadAheadWindows windows;
    private final DiskReader.Callback windowRead = this::windowComplete;
    /** Sources between {@link #plain}/{@link #sealed} and their recycling: the budget's share of each for read-ahead. */
    private int liveSources;

    // units: one per produce call
    private final ExtentSource[] unitSource = new ExtentSource[MAX_UNITS];
    private final long[] unitPosition = new long[MAX_UNITS];
    private final int[] unitLength = new int[MAX_UNITS];
    private final MemorySegment[] unitDst = new MemorySegment[MAX_UNITS];
    private final long[] unitDstOffset = new long[MAX_UNITS];
    private final ProduceCompletion[] unitCompletion = new ProduceCompletion[MAX_UNITS];
    private final long[] unitTicket = new long[MAX_UNITS];
    private final long[] unitReRead = new long[MAX_UNITS];
    /** The unit reads bytes (or a TLS record) produced before: its file must be unchanged ({@link ReReadGuard}). */
    private final boolean[] unitCheck = new boolean[MAX_UNITS];
    private final long[] unitCost = new long[MAX_UNITS];
    private final int[] unitOutstanding = new int[MAX_UNITS];
    private final boolean[] unitFailed = new boolean[MAX_UNITS];
    private final int[] unitFirstPiece = new int[MAX_UNITS];
    private final int[] freeUnits = new int[MAX_UNITS];
    private int freeUnitCount;
    private final int[] waiting = new int[MAX_UNITS];
    private int waitingHead;
    private int waitingCount;

    // pieces: one disk read each
    private final int[] pieceUnit = new int[MAX_PIECES];
    private final int[] pieceKind = new int[MAX_PIECES];
    private final long[] pieceFileOffset = new long[MAX_PIECES];
    private final int[] pieceLength = new int[MAX_PIECES];
    /** Where bytes go in the frame: PLAIN_*: the bytes; RECORD_DIRECT/STAGED: the record; RECORD_PART: the part. */
    private final long[] pieceDstOffset = new long[MAX_PIECES];
    private final int[] pieceSlot = new int[MAX_PIECES];
    /** Budget bytes the piece's read charged (its covering blocks). */
    private final long[] pieceCost = new long[MAX_PIECES];
    /** Staging offset of the piece's first file byte. */
    private final long[] pieceStaged = new long[MAX_PIECES];
    private final long[] pieceSequence = new long[MAX_PIECES];
    private final int[] piecePartFrom = new int[MAX_PIECES];
    private final int[] piecePartLength = new int[MAX_PIECES];
    private final int[] pieceNext = new int[MAX_PIECES];
    /** WINDOW: the window read from, the next piece waiting for its read, and the record to seal once all is in. */
    private final int[] pieceWindow = new int[MAX_PIECES];
    private final int[] pieceWaitNext = new int[MAX_PIECES];
    private final long[] pieceSealAt = new long[MAX_PIECES];
    private final int[] pieceSealPlain = new int[MAX_PIECES];
    private final int[] freePieces = new int[MAX_PIECES];
    private int freePieceCount;

    // a plan under construction (planning counts; issuing fills pieces)
    private boolean issuing;
    private int planUnit;
    private int planPieces;
    private int planEntries;
    private int planSlots;
    private int planReads;
    private boolean planWait;
    private int planHit;
    private long planRecord;
    private long planStamp;
    private long planCost;
    private String planRefusal;
    private int planLastPiece;
    // the source's current window as the plan sees it
    private int planWindow;
    private long planWindowFrom;
    private long planWindowTo;
    private long planWindowStamp;
    private int planWindows;
    private long planWindowCost;
    /** Where the waiting units behind the planned one start in the ring, and how many there are. */
    private int planQueueNext;
    private int planQueueRemaining;

    private final SourcePool pool = new SourcePool(this);
    private final ReReadGuard guard;

    public DiskSendPath(DiskReader reader, DiskSendConfig config) {
        this.reader = reader;
        this.queue = reader.queue();
        this.config = config;
        this.slots = new StagingArea(config.stagingSlots(), config.stagingSlotBytes());
        this.staging = slots.memory;
        this.guard = new ReReadGuard(queue, counters);
        this.windows = config.windows() ? new ReadAheadWindows(config.windowSlots(), DiskSendConfig.WINDOW_BYTES) : null;
        for (int i = 0; i < MAX_UNITS; i++) {
            freeUnits[freeUnitCount++] = MAX_UNITS - 1 - i;
        }
        for (int i = 0; i < MAX_PIECES; i++) {
            freePieces[freePieceCount++] = MAX_PIECES - 1 - i;
        }
    }

    public DiskSendCounters counters() {
        return counters;
    }

    public DiskSendConfig config() {
        return config;
    }

    /** Units queued for the next batch. */
    public int waitingUnits() {
        return waitingCount;
    }

    /** Units read and not yet completed. */
    public int unitsInFlight() {
        return MAX_UNITS - freeUnitCount - waitingCount;
    }

    // ------------------------------------------------------------------------------------------ sources

    /**
     * A source for bytes {@code [position, position + length)} of {@code file}, sent as they are. {@code owner}
     * (the region the bytes belong to) is released when TCP is done with the source and its last read completed.
     */
    public PlainExtentSource plain(DiskFile file, long position, long length, ReferenceCounted owner) {
        PlainExtentSource s = pool.plain();
        s.init(file, position, length, owner);
        liveSources++;
        return s;
    }

    /**
     * A source for the plaintext bytes {@code [position, position + layout.length())} of {@code file}, sent as the
     * TLS records {@code layout} describes, record {@code k} sealed by {@code protection} with sequence number
     * {@code firstSequence + k}. Takes over one reference of {@code protection}.
     */
    public SealedExtentSource sealed(DiskFile file, long position, RecordProtection protection, RecordLayout layout,
                                     long firstSequence, ReferenceCounted owner) {
        if (layout.overhead() != protection.overhead()) {
            throw new IllegalArgumentException("layout overhead " + layout.overhead() + " is not the protection's "
                    + protection.overhead());
        }
        SealedExtentSource s = pool.sealed();
        s.init(file, position, layout.wireLength(), owner);
        s.initRecords(protection, layout, firstSequence);
        liveSources++;
        return s;
    }

    void recycle(ExtentSource s) {
        counters.budgetInUse -= slots.dropAll(s);
        if (windows != null) {
            counters.budgetInUse -= windows.retire(s);
        }
        liveSources--;
        ReferenceCounted owner = s.owner;
        s.owner = null;
        s.file = null;
        s.clear();
        if (owner != null) {
            owner.release();
        }
        pool.give(s);
    }

    // ------------------------------------------------------------------------------------------ units

    /** A source's {@link SendSource#produce}: queues the unit for the next batch. */
    int enqueue(ExtentSource s, long position, int length, MemorySegment dst, long dstOffset,
                ProduceCompletion completion, long ticket) {
        if (ticket < 0 || freeUnitCount == 0 || !dst.isNative()) {
            counters.refusedUnits++; // TCP cannot wait for this one: the connection is reset, the others go on
            return SendSource.FAILED;
        }
        int u = freeUnits[--freeUnitCount];
        unitSource[u] = s;
        unitPosition[u] = position;
        unitLength[u] = length;
        unitDst[u] = dst;
        unitDstOffset[u] = dstOffset;
        unitCompletion[u] = completion;
        unitTicket[u] = ticket;
        unitReRead[u] = position < s.producedEnd ? Math.min(position + length, s.producedEnd) - position : 0;
        unitCheck[u] = s.unitBoundary(position) < s.producedEnd; // a record's start: part of it may have gone
        unitFailed[u] = false;
        unitFirstPiece[u] = -1;
        s.producedEnd = Math.max(s.producedEnd, position + length);
        s.unitsOutstanding++;
        waiting[(waitingHead + waitingCount) & (MAX_UNITS - 1)] = u;
        waitingCount++;
        return SendSource.PENDING;
    }

    /**
     * Submits the reads of waiting units, oldest first, until the budget, the batch size, the staging area or the
     * disk queue says stop; one submission for all. Call once per loop iteration, after TCP's output.
     *
     * @return the units read
     */
    public int runBatch() {
        counters.batches++;
        int reads = 0;
        long bytes = 0;
        while (waitingCount > 0 && reads < config.maxReadsPerBatch()) {
            int u = waiting[waitingHead];
            planQueueNext = (waitingHead + 1) & (MAX_UNITS - 1);
            planQueueRemaining = waitingCount - 1;
            plan(u, false);
            if (planWait) {
                break; // a record this unit needs is being read into a slot for an earlier unit: next iteration
            }
            if (planRefusal == null && (planEntries > queue.depth() || planSlots > slots.slots()
                    || planPieces > MAX_PIECES)) {
                planRefusal = "needs " + planEntries + " disk queue entries and " + planSlots
                        + " staging slots, more than there are";
            }
            if (planRefusal != null) {
                dequeue();
                LOG.warn("disk send path: unit of {} bytes at {} of {} refused: {}", unitLength[u], unitPosition[u],
                        unitSource[u].file, planRefusal);
                counters.refusedUnits++;
                unitFailed[u] = true;
                finish(u);
                continue;
            }
            makeRoom();
            boolean alone = counters.budgetInUse == 0;
            if (counters.budgetInUse + planCost > config.budgetBytes() && !alone) {
                counters.batchesBoundByBudget++;
                break;
            }
            if (planSlots > slots.freeSlots() || planWindows > (windows == null ? 0 : windows.freeSlots())
                    || planPieces > freePieceCount
                    || planEntries > queue.depth() - queue.inFlight()
                    || planPieces > queue.depth() - reader.inFlight()) {
                break; // the next completions make room
            }
            dequeue();
            if (guard.refuse(unitSource[u], unitCheck[u] && planReads > 0)) {
                unitFailed[u] = true;
                finish(u); // nothing read, nothing sealed: TCP resets the connection
                continue;
            }
            if (counters.budgetInUse + planCost > config.budgetBytes()) {
                counters.oversizeAdmissions++;
            }
            counters.budgetInUse += planCost;
            counters.budgetHighWater = Math.max(counters.budgetHighWater, counters.budgetInUse);
            unitCost[u] = planCost - planWindowCost; // a window's bytes stay charged until the window is freed
            if (planReads > 0) {
                if (unitReRead[u] > 0) {
                    counters.diskReReads++;
                    counters.reReadBytes += unitReRead[u];
                }
                counters.diskReads++;
                reads++;
            }
            bytes += planCost;
            planQueueNext = waitingHead;
            planQueueRemaining = waitingCount;
            plan(u, true);
            if (unitOutstanding[u] == 0) {
                finish(u); // all of it from cached records, or every read refused on the spot
            }
        }
        if (reads > 0) {
            try {
                reader.flush();
            } catch (IOException e) {
                LOG.warn("disk send path: submitting reads failed; they go with the next batch", e);
            }
        }
        counters.lastBatchReads = reads;
        counters.lastBatchBytes = bytes;
        return reads;
    }

    /** Cached records, then idle read windows, give way to reads: for staging slots, windows and budget. */
    private void makeRoom() {
        while (true) {
            boolean needSlots = slots.freeSlots() < planSlots;
            boolean needWindows = windows != null && windows.freeSlots() < planWindows;
            boolean needBudget = counters.budgetInUse + planCost > config.budgetBytes();
            long freed = -1;
            if (needSlots || needBudget) {
                freed = slots.evictOne(planStamp);
                if (freed >= 0) {
                    counters.cacheEvictions++;
                }
            }
            if (freed < 0 && (needWindows || needBudget) && windows != null) {
                freed = windows.evictOne(planWindowStamp);
                if (freed >= 0) {
                    counters.windowEvictions++;
                }
            }
            if (freed < 0) {
                return;
            }
            counters.budgetInUse -= freed;
        }
    }

    private void dequeue() {
        waitingHead = (waitingHead + 1) & (MAX_UNITS - 1);
        waitingCount--;
    }

    // ------------------------------------------------------------------------------------------ planning

    /** Counts (issue false) or creates and submits (issue true) the reads of unit {@code u}. */
    private void plan(int u, boolean issue) {
        issuing = issue;
        planUnit = u;
        planPieces = 0;
        planEntries = 0;
        planSlots = 0;
        planReads = 0;
        planWait = false;
        planStamp = slots.now() + 1;
        planCost = 0;
        planRefusal = null;
        planLastPiece = -1;
        unitOutstanding[u] = 0;
        ExtentSource s = unitSource[u];
        planWindows = 0;
        planWindowCost = 0;
        planWindow = s.window;
        if (windows != null) {
            planWindowStamp = windows.now() + 1;
            if (planWindow >= 0) {
                planWindowFrom = windows.from(planWindow);
                planWindowTo = windows.to(planWindow);
                if (!issue) {
                    windows.touch(planWindow); // whatever the plan does with it, it is not evicted under it
                }
            }
        }
        if (s instanceof SealedExtentSource sealed) {
            planRecords(u, sealed);
        } else {
            planPlain(u, s);
        }
    }

    private void planPlain(int u, ExtentSource s) {
        DiskFile file = s.file;
        long fo = s.filePosition + unitPosition[u];
        int n = unitLength[u];
        long dstOff = unitDstOffset[u];
        if (windowed(u, s, fo, n, dstOff, -1, 0, 0)) {
            return;
        }
        if (direct(file, fo, n, unitDst[u], dstOff)) {
            piece(PLAIN_DIRECT, file, fo, n, dstOff, 0, 0, 0);
            return;
        }
        int chunk = config.stagingSlotBytes() - 2 * file.blockSize() - 64;
        if (chunk <= 0) {
            planRefusal = file.blockSize() + "-byte blocks do not fit a staging slot";
            return;
        }
        for (int done = 0; done < n; ) {
            int k = Math.min(chunk, n - done);
            piece(PLAIN_STAGED, file, fo + done, k, dstOff + done, 0, 0, 0);
            done += k;
        }
    }

    private void planRecords(int u, SealedExtentSource s) {
        DiskFile file = s.file;
        RecordLayout layout = s.layout;
        int overhead = layout.overhead();
        int header = s.protection.headerLength();
        long p = unitPosition[u];
        long end = p + unitLength[u];
        long dstOff = unitDstOffset[u];
        for (long k = layout.recordOfWire(p); k < layout.records(); k++) {
            long recordStart = layout.wireOffset(k);
            if (recordStart >= end) {
                break;
            }
            int plain = layout.plaintextLength(k);
            long recordEnd = recordStart + plain + overhead;
            long fo = s.filePosition + layout.plaintextOffset(k);
            long seq = s.firstSequence + k;
            long from = Math.max(p, recordStart);
            long to = Math.min(end, recordEnd);
            if (from == recordStart && to == recordEnd) {
                long recordDst = dstOff + (recordStart - p);
                if (windowed(u, s, fo, plain, recordDst + header, recordDst, plain, seq)) {
                    continue;
                }
                boolean direct = direct(file, fo, plain, unitDst[u], recordDst + header);
                piece(direct ? RECORD_DIRECT : RECORD_STAGED, file, fo, plain, recordDst, seq, 0, 0);
            } else {
                int hit = slots.find(s, k);
                if (hit >= 0 && !slots.ready(hit)) {
                    planWait = true;
                    return;
                }
                if (hit >= 0) {
                    slots.touch(hit);
                }
                planHit = hit;
                planRecord = k;
                piece(hit >= 0 ? CACHED_PART : RECORD_PART, file, fo, plain, dstOff + (from - p), seq,
                        (int) (from - recordStart), (int) (to - from));
            }
        }
    }

    /** Whether the whole-block middle of a read can go straight into the frame, by port and by alignment. */
    private boolean direct(DiskFile file, long fo, int n, MemorySegment dst, long dstOff) {
        if (!config.directIntoFrames() || file.blockSize() > DiskReader.MAX_BOUNCE_BLOCK) {
            return false;
        }
        boolean middle = file.alignDown(fo + n) > file.alignUp(fo);
        return !middle || DiskReader.directAligned(file, fo, dst, dstOff);
    }

    private void piece(int kind, DiskFile file, long fo, int n, long dstOffset, long seq, int partFrom, int partLength) {
        if (kind == CACHED_PART) {
            if (issuing) {
                copyCachedPart(planHit, partFrom, partLength, dstOffset);
            }
            return;
        }
        long covering = file.alignUp(fo + n) - file.alignDown(fo);
        boolean staged = kind == PLAIN_STAGED || kind == RECORD_STAGED || kind == RECORD_PART;
        int pad = kind == RECORD_PART ? roundUp(RecordProtection.HEADER + 8, file.memoryAlignment()) : 0;
        int trailerRoom = kind == PLAIN_STAGED ? 0 : 32;
        if (staged && pad + covering + trailerRoom > config.stagingSlotBytes()) {
            planRefusal = "a read of " + covering + " bytes does not fit a staging slot of " + config.stagingSlotBytes();
            return;
        }
        planPieces++;
        planReads++;
        planEntries += staged ? 1 : 3;
        planSlots += staged ? 1 : 0;
        planCost += covering;
        if (!issuing) {
            return;
        }
        int u = planUnit;
        int pc = newPiece(kind, fo, n, dstOffset, seq);
        piecePartFrom[pc] = partFrom;
        piecePartLength[pc] = partLength;
        pieceCost[pc] = covering;
        boolean queued;
        try {
            if (staged) {
                int slot = slots.take();
                pieceSlot[pc] = slot;
                if (kind == RECORD_PART) {
                    slots.reading(slot, unitSource[u], planRecord);
                }
                long aligned = file.alignDown(fo);
                long slotBase = slots.base(slot) + pad;
                pieceStaged[pc] = slotBase + (fo - aligned);
                queued = reader.readCovering(file, aligned, (int) covering, staging, slotBase, (int) (fo + n - aligned),
                        this, pc);
            } else {
                long target = kind == RECORD_DIRECT
                        ? dstOffset + ((SealedExtentSource) unitSource[u]).protection.headerLength() : dstOffset;
                queued = reader.readExact(file, fo, n, unitDst[u], target, this, pc);
            }
        } catch (RuntimeException e) {
            LOG.debug("disk send path: read of {} refused", file, e);
            queued = false;
        }
        if (queued) {
            unitOutstanding[u]++;
        } else {
            unitFailed[u] = true;
        }
    }

    /** A piece of the planned unit, last in its chain. */
    private int newPiece(int kind, long fo, int n, long dstOffset, long seq) {
        int pc = freePieces[--freePieceCount];
        pieceUnit[pc] = planUnit;
        pieceKind[pc] = kind;
        pieceFileOffset[pc] = fo;
        pieceLength[pc] = n;
        pieceDstOffset[pc] = dstOffset;
        pieceSequence[pc] = seq;
        pieceNext[pc] = -1;
        pieceSlot[pc] = -1;
        pieceCost[pc] = 0;
        pieceSealAt[pc] = -1;
        if (planLastPiece < 0) {
            unitFirstPiece[planUnit] = pc;
        } else {
            pieceNext[planLastPiece] = pc;
        }
        planLastPiece = pc;
        return pc;
    }

    // ------------------------------------------------------------------------------------------ read windows

    /**
     * Plans file bytes [fo, fo + n) of unit {@code u} (for the frame at {@code dstOff}) through its source's read
     * window, opening a new one where the current one ends; a record whose plaintext they are ({@code sealAt} its
     * frame offset, else -1) is sealed once the unit is whole. False: read them on their own, as without windows:
     * a retransmission (read again from disk, as the paper does, after the {@link ReReadGuard} check, even if a
     * window still holds the bytes), and bytes behind the current window.
     */
    private boolean windowed(int u, ExtentSource s, long fo, int n, long dstOff, long sealAt, int plain, long seq) {
        if (windows == null || unitReRead[u] > 0 || (planWindow != NO_WINDOW && fo < planWindowFrom)
                || s.file.blockSize() > DiskSendConfig.WINDOW_BYTES / 4) {
            return false;
        }
        long end = fo + n;
        boolean first = true;
        for (long x = fo; x < end; ) {
            if (planWindow == NO_WINDOW || x >= planWindowTo) {
                if (!openWindow(u, s, x, end)) {
                    unitFailed[u] = true; // nothing queued for the rest: TCP resets the connection
                    return true;
                }
            }
            long y = Math.min(end, planWindowTo);
            windowPiece(u, x, (int) (y - x), dstOff + (x - fo), first ? sealAt : -1, plain, seq);
            first = false;
            x = y;
        }
        return true;
    }

    /**
     * Reads a new window for the source from the block holding {@code x}: over the run of units TCP asked for at
     * once (this one to {@code end}, and the same connection's contiguous units waiting behind it), plus the
     * read-ahead, within the extent and one slot.
     */
    private boolean openWindow(int u, ExtentSource s, long x, long end) {
        DiskFile file = s.file;
        long from = file.alignDown(x);
        long want = Math.max(end, runEnd(u, s)) + readAhead();
        // the whole last block is read anyway: it holds the start of the next run
        long to = Math.min(s.fileEndOf(s.length), Math.min(file.alignUp(want), from + DiskSendConfig.WINDOW_BYTES));
        long length = file.alignUp(to) - from;
        planWindows++;
        planEntries++;
        planReads++;
        planCost += length;
        planWindowCost += length;
        planWindowFrom = from;
        planWindowTo = to;
        if (!issuing) {
            planWindow = NEW_WINDOW;
            return true;
        }
        counters.budgetInUse -= windows.retire(s);
        int w = windows.open(s, from, to, length);
        s.window = w;
        planWindow = w;
        boolean queued;
        try {
            queued = reader.readCovering(file, from, (int) length, windows.memory, windows.offsetOf(w, from),
                    (int) (to - from), windowRead, w);
        } catch (RuntimeException e) {
            LOG.debug("disk send path: window read of {} refused", file, e);
            queued = false;
        }
        if (!queued) {
            counters.budgetInUse -= windows.retire(s);
            planWindow = NO_WINDOW;
            return false;
        }
        counters.windowReads++;
        counters.windowBytesRead += length;
        return true;
    }

    /** Where the run of units of {@code s} starting with {@code u} ends, as a file offset. */
    private long runEnd(int u, ExtentSource s) {
        long end = unitPosition[u] + unitLength[u];
        int index = planQueueNext;
        for (int i = 0; i < Math.min(RUN_SCAN, planQueueRemaining); i++) {
            int v = waiting[index];
            index = (index + 1) & (MAX_UNITS - 1);
            if (unitSource[v] != s) {
                continue; // another connection's units, queued in between
            }
            if (unitPosition[v] != end) {
                break;
            }
            end += unitLength[v];
        }
        return s.fileEndOf(end);
    }

    /** Read-ahead beyond the run: the configured bytes, or the budget's share per sending connection if less. */
    private long readAhead() {
        int bytes = config.readAheadBytes();
        return bytes <= 0 ? 0 : Math.min(bytes, config.budgetBytes() / Math.max(1, liveSources));
    }

    private void windowPiece(int u, long fo, int n, long dstOffset, long sealAt, int plain, long seq) {
        planPieces++;
        if (!issuing) {
            return;
        }
        int w = planWindow;
        int pc = newPiece(WINDOW, fo, n, dstOffset, seq);
        pieceWindow[pc] = w;
        pieceSealAt[pc] = sealAt;
        pieceSealPlain[pc] = plain;
        if (windows.ready(w)) {
            windows.touch(w);
            copyFromWindow(pc, u);
        } else {
            pieceWaitNext[pc] = windows.addWaiter(w, pc);
            unitOutstanding[u]++;
        }
    }

    private void copyFromWindow(int pc, int u) {
        int n = pieceLength[pc];
        MemorySegment.copy(windows.memory, windows.offsetOf(pieceWindow[pc], pieceFileOffset[pc]), unitDst[u],
                pieceDstOffset[pc], n);
        counters.cpuCopiedBytes += n;
        counters.windowBytesServed += n;
    }

    /** A window's read completed: its waiting pieces are copied (or failed), then their units finish if whole. */
    private void windowComplete(long cookie, int result) {
        int w = (int) cookie;
        boolean read = result >= 0;
        int head = inArrivalOrder(windows.takeWaiters(w, read));
        int done = 0;
        for (int pc = head; pc >= 0; pc = pieceWaitNext[pc]) {
            int u = pieceUnit[pc];
            if (!read) {
                failed(u, pieceFileOffset[pc], result);
            } else if (!unitFailed[u] && !guard.refuse(unitSource[u], unitCheck[u])) {
                copyFromWindow(pc, u);
            } else {
                unitFailed[u] = true;
            }
            done++;
        }
        counters.budgetInUse -= windows.settle(w, done); // before the units finish: one may recycle the source
        for (int pc = head; pc >= 0; ) {
            int next = pieceWaitNext[pc];
            int u = pieceUnit[pc];
            if (--unitOutstanding[u] == 0) {
                finish(u);
            }
            pc = next;
        }
    }

    /** Reverses a chain of waiters (linked newest first), so that TCP gets its frames in the order it asked. */
    private int inArrivalOrder(int head) {
        int reversed = -1;
        while (head >= 0) {
            int next = pieceWaitNext[head];
            pieceWaitNext[head] = reversed;
            reversed = head;
            head = next;
        }
        return reversed;
    }

    /** A part of a record already sealed in {@code slot}: copied into the frame now, no read. */
    private void copyCachedPart(int slot, int partFrom, int partLength, long dstOffset) {
        MemorySegment.copy(staging, slots.recordStart(slot) + partFrom, unitDst[planUnit], dstOffset, partLength);
        counters.cpuCopiedBytes += partLength;
        counters.cacheHits++;
        if (partFrom + partLength >= slots.recordWire(slot)) {
            counters.budgetInUse -= slots.release(slot); // its last part: the record is done with
        }
    }

    private static int roundUp(int n, int alignment) {
        return (n + alignment - 1) & -alignment;
    }

    // ------------------------------------------------------------------------------------------ completion

    @Override
    public void readComplete(long cookie, int result) {
        int pc = (int) cookie;
        int u = pieceUnit[pc];
        if (result < 0) {
            failed(u, pieceFileOffset[pc], result);
        } else if (!unitFailed[u] && !guard.refuse(unitSource[u], unitCheck[u])) {
            place(pc, u); // checked again once read: the file may have changed while the read was in flight
        } else {
            unitFailed[u] = true;
        }
        if (--unitOutstanding[u] == 0) {
            finish(u);
        }
    }

    private void failed(int u, long fileOffset, int result) {
        unitFailed[u] = true;
        ExtentSource s = unitSource[u];
        if (!s.failed) {
            s.failed = true; // once per extent: the units in flight behind it fail alike
            LOG.warn("disk send path: reading {} at {} failed ({}): its connection is reset", s.file, fileOffset,
                    org.diskcryptnet.disk.DiskResult.describe(result));
        }
    }

    /** Puts a completed read where it is sent from: seals, copies, counts. */
    private void place(int pc, int u) {
        MemorySegment dst = unitDst[u];
        int n = pieceLength[pc];
        long fo = pieceFileOffset[pc];
        ExtentSource s = unitSource[u];
        switch (pieceKind[pc]) {
            case PLAIN_DIRECT -> counters.cpuCopiedBytes += n - middle(s.file, fo, n);
            case PLAIN_STAGED -> {
                MemorySegment.copy(staging, pieceStaged[pc], dst, pieceDstOffset[pc], n);
                counters.cpuCopiedBytes += n;
            }
            case RECORD_DIRECT, RECORD_STAGED -> {
                SealedExtentSource sealed = (SealedExtentSource) s;
                long record = pieceDstOffset[pc];
                if (pieceKind[pc] == RECORD_STAGED) {
                    MemorySegment.copy(staging, pieceStaged[pc], dst, record + sealed.protection.headerLength(), n);
                    counters.cpuCopiedBytes += n;
                } else {
                    counters.cpuCopiedBytes += n - middle(s.file, fo, n);
                }
                sealed.protection.seal(dst, record, n, ContentType.APPLICATION_DATA, pieceSequence[pc]);
                counters.sealedInPlaceBytes += n;
                countReseal(u);
            }
            default -> {
                SealedExtentSource sealed = (SealedExtentSource) s;
                long record = pieceStaged[pc] - sealed.protection.headerLength();
                sealed.protection.seal(staging, record, n, ContentType.APPLICATION_DATA, pieceSequence[pc]);
                slots.sealed(pieceSlot[pc], record, n + sealed.protection.overhead());
                MemorySegment.copy(staging, record + piecePartFrom[pc], dst, pieceDstOffset[pc], piecePartLength[pc]);
                counters.sealedInStagingBytes += n;
                counters.cpuCopiedBytes += piecePartLength[pc];
                countReseal(u);
            }
        }
    }

    /** A record whose plaintext came from read windows, whole in the frame now: sealed there. */
    private void sealWhole(int u, int pc) {
        SealedExtentSource sealed = (SealedExtentSource) unitSource[u];
        sealed.protection.seal(unitDst[u], pieceSealAt[pc], pieceSealPlain[pc], ContentType.APPLICATION_DATA,
                pieceSequence[pc]);
        counters.sealedInPlaceBytes += pieceSealPlain[pc];
        countReseal(u);
    }

    private void countReseal(int u) {
        if (unitReRead[u] > 0) {
            counters.recordsResealed++;
        }
    }

    private static long middle(DiskFile file, long fo, int n) {
        return Math.max(0, file.alignDown(fo + n) - file.alignUp(fo));
    }

    /** Hands the unit's frame to TCP (sent, or turned into a reset if a read failed) and returns the budget. */
    private void finish(int u) {
        ExtentSource s = unitSource[u];
        ProduceCompletion completion = unitCompletion[u];
        long ticket = unitTicket[u];
        boolean ok = !unitFailed[u];
        for (int pc = unitFirstPiece[u]; pc >= 0; ) {
            int next = pieceNext[pc];
            if (ok && pieceSealAt[pc] >= 0) {
                sealWhole(u, pc);
            }
            int slot = pieceSlot[pc];
            if (slot >= 0) {
                if (ok && pieceKind[pc] == RECORD_PART && !s.released && slots.ready(slot)
                        && piecePartFrom[pc] + piecePartLength[pc] < slots.recordWire(slot)) {
                    slots.keep(slot, pieceCost[pc]); // the segments with the record's other parts copy from here
                    unitCost[u] -= pieceCost[pc];
                } else {
                    slots.give(slot);
                }
            }
            freePieces[freePieceCount++] = pc;
            pc = next;
        }
        if (ok) {
            counters.fileBytesSent += unitLength[u];
        } else if (!s.fileChanged) {
            counters.readFailures++;
        }
        counters.budgetInUse -= unitCost[u];
        unitCost[u] = 0;
        unitSource[u] = null;
        unitDst[u] = null;
        unitCompletion[u] = null;
        freeUnits[freeUnitCount++] = u;
        completion.produced(ticket, ok);
        if (--s.unitsOutstanding == 0 && s.released) {
            recycle(s);
        }
    }

    /** Frees the staging area; call when no read is in flight (the reader drained). */
    @Override
    public void close() {
        if (unitsInFlight() > 0) {
            LOG.warn("disk send path: {} units still reading at close; leaking the staging area", unitsInFlight());
            return;
        }
        slots.close();
        if (windows != null) {
            windows.close();
        }
    }
}
