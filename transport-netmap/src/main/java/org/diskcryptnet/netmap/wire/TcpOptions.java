package org.diskcryptnet.netmap.wire;

import java.lang.foreign.MemorySegment;

/**
 * The TCP options of one segment, parsed into primitive fields (one instance reused per loop), and the writer
 * of the options the stack sends. Kinds (IANA "TCP Option Kind Numbers"): 0 end of list, 1 no-op,
 * 2 MSS (RFC 9293 section 3.7.1), 3 window scale (RFC 7323 section 2), 4 SACK permitted and 5 SACK
 * (RFC 2018), 8 timestamps (RFC 7323 section 3). Others are skipped by their length, as RFC 9293 section 3.1
 * requires.
 */
public final class TcpOptions {

    public static final int KIND_END = 0;
    public static final int KIND_NOP = 1;
    public static final int KIND_MSS = 2;
    public static final int KIND_WINDOW_SCALE = 3;
    public static final int KIND_SACK_PERMITTED = 4;
    public static final int KIND_SACK = 5;
    public static final int KIND_TIMESTAMPS = 8;

    /** At most four SACK blocks fit in 40 bytes of options (RFC 2018 section 3). */
    public static final int MAX_SACK_BLOCKS = 4;
    /** Bytes of a timestamps option as sent, aligned by two no-ops (RFC 7323 appendix A). */
    public static final int TIMESTAMPS_ALIGNED_LENGTH = 12;

    /** MSS option value, or -1 if absent. */
    public int mss;
    /** Window scale shift as received (not yet clamped to 14), or -1 if absent. */
    public int windowScale;
    public boolean sackPermitted;
    public boolean timestamps;
    public int tsVal;
    public int tsEcr;
    public int sackBlocks;
    /** SACK block edges (sequence numbers); block i is [left[i], right[i]). */
    public final int[] sackLeft = new int[MAX_SACK_BLOCKS];
    public final int[] sackRight = new int[MAX_SACK_BLOCKS];

    public void clear() {
        mss = -1;
        windowScale = -1;
        sackPermitted = false;
        timestamps = false;
        tsVal = 0;
        tsEcr = 0;
        sackBlocks = 0;
    }

    /**
     * Parses the option bytes {@code [offset, offset+length)}; false if an option's length is below 2 or runs
     * past the header (RFC 9293 section 3.1 asks the receiver to survive that: the segment is dropped).
     */
    public boolean parse(MemorySegment m, long offset, int length) {
        clear();
        long p = offset;
        long end = offset + length;
        while (p < end) {
            int kind = NetworkOrder.u8(m, p);
            if (kind == KIND_END) {
                return true;
            }
            if (kind == KIND_NOP) {
                p++;
                continue;
            }
            if (p + 1 >= end) {
                return false;
            }
            int len = NetworkOrder.u8(m, p + 1);
            if (len < 2 || p + len > end) {
                return false;
            }
            switch (kind) {
                case KIND_MSS -> {
                    if (len == 4) {
                        mss = NetworkOrder.u16(m, p + 2);
                    }
                }
                case KIND_WINDOW_SCALE -> {
                    if (len == 3) {
                        windowScale = NetworkOrder.u8(m, p + 2);
                    }
                }
                case KIND_SACK_PERMITTED -> {
                    if (len == 2) {
                        sackPermitted = true;
                    }
                }
                case KIND_TIMESTAMPS -> {
                    if (len == 10) {
                        timestamps = true;
                        tsVal = NetworkOrder.u32(m, p + 2);
                        tsEcr = NetworkOrder.u32(m, p + 6);
                    }
                }
                case KIND_SACK -> {
                    int n = (len - 2) / 8;
                    if ((len - 2) % 8 == 0) {
                        n = Math.min(n, MAX_SACK_BLOCKS);
                        for (int i = 0; i < n; i++) {
                            sackLeft[i] = NetworkOrder.u32(m, p + 2 + 8L * i);
                            sackRight[i] = NetworkOrder.u32(m, p + 6 + 8L * i);
                        }
                        sackBlocks = n;
                    }
                }
                default -> {
                    // unknown kinds are skipped by length (RFC 9293 section 3.1, MUST-6)
                }
            }
            p += len;
        }
        return true;
    }

    // ---- writers: each returns the bytes written; the caller pads the total to 4 with writePadding ----

    public static int writeMss(MemorySegment m, long p, int mss) {
        NetworkOrder.u8(m, p, KIND_MSS);
        NetworkOrder.u8(m, p + 1, 4);
        NetworkOrder.u16(m, p + 2, mss);
        return 4;
    }

    /** NOP + window scale, 4 bytes. */
    public static int writeWindowScale(MemorySegment m, long p, int shift) {
        NetworkOrder.u8(m, p, KIND_NOP);
        NetworkOrder.u8(m, p + 1, KIND_WINDOW_SCALE);
        NetworkOrder.u8(m, p + 2, 3);
        NetworkOrder.u8(m, p + 3, shift);
        return 4;
    }

    /** NOP NOP + SACK permitted, 4 bytes (only when timestamps do not follow it). */
    public static int writeSackPermitted(MemorySegment m, long p) {
        NetworkOrder.u8(m, p, KIND_NOP);
        NetworkOrder.u8(m, p + 1, KIND_NOP);
        NetworkOrder.u8(m, p + 2, KIND_SACK_PERMITTED);
        NetworkOrder.u8(m, p + 3, 2);
        return 4;
    }

    /** SACK permitted + timestamps, 12 bytes, the layout Linux sends in SYNs. */
    public static int writeSackPermittedAndTimestamps(MemorySegment m, long p, int tsVal, int tsEcr) {
        NetworkOrder.u8(m, p, KIND_SACK_PERMITTED);
        NetworkOrder.u8(m, p + 1, 2);
        NetworkOrder.u8(m, p + 2, KIND_TIMESTAMPS);
        NetworkOrder.u8(m, p + 3, 10);
        NetworkOrder.u32(m, p + 4, tsVal);
        NetworkOrder.u32(m, p + 8, tsEcr);
        return 12;
    }

    /** NOP NOP + timestamps, 12 bytes (RFC 7323 appendix A). */
    public static int writeTimestamps(MemorySegment m, long p, int tsVal, int tsEcr) {
        NetworkOrder.u8(m, p, KIND_NOP);
        NetworkOrder.u8(m, p + 1, KIND_NOP);
        NetworkOrder.u8(m, p + 2, KIND_TIMESTAMPS);
        NetworkOrder.u8(m, p + 3, 10);
        NetworkOrder.u32(m, p + 4, tsVal);
        NetworkOrder.u32(m, p + 8, tsEcr);
        return 12;
    }

    /** NOP NOP + SACK with {@code n} blocks, 4 + 8n bytes. */
    public static int writeSack(MemorySegment m, long p, int[] left, int[] right, int n) {
        NetworkOrder.u8(m, p, KIND_NOP);
        NetworkOrder.u8(m, p + 1, KIND_NOP);
        NetworkOrder.u8(m, p + 2, KIND_SACK);
        NetworkOrder.u8(m, p + 3, 2 + 8 * n);
        for (int i = 0; i < n; i++) {
            NetworkOrder.u32(m, p + 4 + 8L * i, left[i]);
            NetworkOrder.u32(m, p + 8 + 8L * i, right[i]);
        }
        return 4 + 8 * n;
    }
}
