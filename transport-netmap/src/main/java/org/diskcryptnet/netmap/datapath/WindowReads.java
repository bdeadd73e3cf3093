package org.diskcryptnet.netmap.datapath;

import java.lang.foreign.MemorySegment;

import io.netty.util.internal.logging.InternalLogger;
import io.netty.util.internal.logging.InternalLoggerFactory;

import org.diskcryptnet.disk.DiskFile;
import org.diskcryptnet.disk.DiskReader;

import static org.diskcryptnet.netmap.datapath.ReadPieces.WINDOW;

/**
 * The send path's reads through read windows ({@link ReadAheadWindows}): plans a unit's bytes as copies out of its
 * source's current window, opening the next window (one disk read for the run of units TCP asked for at once, plus
 * the read-ahead) where the current one ends, and copies into the frames of the pieces that waited for a window's
 * read once it completes. Part of {@link DiskSendPath}, which owns the tables and finishes the units.
 */
final class WindowReads {

    private static final InternalLogger LOG = InternalLoggerFactory.getInstance(WindowReads.class);

    /** Waiting units looked through for the run a new window covers. */
    private static final int RUN_SCAN = 64;

    private final DiskSendPath path;
    private final SendUnits units;
    private final ReadPieces pieces;
    private final ReadPlan plan;
    private final ReadAheadWindows windows;
    private final DiskReader reader;
    private final DiskSendConfig config;
    private final DiskSendCounters counters;
    private final ReReadGuard guard;
    private final DiskReader.Callback windowRead = this::windowComplete;

    WindowReads(DiskSendPath path, SendUnits units, ReadPieces pieces, ReadPlan plan, ReadAheadWindows windows,
                DiskReader reader, DiskSendConfig config, DiskSendCounters counters, ReReadGuard guard) {
        this.path = path;
        this.units = units;
        this.pieces = pieces;
        this.plan = plan;
        this.windows = windows;
        this.reader = reader;
        this.config = config;
        this.counters = counters;
        this.guard = guard;
    }


    /**
     * Plans file bytes [fo, fo + n) of unit {@code u} (for the frame at {@code dstOff}) through its source's read
     * window, opening a new one where the current one ends; a record whose plaintext they are ({@code sealAt} its
     * frame offset, else -1) is sealed once the unit is whole. False: read them on their own, as without windows:
     * a retransmission (read again from disk, as the paper does, after the {@link ReReadGuard} check, even if a
     * window still holds the bytes), and bytes behind the current window.
     */
    boolean windowed(int u, ExtentSource s, long fo, int n, long dstOff, long sealAt, int plain, long seq) {
        if (units.reRead[u] > 0 || (plan.window != ReadPlan.NO_WINDOW && fo < plan.windowFrom)
                || s.file.blockSize() > DiskSendConfig.WINDOW_BYTES / 4) {
            return false;
        }
        long end = fo + n;
        boolean first = true;
        for (long x = fo; x < end; ) {
            if (plan.window == ReadPlan.NO_WINDOW || x >= plan.windowTo) {
                if (!openWindow(u, s, x, end)) {
                    units.failed[u] = true; // nothing queued for the rest: TCP resets the connection
                    return true;
                }
            }
            long y = Math.min(end, plan.windowTo);
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
        long runTo = Math.max(end, runEnd(u, s));
        long want = runTo + readAhead(runTo - from);
        // the whole last block is read anyway: it holds the start of the next run
        long to = Math.min(s.fileEndOf(s.length), Math.min(file.alignUp(want), from + DiskSendConfig.WINDOW_BYTES));
        long length = file.alignUp(to) - from;
        plan.windows++;
        plan.entries++;
        plan.reads++;
        plan.cost += length;
        plan.windowCost += length;
        plan.windowFrom = from;
        plan.windowTo = to;
        if (!plan.issuing) {
            plan.window = ReadPlan.NEW_WINDOW;
            return true;
        }
        counters.budgetInUse -= windows.retire(s);
        int w = windows.open(s, from, to, length);
        s.window = w;
        plan.window = w;
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
            plan.window = ReadPlan.NO_WINDOW;
            return false;
        }
        counters.windowReads++;
        counters.windowBytesRead += length;
        return true;
    }

