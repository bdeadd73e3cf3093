package org.diskcryptnet.netmap.datapath;

/**
 * The plan of one unit's reads, made twice: first counting what the unit needs (queue entries, staging slots, read
 * windows, budget) so that the batch can decide whether it fits, then issuing, which creates the pieces and submits
 * the reads. Reset for each unit; owned by the loop's thread.
 */
final class ReadPlan {

    static final int NO_WINDOW = -1;
    /** A window the plan reads (when counting: it does not exist yet). */
    static final int NEW_WINDOW = -2;

    private final SendUnits units;
    private final ReadPieces pieces;

    /** Counting (false) or issuing (true). */
    boolean issuing;
    int unit;
    /** The index among the waiting units of the first one behind the planned unit. */
    int behind;
    int pieceCount;
    int entries;
    int slots;
    int windows;
    int reads;
    long cost;
    /** Of {@link #cost}, what new read windows are charged: they hold it past the unit. */
    long windowCost;
    /** A record the unit needs is being read into a slot for an earlier unit: the batch waits for it. */
    boolean wait;
    /** Why the unit cannot be read at all, or null. */
    String refusal;
    /** Staging slots and windows used since these stamps are not evicted for this plan. */
    long stamp;
    long windowStamp;
    /** CACHED_PART: the slot that holds the sealed record, and the record. */
    int hit;
    long record;
    int lastPiece;
    /** The source's current window as the plan sees it, and its file range. */
    int window;
    long windowFrom;
    long windowTo;

    ReadPlan(SendUnits units, ReadPieces pieces) {
        this.units = units;
        this.pieces = pieces;
    }

    void start(int u, boolean issue, long stamp, long windowStamp) {
        this.issuing = issue;
        this.unit = u;
        this.pieceCount = 0;
        this.entries = 0;
        this.slots = 0;
        this.windows = 0;
        this.reads = 0;
        this.cost = 0;
        this.windowCost = 0;
        this.wait = false;
        this.refusal = null;
        this.stamp = stamp;
        this.windowStamp = windowStamp;
        this.lastPiece = -1;
        this.window = NO_WINDOW;
        units.outstanding[u] = 0;
    }

    /** A piece of the planned unit (issuing), last in its chain. */
    int newPiece(int kind, long fo, int n, long dstOffset, long seq) {
        int pc = pieces.take();
        pieces.unit[pc] = unit;
        pieces.kind[pc] = kind;
        pieces.fileOffset[pc] = fo;
        pieces.length[pc] = n;
        pieces.dstOffset[pc] = dstOffset;
        pieces.sequence[pc] = seq;
        pieces.next[pc] = -1;
        pieces.slot[pc] = -1;
        pieces.cost[pc] = 0;
        pieces.sealAt[pc] = -1;
        if (lastPiece < 0) {
            units.firstPiece[unit] = pc;
        } else {
            pieces.next[lastPiece] = pc;
        }
        lastPiece = pc;
        return pc;
    }
}
