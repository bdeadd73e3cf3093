package org.diskcryptnet.netmap.tcp;

/**
 * A hashed timing wheel (Varghese and Lauck, 1987) holding each connection once, at its earliest deadline.
 * Ticks are 2^20 ns (about 1 ms); a connection further out than one revolution stays in its slot and is
 * skipped until its revolution comes. Scheduling and cancelling are O(1), intrusive (the links live in
 * {@link TcpConnection}), and allocate nothing.
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

    /** The earliest deadline of any connection (a full scan: for a loop about to sleep), or NEVER. */
    long earliest() {
        long min = TcpConnection.NEVER;
        for (TcpConnection head : slots) {
            for (TcpConnection c = head; c != null; c = c.timerNext) {
                min = Math.min(min, c.timerDeadline);
            }
        }
        return min;
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
        for (long t = from; t <= to; t++) {
            TcpConnection c = slots[(int) t & MASK];
            while (c != null) {
                TcpConnection next = c.timerNext;
                if (c.timerDeadline <= now) {
                    unlink(c);
                    c.timerDeadline = TcpConnection.NEVER;
                    timers.fire(c, now);
                    fired++;
                }
                c = next;
            }
        }
        currentTick = Math.max(currentTick, nowTick);
        return fired;
    }
}
