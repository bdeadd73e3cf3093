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

import static org.diskcryptnet.netmap.datapath.ReadPieces.CACHED_PART;
import static org.diskcryptnet.netmap.datapath.ReadPieces.PLAIN_DIRECT;
import static org.diskcryptnet.netmap.datapath.ReadPieces.PLAIN_STAGED;
import static org.diskcryptnet.netmap.datapath.ReadPieces.RECORD_DIRECT;
import static org.diskcryptnet.netmap.datapath.ReadPieces.RECORD_PART;
import static org.diskcryptnet.netmap.datapath.ReadPieces.RECORD_STAGED;
import static org.diskcryptnet.netmap.datapath.ReadPieces.WINDOW;

/**
 * One loop's disk-to-wire send path (issue 8, after Disk|Crypt|Net): TCP asks an {@link ExtentSource} for a
 * segment's bytes only when its usable window opens; each such <em>unit</em> is queued here, and once per loop
 * iteration {@link #runBatch()} submits the reads of every connection's units, oldest first, in one batch, as long
 * as the file bytes between submission and transmission stay within the budget. By default a connection's units
 * are copied out of its read window ({@link WindowReads}): one read of the blocks holding the run of units TCP
 * asked for at once, plus read-ahead. Without windows, and for a retransmission, each unit is read on its own:
 * straight into the frame TCP reserved when the port's buffers take a DMA read and the disk's alignment allows, else
 * into a slot of the staging area and copied. TLS records are sealed in the frame (or, for a record that straddles
 * segments, in the slot). The completion, polled by the same loop through the {@link DiskReader}, hands the frame to TCP
 * ({@link ProduceCompletion#produced}), which sends it; the budget is returned then. A failed read fails the unit:
 * TCP resets that connection alone; so does a file changed before a range of it is read again ({@link ReReadGuard}).
 *
 * <p>Owned by the loop's thread; fixed tables, no allocation per unit; sources are pooled.
 */
public final class DiskSendPath implements DiskReader.Callback, AutoCloseable {

    private static final InternalLogger LOG = InternalLoggerFactory.getInstance(DiskSendPath.class);

    /** Units that may wait or be read at once (as many as TCP can have pending productions): also the largest batch. */
    public static final int MAX_UNITS = SendUnits.MAX;

    private final DiskReader reader;
    private final DiskQueue queue;
    private final DiskSendConfig config;
    private final DiskSendCounters counters = new DiskSendCounters();
    private final StagingArea slots;
    private final MemorySegment staging;
    /** Read windows, or null when every unit is read on its own ({@link DiskSendConfig#READ_AHEAD_OFF}). */
    private final ReadAheadWindows windows;
    private final WindowReads windowReads;
    /** Sources between {@link #plain}/{@link #sealed} and their recycling: the budget's share of each for read-ahead. */
    int liveSources;

