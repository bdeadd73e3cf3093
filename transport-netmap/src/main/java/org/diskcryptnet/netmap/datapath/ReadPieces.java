package org.diskcryptnet.netmap.datapath;

/**
 * The send path's pieces: each is one disk read of a unit, or one copy out of a read window, chained per unit.
 * Fixed parallel arrays indexed by piece and a free list, as {@link SendUnits}.
 */
final class ReadPieces {

    static final int MAX = 4 * SendUnits.MAX;

    // kinds
    static final int PLAIN_DIRECT = 0;   // file bytes read into the frame
    static final int PLAIN_STAGED = 1;   // read into a slot, copied into the frame
    static final int RECORD_DIRECT = 2;  // a whole record's plaintext read into the frame, sealed there
    static final int RECORD_STAGED = 3;  // a whole record read into a slot, copied into the frame, sealed there
    static final int RECORD_PART = 4;    // a record sealed in a slot, the part the segment carries copied
    static final int CACHED_PART = 5;    // the part copied from a record already sealed in a slot
    static final int WINDOW = 6;         // bytes copied from the source's read window (records sealed after)

    final int[] unit = new int[MAX];
    /** What the piece is (one of the kinds above), and which file bytes. */
    final int[] kind = new int[MAX];
    final long[] fileOffset = new long[MAX];
    final int[] length = new int[MAX];
    /** Where bytes go in the frame: the bytes; RECORD_DIRECT/STAGED: the record; RECORD_PART: the part. */
    final long[] dstOffset = new long[MAX];
    /** The staging slot read into, or -1. */
    final int[] slot = new int[MAX];
    /** Budget bytes the piece's read charged (its covering blocks). */
    final long[] cost = new long[MAX];
    /** Staging offset of the piece's first file byte. */
    final long[] staged = new long[MAX];
    final long[] sequence = new long[MAX];
    final int[] partFrom = new int[MAX];
    final int[] partLength = new int[MAX];
    /** The next piece of the same unit, or -1. */
    final int[] next = new int[MAX];
    /** WINDOW: the window read from, the next piece waiting for its read, and the record to seal once all is in. */
    final int[] window = new int[MAX];
    final int[] waitNext = new int[MAX];
    final long[] sealAt = new long[MAX];
    final int[] sealPlain = new int[MAX];

    private final int[] free = new int[MAX];
    private int freeCount;

    ReadPieces() {
        for (int i = 0; i < MAX; i++) {
            free[freeCount++] = MAX - 1 - i;
        }
    }

    int freeCount() {
        return freeCount;
    }

    int take() {
        return free[--freeCount];
    }

    void give(int pc) {
        free[freeCount++] = pc;
    }
}
