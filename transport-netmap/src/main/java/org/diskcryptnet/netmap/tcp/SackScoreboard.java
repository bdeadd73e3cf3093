package org.diskcryptnet.netmap.tcp;

/**
 * The sender's record of what the peer has SACKed above SND.UNA (RFC 6675 section 3, "scoreboard"): sorted,
 * disjoint ranges of sequence numbers, with the queries of RFC 6675 section 4 (IsLost, the octets counted by
 * SetPipe, the holes NextSeg retransmits). A fixed number of ranges; a new disjoint range past that is ignored,
 * which only delays its retransmission decision.
 */
final class SackScoreboard {

    private final int[] start;
    private final int[] end;
    private int count;

    SackScoreboard(int capacity) {
        start = new int[capacity];
        end = new int[capacity];
    }

    void clear() {
        count = 0;
    }

    int ranges() {
        return count;
    }

    boolean isEmpty() {
        return count == 0;
    }

    int rangeStart(int i) {
        return start[i];
    }

    int rangeEnd(int i) {
        return end[i];
    }

    /** Highest SACKed sequence number + 1, or {@code una} if nothing is SACKed. */
    int highestSacked(int una) {
        return count == 0 ? una : end[count - 1];
    }

    /**
     * Records the SACK block [left, right), clipped to (una, sndMax]; returns the number of octets newly
     * SACKed. Blocks below SND.UNA (D-SACK, RFC 2883) or beyond what was sent are ignored.
     */
    int add(int left, int right, int una, int sndMax) {
        if (SeqNum.lt(left, una)) {
            left = una;
        }
        if (SeqNum.gt(right, sndMax)) {
            right = sndMax;
        }
        if (SeqNum.ge(left, right)) {
            return 0;
        }
        int i = 0;
        while (i < count && SeqNum.lt(end[i], left)) {
            i++;
        }
        int j = i;
        int covered = 0;
        while (j < count && SeqNum.le(start[j], right)) {
            covered += overlap(start[j], end[j], left, right);
            j++;
        }
        if (i == j) {
            if (count == start.length) {
                return 0;
            }
            System.arraycopy(start, i, start, i + 1, count - i);
            System.arraycopy(end, i, end, i + 1, count - i);
            count++;
            start[i] = left;
            end[i] = right;
            return right - left;
        }
        int mergedStart = SeqNum.min(left, start[i]);
        int mergedEnd = SeqNum.max(right, end[j - 1]);
        int removed = j - i - 1;
        if (removed > 0) {
            System.arraycopy(start, j, start, i + 1, count - j);
            System.arraycopy(end, j, end, i + 1, count - j);
            count -= removed;
        }
        start[i] = mergedStart;
        end[i] = mergedEnd;
        return (right - left) - covered;
    }

    private static int overlap(int s1, int e1, int s2, int e2) {
        int s = SeqNum.max(s1, s2);
        int e = SeqNum.min(e1, e2);
        return SeqNum.gt(e, s) ? e - s : 0;
    }

    /** Forgets everything below the new SND.UNA. */
    void advance(int una) {
        int drop = 0;
        while (drop < count && SeqNum.le(end[drop], una)) {
            drop++;
        }
        if (drop > 0) {
            System.arraycopy(start, drop, start, 0, count - drop);
            System.arraycopy(end, drop, end, 0, count - drop);
            count -= drop;
        }
        if (count > 0 && SeqNum.lt(start[0], una)) {
            start[0] = una;
        }
    }

    boolean isSacked(int seq) {
        for (int i = 0; i < count; i++) {
            if (SeqNum.inWindow(seq, start[i], end[i])) {
                return true;
            }
            if (SeqNum.lt(seq, start[i])) {
                return false;
            }
        }
        return false;
    }

    /** SACKed octets in [from, to). */
    long sackedIn(int from, int to) {
        long n = 0;
        for (int i = 0; i < count; i++) {
            n += overlap(start[i], end[i], from, to);
        }
        return n;
    }

    /**
     * RFC 6675 IsLost as a boundary: every un-SACKed octet below the returned sequence number has either
     * {@code dupThresh} discontiguous SACKed segments or more than (DupThresh - 1) * SMSS SACKed octets above
     * it, and no octet at or above it has. {@code una} if nothing is lost.
     */
    int lostEdge(int una, int dupThresh, int smss) {
        long bytes = 0;
        long segments = 0;
        for (int i = count - 1; i >= 0; i--) {
            int len = end[i] - start[i];
            bytes += len;
            segments += (len + smss - 1) / smss;
            if (segments >= dupThresh || bytes > (long) (dupThresh - 1) * smss) {
                return start[i];
            }
        }
        return una;
    }

    /** The first un-SACKed sequence number at or above {@code seq}. */
    int nextUnsacked(int seq) {
        for (int i = 0; i < count; i++) {
            if (SeqNum.lt(seq, start[i])) {
                return seq;
            }
            if (SeqNum.lt(seq, end[i])) {
                seq = end[i];
            }
        }
        return seq;
    }

    /** The start of the first SACKed range above {@code seq}, or {@code limit} if none is below it. */
    int nextSackedStart(int seq, int limit) {
        for (int i = 0; i < count; i++) {
            if (SeqNum.gt(start[i], seq)) {
                return SeqNum.min(start[i], limit);
            }
        }
        return limit;
    }

    /** {@link GroupPrefetch}: this object and the headers of its arrays. */
    long prefetch() {
        return count + start.length + end.length;
    }
}
