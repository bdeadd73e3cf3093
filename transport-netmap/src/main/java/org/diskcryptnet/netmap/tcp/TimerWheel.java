package org.diskcryptnet.netmap.tcp;

/**
 * A hashed timing wheel (Varghese and Lauck, 1987) holding each connection once, at its earliest deadline.
 * Ticks are 2^20 ns (about 1 ms); a connection further out than one revolution stays in its slot and is
 * skipped until its revolution comes. Scheduling and cancelling are O(1), intrusive (the links live in
 * {@link TcpConnection}), and allocate nothing.
 *
 * <p><b>The earliest deadline without a full scan.</b> A loop asks {@link #earliest} every time it considers
 * sleeping, so it walks the slots forward from {@code currentTick} and stops at the first slot holding an entry
 * that is due within this revolution ({@code deadline >> TICK_SHIFT <= tick of the slot}); the minimum seen so far
 * is then the answer. Call an entry's <i>effective tick</i> the tick whose slot holds it: its deadline's tick, or
 * {@code currentTick} at the time it was scheduled if that was later (a deadline already past is clamped). Once
 * the wheel has expired once ({@code currentTick >= 0}), every entry's effective tick is at least
 * {@code currentTick}: scheduling clamps to it, and {@link #expire} moves it to {@code nowTick} only after
 * visiting every slot up to there, where each entry with an effective tick below {@code nowTick} has a deadline
 * before {@code now} and fires. Hence the walk is exact:
 * <ul>
 *   <li>an entry due in the slot {@code k} steps ahead has its deadline within tick {@code currentTick + k} (for
 *       {@code k = 0}: at or before it), so an entry due in a later slot is later;</li>
 *   <li>an entry not due in its slot was not clamped, and sits one or more revolutions out: its deadline is past
 *       {@code currentTick + SLOTS}, later than any due entry;</li>
 *   <li>if no slot holds a due entry, the walk has seen every entry: the minimum is the full scan's (the idle case,
 *       nothing due within about 4.4 s, pays the scan).</li>
 * </ul>
 * Two states fall back to the full scan: before the first expiry ({@code currentTick = -1}, nothing is clamped,
 * entries sit at any tick), and after an expiry whose callback rescheduled a connection at a tick it had already
 * passed (such an entry stays behind {@code currentTick} until its slot comes round); the flag that marks the second
 * state is cleared by the first scan that finds no such entry. A cached minimum was the alternative; cancelling or
 * moving the minimum would invalidate it, and the loop does that on almost every ACK.
 */
final class TimerWheel {

    /** Told of each connection whose deadline passed. */
    interface Expiry {
        void fire(TcpConnection c, long now);
    }

    static final int TICK_SHIFT = 20;
    private static final int SLOTS = 4096;
    private static final int MASK = SLOTS - 1;

    private final TcpConnection[] slots = new TcpConnection[SLOTS];
    private long currentTick = -1;
    /** While {@link #expire} runs, the tick it will leave {@code currentTick} at; otherwise {@code Long.MIN_VALUE}. */
    private long expiringTo = Long.MIN_VALUE;
    /** Some entry may sit behind {@code currentTick} (rescheduled during an expiry at a tick already passed). */
    private boolean behind;

    void schedule(TcpConnection c, long deadline) {
        if (c.timerSlot >= 0) {
            if (c.timerDeadline == deadline) {
                return;
            }
            unlink(c);
        }
        c.timerDeadline = deadline;
        if (deadline == TcpConnection.NEVER) {
            return;
        }
        long tick = deadline >> TICK_SHIFT;
        if (currentTick >= 0 && tick < currentTick) {
            tick = currentTick;
        }
        if (tick < expiringTo) {
            behind = true;
        }
        int slot = (int) tick & MASK;
        TcpConnection head = slots[slot];
        c.timerNext = head;
        c.timerPrev = null;
        if (head != null) {
            head.timerPrev = c;
        }
        slots[slot] = c;
        c.timerSlot = slot;
    }

    void cancel(TcpConnection c) {
        if (c.timerSlot >= 0) {
            unlink(c);
        }
        c.timerDeadline = TcpConnection.NEVER;
    }

