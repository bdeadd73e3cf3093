package org.diskcryptnet.netmap.tcp;

/**
 * The holes retransmitted during SACK recovery and what had been sent when each went out, to notice when a
 * retransmission is lost too. RFC 6675 alone can only recover a lost retransmission by the retransmission
 * timer; here, as FreeBSD's SACK code does, a retransmitted hole counts as lost again once the receiver has
 * SACKed data sent after that retransmission, more than DupThresh segments past it (the same evidence IsLost
 * asks of an original transmission). Bounded like the scoreboard; no allocation.
 */
final class RetransmissionLog {

    private final int[] start;
    private final int[] end;
    private final int[] sentBefore;
    private final boolean[] lost;
    private int count;

    RetransmissionLog(int capacity) {
        start = new int[capacity];
        end = new int[capacity];
        sentBefore = new int[capacity];
        lost = new boolean[capacity];
    }

    void clear() {
        count = 0;
    }

    /** [s, e) was retransmitted while SND.MAX was {@code sndMax}. */
    void retransmitted(int s, int e, int sndMax) {
        for (int i = 0; i < count; i++) {
            if (end[i] == s && sentBefore[i] == sndMax && !lost[i]) {
                end[i] = e; // the next segment of the same go-back or hole: one entry
                return;
            }
            if (start[i] == s) {
                end[i] = e;
                sentBefore[i] = sndMax;
                lost[i] = false;
                return;
            }
        }
        if (count < start.length) {
            start[count] = s;
            end[count] = e;
            sentBefore[count] = sndMax;
            lost[count] = false;
            count++;
        }
    }

    /**
     * After an ACK: forget retransmissions that arrived (acknowledged or SACKed); mark lost those passed by
     * SACKed later data by more than {@code threshold} bytes, or by any SACKed later data below
     * {@code timeLostEdge}, which {@link RackLossDetection} confirmed a reordering window ago (RFC 8985 section
     * 6.2 judges a retransmission like any segment). Returns the number newly marked lost.
     */
    int update(int una, SackScoreboard sb, int threshold, int timeLostEdge) {
        int highSacked = sb.highestSacked(una);
        int marked = 0;
        int j = 0;
        for (int i = 0; i < count; i++) {
            boolean arrived = SeqNum.le(end[i], una) || (SeqNum.ge(start[i], una) && sb.isSacked(start[i])
                    && sb.nextUnsacked(start[i]) - end[i] >= 0);
            if (arrived) {
                continue;
            }
            if (SeqNum.lt(start[i], una)) {
                start[i] = una;
            }
            if (!lost[i] && (SeqNum.gt(highSacked, sentBefore[i] + threshold) || SeqNum.gt(timeLostEdge, sentBefore[i]))) {
                lost[i] = true;
                marked++;
            }
            start[j] = start[i];
            end[j] = end[i];
            sentBefore[j] = sentBefore[i];
            lost[j] = lost[i];
            j++;
        }
        count = j;
        return marked;
    }

    /**
     * Octets of retransmissions deemed lost again, between {@code una} and {@code limit}, not SACKed: they left
     * the network and are no longer in RFC 6675's pipe (as a lost original is not).
     */
    long lostOctets(int una, int limit, SackScoreboard sb) {
        long n = 0;
        for (int i = 0; i < count; i++) {
            if (lost[i]) {
                int s = SeqNum.max(start[i], una);
                int e = SeqNum.min(end[i], limit);
                if (SeqNum.gt(e, s)) {
                    n += (e - s) - sb.sackedIn(s, e);
                }
            }
        }
        return n;
    }

    /** The index of the lowest retransmission deemed lost again, or -1. */
    int firstLost() {
        int best = -1;
        for (int i = 0; i < count; i++) {
            if (lost[i] && (best < 0 || SeqNum.lt(start[i], start[best]))) {
                best = i;
            }
        }
        return best;
    }

    int start(int i) {
        return start[i];
    }

    int end(int i) {
        return end[i];
    }

    /** Entry {@code i} was sent again as [s, e) while SND.MAX was {@code sndMax} (or is gone: s == e). */
    void resent(int i, int s, int e, int sndMax) {
        if (s == e) {
            count--;
            start[i] = start[count];
            end[i] = end[count];
            sentBefore[i] = sentBefore[count];
            lost[i] = lost[count];
            return;
        }
        if (SeqNum.lt(e, end[i]) && lost[i] && count < start.length) {
            // a merged entry resent one segment at a time: the rest of it is still lost and still to resend
            start[count] = e;
            end[count] = end[i];
            sentBefore[count] = sentBefore[i];
            lost[count] = true;
            count++;
        }
        start[i] = s;
        end[i] = e;
        sentBefore[i] = sndMax;
        lost[i] = false;
    }

    int size() {
        return count;
    }

    /** {@link GroupPrefetch}: this object and the headers of its arrays. */
    long prefetch() {
        return count + start.length + end.length;
    }
}