    private final SendUnits units = new SendUnits();
    private final ReadPieces pieces = new ReadPieces();
    private final ReadPlan plan = new ReadPlan(units, pieces);
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
        this.windowReads = windows == null ? null
                : new WindowReads(this, units, pieces, plan, windows, reader, config, counters, guard);
        // As fixed buffers, reads into the staging area and the windows do not pin their pages each time
        // (get_user_pages and its release were a third of the loop's io_uring time on zram).
        reader.registerBuffers("the disk send path's buffers", readTargets());
    }

    private MemorySegment[] readTargets() {
        return windows == null ? new MemorySegment[] {staging} : new MemorySegment[] {staging, windows.memory};
    }

    public DiskSendCounters counters() {
        return counters;
    }

    public DiskSendConfig config() {
        return config;
    }

    /** Units queued for the next batch. */
    public int waitingUnits() {
        return units.waitingCount();
    }

    /**
     * Whether the units waiting can only go once a read in flight completes: the last batch left units waiting
     * before its read limit, so it stopped at one for the budget, staging slots, read windows, pieces or queue
     * entries (which completions give back), or for a record being read for an earlier unit; and reads are in
     * flight. A loop then need not spin for them: it may sleep until a completion (or a frame, or a timer) wakes it,
     * as for reads in flight alone. Asked after {@link #runBatch} in the same iteration.
     */
    public boolean waitsForReads() {
        return units.waitingCount() > 0 && counters.lastBatchReads < config.maxReadsPerBatch()
                && reader.inFlight() > 0;
    }

    /** Units read and not yet completed. */
    public int unitsInFlight() {
        return units.taken() - units.waitingCount();
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
        if (ticket < 0 || units.full() || !dst.isNative()) {
            counters.refusedUnits++; // TCP cannot wait for this one: the connection is reset, the others go on
            return SendSource.FAILED;
        }
        int u = units.take();
        units.source[u] = s;
        units.position[u] = position;
        units.length[u] = length;
        units.dst[u] = dst;
        units.dstOffset[u] = dstOffset;
        units.completion[u] = completion;
        units.ticket[u] = ticket;
        units.reRead[u] = position < s.producedEnd ? Math.min(position + length, s.producedEnd) - position : 0;
        units.check[u] = s.unitBoundary(position) < s.producedEnd; // a record's start: part of it may have gone
        units.failed[u] = false;
        units.firstPiece[u] = -1;
        s.producedEnd = Math.max(s.producedEnd, position + length);
        s.unitsOutstanding++;
        units.enqueue(u);
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
        while (units.waitingCount() > 0 && reads < config.maxReadsPerBatch()) {
            int u = units.waiting(0);
            plan.behind = 1;
            plan(u, false);
            if (plan.wait) {
                break; // a record this unit needs is being read into a slot for an earlier unit: next iteration
            }
            if (plan.refusal == null && (plan.entries > queue.depth() || plan.slots > slots.slots()
                    || plan.pieceCount > ReadPieces.MAX)) {
                plan.refusal = "needs " + plan.entries + " disk queue entries and " + plan.slots
                        + " staging slots, more than there are";
            }
            if (plan.refusal != null) {
                units.dequeue();
                LOG.warn("disk send path: unit of {} bytes at {} of {} refused: {}", units.length[u], units.position[u],
                        units.source[u].file, plan.refusal);
                counters.refusedUnits++;
                units.failed[u] = true;
                finish(u);
                continue;
            }
            makeRoom();
            boolean alone = counters.budgetInUse == 0;
            if (counters.budgetInUse + plan.cost > config.budgetBytes() && !alone) {
                counters.batchesBoundByBudget++;
                break;
            }
            if (plan.slots > slots.freeSlots() || plan.windows > (windows == null ? 0 : windows.freeSlots())
                    || plan.pieceCount > pieces.freeCount()
                    || plan.entries > queue.depth() - queue.inFlight()
                    || plan.pieceCount > queue.depth() - reader.inFlight()) {
                break; // the next completions make room
            }
            units.dequeue();
            if (guard.refuse(units.source[u], units.check[u] && plan.reads > 0)) {
                units.failed[u] = true;
                finish(u); // nothing read, nothing sealed: TCP resets the connection
                continue;
            }
            if (counters.budgetInUse + plan.cost > config.budgetBytes()) {
                counters.oversizeAdmissions++;
            }
            counters.budgetInUse += plan.cost;
            counters.budgetHighWater = Math.max(counters.budgetHighWater, counters.budgetInUse);
            units.cost[u] = plan.cost - plan.windowCost; // a window's bytes stay charged until the window is freed
            if (plan.reads > 0) {
                if (units.reRead[u] > 0) {
                    counters.diskReReads++;
                    counters.reReadBytes += units.reRead[u];
                }
                counters.diskReads++;
                reads++;
            }
            bytes += plan.cost;
            plan.behind = 0;
            plan(u, true);
            if (units.outstanding[u] == 0) {
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
            boolean needSlots = slots.freeSlots() < plan.slots;
            boolean needWindows = windows != null && windows.freeSlots() < plan.windows;
            boolean needBudget = counters.budgetInUse + plan.cost > config.budgetBytes();
            long freed = -1;
            if (needSlots || needBudget) {
                freed = slots.evictOne(plan.stamp);
                if (freed >= 0) {
                    counters.cacheEvictions++;
                }
            }
            if (freed < 0 && (needWindows || needBudget) && windows != null) {
                freed = windows.evictOne(plan.windowStamp);
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

    // ------------------------------------------------------------------------------------------ planning

    /** Counts (issue false) or creates and submits (issue true) the reads of unit {@code u}. */
    private void plan(int u, boolean issue) {
        ExtentSource s = units.source[u];
        plan.start(u, issue, slots.now() + 1, windows == null ? 0 : windows.now() + 1);
        if (windows != null && s.window >= 0) {
            plan.window = s.window;
            plan.windowFrom = windows.from(s.window);
            plan.windowTo = windows.to(s.window);
            if (!issue) {
                windows.touch(s.window); // whatever the plan does with it, it is not evicted under it
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
        long fo = s.filePosition + units.position[u];
        int n = units.length[u];
        long dstOff = units.dstOffset[u];
        if (windowReads != null && windowReads.windowed(u, s, fo, n, dstOff, -1, 0, 0)) {
            return;
        }
        if (direct(file, fo, n, units.dst[u], dstOff)) {
            piece(PLAIN_DIRECT, file, fo, n, dstOff, 0, 0, 0);
            return;
        }
        int chunk = config.stagingSlotBytes() - 2 * file.blockSize() - 64;
        if (chunk <= 0) {
            plan.refusal = file.blockSize() + "-byte blocks do not fit a staging slot";
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
        long p = units.position[u];
        long end = p + units.length[u];
        long dstOff = units.dstOffset[u];
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
                if (windowReads != null && windowReads.windowed(u, s, fo, plain, recordDst + header, recordDst, plain, seq)) {
                    continue;
                }
                boolean direct = direct(file, fo, plain, units.dst[u], recordDst + header);
                piece(direct ? RECORD_DIRECT : RECORD_STAGED, file, fo, plain, recordDst, seq, 0, 0);
            } else {
                int hit = slots.find(s, k);
                if (hit >= 0 && !slots.ready(hit)) {
                    plan.wait = true;
                    return;
                }
                if (hit >= 0) {
                    slots.touch(hit);
                }
                plan.hit = hit;
                plan.record = k;
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
            if (plan.issuing) {
                copyCachedPart(plan.hit, partFrom, partLength, dstOffset);
            }
            return;
        }
        long covering = file.alignUp(fo + n) - file.alignDown(fo);
        boolean staged = kind == PLAIN_STAGED || kind == RECORD_STAGED || kind == RECORD_PART;
        int pad = kind == RECORD_PART ? roundUp(RecordProtection.HEADER + 8, file.memoryAlignment()) : 0;
        int trailerRoom = kind == PLAIN_STAGED ? 0 : 32; // the tag, or the byte a TLS 1.3 seal borrows from the slot
        if (staged && pad + covering + trailerRoom > config.stagingSlotBytes()) {
            plan.refusal = "a read of " + covering + " bytes does not fit a staging slot of " + config.stagingSlotBytes();
            return;
        }
        plan.pieceCount++;
        plan.reads++;
        plan.entries += staged ? 1 : 3;
        plan.slots += staged ? 1 : 0;
        plan.cost += covering;
        if (!plan.issuing) {
            return;
        }
        int u = plan.unit;
        int pc = plan.newPiece(kind, fo, n, dstOffset, seq);
        pieces.partFrom[pc] = partFrom;
        pieces.partLength[pc] = partLength;
        pieces.cost[pc] = covering;
        boolean queued;
        try {
            if (staged) {
                int slot = slots.take();
                pieces.slot[pc] = slot;
                if (kind == RECORD_PART) {
                    slots.reading(slot, units.source[u], plan.record);
                }
                long aligned = file.alignDown(fo);
                long slotBase = slots.base(slot) + pad;
                pieces.staged[pc] = slotBase + (fo - aligned);
                queued = reader.readCovering(file, aligned, (int) covering, staging, slotBase, (int) (fo + n - aligned),
                        this, pc);
            } else {
                long target = kind == RECORD_DIRECT
                        ? dstOffset + ((SealedExtentSource) units.source[u]).protection.headerLength() : dstOffset;
                queued = reader.readExact(file, fo, n, units.dst[u], target, this, pc);
            }
        } catch (RuntimeException e) {
            LOG.debug("disk send path: read of {} refused", file, e);
            queued = false;
        }
        if (queued) {
            units.outstanding[u]++;
        } else {
            units.failed[u] = true;
        }
    }

    /** A part of a record already sealed in {@code slot}: copied into the frame now, no read. */
    private void copyCachedPart(int slot, int partFrom, int partLength, long dstOffset) {
        MemorySegment.copy(staging, slots.recordStart(slot) + partFrom, units.dst[plan.unit], dstOffset, partLength);
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
        int u = pieces.unit[pc];
        if (result < 0) {
            failed(u, pieces.fileOffset[pc], result);
        } else if (!units.failed[u] && !guard.refuse(units.source[u], units.check[u])) {
            place(pc, u); // checked again once read: the file may have changed while the read was in flight
        } else {
            units.failed[u] = true;
        }
        if (--units.outstanding[u] == 0) {
            finish(u);
        }
    }

    void failed(int u, long fileOffset, int result) {
        units.failed[u] = true;
        ExtentSource s = units.source[u];
        if (!s.failed) {
            s.failed = true; // once per extent: the units in flight behind it fail alike
            LOG.warn("disk send path: reading {} at {} failed ({}): its connection is reset", s.file, fileOffset,
                    org.diskcryptnet.disk.DiskResult.describe(result));
        }
    }

    /** Puts a completed read where it is sent from: seals, copies, counts. */
    private void place(int pc, int u) {
        MemorySegment dst = units.dst[u];
        int n = pieces.length[pc];
        long fo = pieces.fileOffset[pc];
        ExtentSource s = units.source[u];
        switch (pieces.kind[pc]) {
            case PLAIN_DIRECT -> counters.cpuCopiedBytes += n - middle(s.file, fo, n);
            case PLAIN_STAGED -> {
                MemorySegment.copy(staging, pieces.staged[pc], dst, pieces.dstOffset[pc], n);
                counters.cpuCopiedBytes += n;
            }
            case RECORD_DIRECT -> {
                counters.cpuCopiedBytes += n - middle(s.file, fo, n);
                sealInFrame(u, pieces.dstOffset[pc], n, pieces.sequence[pc]);
            }
            case RECORD_STAGED -> sealRecord(u, staging, pieces.staged[pc], pieces.dstOffset[pc], n, pieces.sequence[pc]);
            default -> {
                SealedExtentSource sealed = (SealedExtentSource) s;
                long record = pieces.staged[pc] - sealed.protection.headerLength();
                sealed.protection.seal(staging, record, n, ContentType.APPLICATION_DATA, pieces.sequence[pc]);
                slots.sealed(pieces.slot[pc], record, n + sealed.protection.overhead());
                MemorySegment.copy(staging, record + pieces.partFrom[pc], dst, pieces.dstOffset[pc], pieces.partLength[pc]);
                counters.sealedInStagingBytes += n;
                counters.cpuCopiedBytes += pieces.partLength[pc];
                countReseal(u);
            }
        }
    }

    /**
     * Seals into unit {@code u}'s frame, as the record at {@code recordAt}, the {@code plain} bytes of plaintext at
     * {@code src[from]}: the frame itself (read there), a staging slot or a read window. From elsewhere, the
     * encryption is the one pass that brings the bytes into the frame: no copy first.
     */
    void sealRecord(int u, MemorySegment src, long from, long recordAt, int plain, long seq) {
        ((SealedExtentSource) units.source[u]).protection.seal(src, from, units.dst[u], recordAt, plain,
                ContentType.APPLICATION_DATA, seq);
        counters.sealedInPlaceBytes += plain;
        countReseal(u);
    }

    private void countReseal(int u) {
        if (units.reRead[u] > 0) {
            counters.recordsResealed++;
        }
    }

    /** A record whose plaintext is in the frame already (read there, or copied from two windows): sealed in place. */
    private void sealInFrame(int u, long recordAt, int plain, long seq) {
        long plaintext = recordAt + ((SealedExtentSource) units.source[u]).protection.headerLength();
        sealRecord(u, units.dst[u], plaintext, recordAt, plain, seq);
    }

    private static long middle(DiskFile file, long fo, int n) {
        return Math.max(0, file.alignDown(fo + n) - file.alignUp(fo));
    }

    /** Hands the unit's frame to TCP (sent, or turned into a reset if a read failed) and returns the budget. */
    void finish(int u) {
        ExtentSource s = units.source[u];
        ProduceCompletion completion = units.completion[u];
        long ticket = units.ticket[u];
        boolean ok = !units.failed[u];
        for (int pc = units.firstPiece[u]; pc >= 0; ) {
            int next = pieces.next[pc];
            if (ok && pieces.sealAt[pc] >= 0) {
                sealInFrame(u, pieces.sealAt[pc], pieces.sealPlain[pc], pieces.sequence[pc]);
            }
            int slot = pieces.slot[pc];
            if (slot >= 0) {
                if (ok && pieces.kind[pc] == RECORD_PART && !s.released && slots.ready(slot)
                        && pieces.partFrom[pc] + pieces.partLength[pc] < slots.recordWire(slot)) {
                    slots.keep(slot, pieces.cost[pc]); // the segments with the record's other parts copy from here
                    units.cost[u] -= pieces.cost[pc];
                } else {
                    slots.give(slot);
                }
            }
            pieces.give(pc);
            pc = next;
        }
        if (ok) {
            counters.fileBytesSent += units.length[u];
        } else if (!s.fileChanged) {
            counters.readFailures++;
        }
        counters.budgetInUse -= units.cost[u];
        units.give(u);
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
        queue.unregisterBuffers(readTargets());
        slots.close();
        if (windows != null) {
            windows.close();
        }
    }
}