    private void unlink(TcpConnection c) {
        if (c.timerPrev != null) {
            c.timerPrev.timerNext = c.timerNext;
        } else {
            slots[c.timerSlot] = c.timerNext;
        }
        if (c.timerNext != null) {
            c.timerNext.timerPrev = c.timerPrev;
        }
        c.timerNext = null;
        c.timerPrev = null;
        c.timerSlot = -1;
    }

    /** The earliest deadline of any connection, or NEVER: exactly what {@link #scan} returns (see the class doc). */
    long earliest() {
        if (behind) {
            behind = anyBehind();
        }
        if (currentTick < 0 || behind) {
            return scan();
        }
        // the slots before the one in hand held nothing due, only entries a revolution or more out: once the minimum
        // so far is due by the slot's tick, it is an entry of that slot, and the earliest of all. Two runs of plain
        // indices (from the current tick's slot to the end, then from 0 up to it) keep the loops free of bounds checks.
        int start = (int) currentTick & MASK;
        long tick = currentTick;
        long min = TcpConnection.NEVER;
        for (int slot = start; slot < SLOTS; slot++, tick++) {
            TcpConnection head = slots[slot];
            if (head != null && (min = minimum(head, min)) >> TICK_SHIFT <= tick) {
                return min;
            }
        }
        for (int slot = 0; slot < start; slot++, tick++) {
            TcpConnection head = slots[slot];
            if (head != null && (min = minimum(head, min)) >> TICK_SHIFT <= tick) {
                return min;
            }
        }
        return min;
    }

    private static long minimum(TcpConnection head, long min) {
        for (TcpConnection c = head; c != null; c = c.timerNext) {
            min = Math.min(min, c.timerDeadline);
        }
        return min;
    }

    /** The earliest deadline by visiting every slot and every connection (the reference {@link #earliest} meets). */
    long scan() {
        long min = TcpConnection.NEVER;
        for (TcpConnection head : slots) {
            for (TcpConnection c = head; c != null; c = c.timerNext) {
                min = Math.min(min, c.timerDeadline);
            }
        }
        return min;
    }

    /**
     * Whether some entry breaks the walk's premise: in the slot {@code k >= 1} steps ahead of {@code currentTick},
     * a deadline whose tick is before {@code currentTick + k}. (Behind {@code currentTick} but in its slot is
     * harmless: the walk counts it as due there.)
     */
    private boolean anyBehind() {
        for (int slot = 0; slot < SLOTS; slot++) {
            long tick = currentTick + ((slot - currentTick) & MASK);
            for (TcpConnection c = slots[slot]; c != null; c = c.timerNext) {
                if (tick != currentTick && c.timerDeadline >> TICK_SHIFT < tick) {
                    return true;
                }
            }
        }
        return false;
    }

    /** Visits every connection whose deadline is at or before {@code now}: unlinks it and lets the layer fire it. */
    int expire(long now, Expiry timers) {
        long nowTick = now >> TICK_SHIFT;
        long to = nowTick;
        // the first expiry does not know where the wheel stood: it looks at every slot once
        long from = currentTick < 0 ? to - SLOTS + 1 : currentTick;
        if (to - from >= SLOTS) {
            from = to - SLOTS + 1;
        }
        int fired = 0;
        expiringTo = Math.max(currentTick, nowTick);
        try {
            for (long t = from; t <= to; t++) {
                int slot = (int) t & MASK;
                TcpConnection c = slots[slot];
                while (c != null) {
                    TcpConnection next = c.timerNext;
                    if (c.timerDeadline <= now) {
                        unlink(c);
                        c.timerDeadline = TcpConnection.NEVER;
                        timers.fire(c, now);
                        fired++;
                        if (next != null && next.timerSlot != slot) {
                            // the callback moved or cancelled the next entry: going on from it would walk another
                            // slot's list and skip the rest of this one, so walk this one again from its head
                            next = slots[slot];
                        }
                    }
                    c = next;
                }
            }
        } finally {
            expiringTo = Long.MIN_VALUE;
        }
        currentTick = Math.max(currentTick, nowTick);
        return fired;
    }
}
