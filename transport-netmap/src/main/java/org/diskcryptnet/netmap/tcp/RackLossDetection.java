package org.diskcryptnet.netmap.tcp;

/**
 * Time-based loss detection after RACK (RFC 8985 section 6), for one connection: a segment is lost when a
 * segment sent after it was delivered and a reordering window has passed since, however few segments follow it.
 * RFC 6675's DupThresh needs three segments delivered above a hole; after a few losses the congestion window is
 * only a few segments and no such three exist, so every further loss waited for a tail loss probe or the
 * retransmission timeout (200 ms on a path whose round trip is a millisecond).
 *
 * <p>RFC 8985 keeps a transmission time per segment. This detector keeps none: original transmissions leave in
 * sequence order, so "sent after" is "above" for them, and the moment an ACK first reports data above a hole as
 * SACKed is no earlier than RACK.xmit_ts + RACK.rtt of RFC 8985 section 6.2 step 2. The rule "lost once
 * now >= xmit_ts + RACK.rtt + reo_wnd" (section 6.2 step 5) therefore holds for every hole below the highest
 * SACKed octet {@link #reorderWindow} after that ACK: later than RACK by at most the one-way delay, never
 * earlier. Retransmissions are judged by the same edge in {@link RetransmissionLog} (what was SACKed above the
 * SND.MAX of their sending was sent after them).
 *
 * <p>One confirmation is pending at a time: SACKs that arrive later while one waits start the next when it ends
 * (so a hole may wait up to two reordering windows), those of the same receive batch join it.
 */
final class RackLossDetection {

    /**
     * The least reordering window. RTT samples come from millisecond timestamps (RFC 7323), so a round trip
     * below a millisecond is measured as 0 or 1 ms and a quarter of it (section 6.2 step 4) means nothing.
     */
    static final long MIN_REORDER_WINDOW = 1_000_000L;

    /** Un-SACKed data below this sequence number is lost; meaningful while {@link #lostKnown}. */
    private int lostEdge;
    private boolean lostKnown;
    /** The highest SACKed sequence number when the pending confirmation began. */
    private int pendingEdge;
    /** When the pending confirmation began and ends ({@link TcpConnection#NEVER}: none pending). */
    private long pendingSince;
    private long deadline = TcpConnection.NEVER;

    void clear() {
        lostKnown = false;
        deadline = TcpConnection.NEVER;
    }

    /** RFC 8985 section 6.2 step 4: reo_wnd = min_RTT / 4, no more than SRTT; at least {@link #MIN_REORDER_WINDOW}. */
    static long reorderWindow(RttEstimator rtt) {
        return Math.max(rtt.srtt() / 4, MIN_REORDER_WINDOW);
    }

    /** When the next confirmation is due (the RACK reorder timer of section 6.3), or {@link TcpConnection#NEVER}. */
    long deadline() {
        return deadline;
    }

    /** The lost edge above {@code una}, or {@code una} when nothing is known lost by time. */
    int lostEdge(int una) {
        return lostKnown && SeqNum.gt(lostEdge, una) ? lostEdge : una;
    }

    /**
     * After an ACK, or when the reorder timer fires: confirms the pending edge if its time has come, and starts a
     * confirmation of the highest SACKed octet if it lies above what is confirmed or pending.
     *
     * @param highestSacked the end of the highest SACKed range above {@code una}, or {@code una} if none
     * @return whether the lost edge moved
     */
    boolean update(int una, int highestSacked, long now, long reorderWindow) {
        boolean moved = false;
        if (deadline != TcpConnection.NEVER) {
            if (SeqNum.le(pendingEdge, una)) {
                deadline = TcpConnection.NEVER; // everything below it arrived: nothing to confirm
            } else if (now - deadline >= 0) {
                if (!lostKnown || SeqNum.gt(pendingEdge, lostEdge)) {
                    lostEdge = pendingEdge;
                    lostKnown = true;
                    moved = true;
                }
                deadline = TcpConnection.NEVER;
            }
        }
        if (lostKnown && SeqNum.le(lostEdge, una)) {
            lostKnown = false;
        }
        if (deadline != TcpConnection.NEVER && now == pendingSince && SeqNum.gt(highestSacked, pendingEdge)) {
            pendingEdge = highestSacked; // reported by the same batch of ACKs: the same wait
        } else if (deadline == TcpConnection.NEVER && SeqNum.gt(highestSacked, una)
                && (!lostKnown || SeqNum.gt(highestSacked, lostEdge))) {
            pendingEdge = highestSacked;
            pendingSince = now;
            deadline = now + reorderWindow;
        }
        return moved;
    }

    /** {@link GroupPrefetch}: loads fields of this object that processing an acknowledgment reads. */
    long prefetch() {
        return deadline + lostEdge;
    }
}