    /** Where the run of units of {@code s} starting with {@code u} ends, as a file offset. */
    private long runEnd(int u, ExtentSource s) {
        long end = units.position[u] + units.length[u];
        int last = Math.min(units.waitingCount(), plan.behind + RUN_SCAN);
        for (int i = plan.behind; i < last; i++) {
            int v = units.waiting(i);
            if (units.source[v] != s) {
                continue; // another connection's units, queued in between
            }
            if (units.position[v] != end) {
                break;
            }
            end += units.length[v];
        }
        return s.fileEndOf(end);
    }

    /**
     * Read-ahead beyond a run of {@code runBytes}: the configured bytes, or what the budget's share per sending
     * connection leaves beside the run if less. The whole window must fit the share, not only its read-ahead: an
     * idle window is the first thing evicted when a read needs budget, and the read-ahead of an evicted window was
     * read for nothing (at 100 connections, 512 KiB leaves a share of 5 KiB beside runs of one 16 KiB record, and
     * a read-ahead of that share made the path read 1.47 bytes per byte it sent).
     */
    private long readAhead(long runBytes) {
        int bytes = config.readAheadBytes();
        if (bytes <= 0) {
            return 0;
        }
        long share = config.budgetBytes() / Math.max(1, path.liveSources);
        return Math.max(0, Math.min(bytes, share - runBytes));
    }

    private void windowPiece(int u, long fo, int n, long dstOffset, long sealAt, int plain, long seq) {
        plan.pieceCount++;
        if (!plan.issuing) {
            return;
        }
        int w = plan.window;
        int pc = plan.newPiece(WINDOW, fo, n, dstOffset, seq);
        pieces.window[pc] = w;
        pieces.sealAt[pc] = sealAt;
        pieces.sealPlain[pc] = plain;
        if (windows.ready(w)) {
            windows.touch(w);
            copyFromWindow(pc, u);
        } else {
            pieces.waitNext[pc] = windows.addWaiter(w, pc);
            units.outstanding[u]++;
        }
    }

    /**
     * Brings a piece's bytes from its window into the frame: a record whose whole plaintext the piece is, sealed
     * from the window into the frame (the encryption is the copy); anything else copied, and a record of two
     * windows' pieces sealed in the frame once the unit is whole.
     */
    private void copyFromWindow(int pc, int u) {
        int n = pieces.length[pc];
        long from = windows.offsetOf(pieces.window[pc], pieces.fileOffset[pc]);
        if (pieces.sealAt[pc] >= 0 && pieces.sealPlain[pc] == n) {
            path.sealRecord(u, windows.memory, from, pieces.sealAt[pc], n, pieces.sequence[pc]);
            pieces.sealAt[pc] = -1; // sealed: not again when the unit finishes
        } else {
            MemorySegment.copy(windows.memory, from, units.dst[u], pieces.dstOffset[pc], n);
            counters.cpuCopiedBytes += n;
        }
        counters.windowBytesServed += n;
    }

    /** A window's read completed: its waiting pieces are copied (or failed), then their units finish if whole. */
    private void windowComplete(long cookie, int result) {
        int w = (int) cookie;
        boolean read = result >= 0;
        int head = inArrivalOrder(windows.takeWaiters(w, read));
        int done = 0;
        for (int pc = head; pc >= 0; pc = pieces.waitNext[pc]) {
            int u = pieces.unit[pc];
            if (!read) {
                path.failed(u, pieces.fileOffset[pc], result);
            } else if (!units.failed[u] && !guard.refuse(units.source[u], units.check[u])) {
                copyFromWindow(pc, u);
            } else {
                units.failed[u] = true;
            }
            done++;
        }
        counters.budgetInUse -= windows.settle(w, done); // before the units finish: one may recycle the source
        for (int pc = head; pc >= 0; ) {
            int next = pieces.waitNext[pc];
            int u = pieces.unit[pc];
            if (--units.outstanding[u] == 0) {
                path.finish(u);
            }
            pc = next;
        }
    }

    /** Reverses a chain of waiters (linked newest first), so that TCP gets its frames in the order it asked. */
    private int inArrivalOrder(int head) {
        int reversed = -1;
        while (head >= 0) {
            int next = pieces.waitNext[head];
            pieces.waitNext[head] = reversed;
            reversed = head;
            head = next;
        }
        return reversed;
    }
}
