package org.diskcryptnet.netmap.tcp;

import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.stream.LongStream;

import org.diskcryptnet.netmap.wire.DropCounters;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link TimerWheel#earliest} walks forward from the wheel's current tick instead of scanning; these tests hold it to
 * the minimum over the deadlines the test itself scheduled (a model kept beside the wheel), after every operation.
 */
class TimerWheelTest {

    private static final long NEVER = TcpConnection.NEVER;
    private static final long TICK = 1L << TimerWheel.TICK_SHIFT;
    private static final long REVOLUTION = 4096 * TICK;

    private static TcpConnection[] connections(int n) {
        TcpConfig cfg = TcpTestbed.base().maxConnections(n).build();
        return new TcpLayer(cfg, 1, new TcpTestbed(), new DropCounters()).connectionObjects();
    }

    /** The wheel under test beside the deadline each connection should have in it (NEVER: not scheduled). */
    private static final class Model {
        final TimerWheel wheel = new TimerWheel();
        final TcpConnection[] c;
        final long[] deadline;
        /**
         * Scheduled by an expiry's callback at a tick that expiry may already have passed: the wheel leaves such an
         * entry behind until its slot comes round again (see {@link TimerWheel}; TcpTimers never does this).
         */
        final boolean[] leftBehind;

        Model(int n) {
            c = connections(n);
            deadline = new long[n];
            leftBehind = new boolean[n];
            Arrays.fill(deadline, NEVER);
        }

        /** The time of the expiry in progress, or NEVER. */
        long expiringAt = NEVER;

        void schedule(int i, long d) {
            wheel.schedule(c[i], d);
            deadline[i] = d;
            leftBehind[i] = expiringAt != NEVER && d >> TimerWheel.TICK_SHIFT <= expiringAt >> TimerWheel.TICK_SHIFT;
        }

        void expire(long now, TimerWheel.Expiry expiry) {
            expiringAt = now;
            try {
                wheel.expire(now, expiry);
            } finally {
                expiringAt = NEVER;
            }
        }

        void cancel(int i) {
            wheel.cancel(c[i]);
            deadline[i] = NEVER;
            leftBehind[i] = false;
        }

        long bruteForce() {
            long min = NEVER;
            for (long d : deadline) {
                min = Math.min(min, d);
            }
            return min;
        }

        /** After an expiry at {@code now}, no deadline at or before it is left unfired but those left behind. */
        void checkNothingLeftDue(long now, String step, Coverage seen) {
            for (int i = 0; i < deadline.length; i++) {
                if (deadline[i] <= now && !leftBehind[i]) {
                    throw new AssertionError(step + ": #" + i + " due at " + deadline[i] + " was not fired by " + now);
                }
            }
            seen.expiriesChecked++;
        }

        void check(String step) {
            long expected = bruteForce();
            assertEquals(expected, wheel.scan(), () -> "scan after " + step);
            assertEquals(expected, wheel.earliest(), () -> "earliest after " + step);
        }
    }

    /** Counts of the cases the random sequence must have reached, so that it cannot quietly test less. */
    private static final class Coverage {
        int beforeFirstExpire;
        int overdue;
        int beyondRevolution;
        int nearRevolutionEdge;
        int firedThenRescheduledIntoThePast;
        int jumpsPastARevolution;
        int fired;
        int expiriesChecked;
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void earliestIsTheMinimumOfEveryScheduledDeadlineAfterEveryStep(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        Model m = new Model(48);
        Coverage seen = new Coverage();
        // odd seeds start near zero (as the loop's clock does), so that overdue deadlines there are negative
        long[] now = {(seed % 2 == 1 ? 0 : 5_000_000_000_000L) + r.nextLong(REVOLUTION)};
        boolean[] expiredOnce = {false};
        TimerWheel.Expiry expiry = (conn, t) -> {
            int i = conn.index;
            assertTrue(m.deadline[i] <= t, () -> "fired at " + t + " before its deadline " + m.deadline[i]);
            m.deadline[i] = NEVER;
            seen.fired++;
            int choice = r.nextInt(4);
            if (choice == 0) {
                // the callback reschedules at a tick the expiry has already passed (TcpTimers does not, but may)
                m.schedule(i, t - r.nextLong(40 * TICK));
                seen.firedThenRescheduledIntoThePast++;
            } else if (choice == 1) {
                m.schedule(i, t + r.nextLong(200 * TICK));
            } else if (choice == 2) {
                // another connection, possibly one the expiry has yet to visit
                m.schedule(r.nextInt(m.c.length), t + r.nextLong(-20 * TICK, 20 * TICK));
            }
        };
        for (int step = 0; step < 4000; step++) {
            int op = r.nextInt(10);
            String what;
            if (op < 6) {
                int i = r.nextInt(m.c.length);
                long d = deadlineNear(now[0], r, seen);
                if (!expiredOnce[0]) {
                    seen.beforeFirstExpire++;
                }
                m.schedule(i, d);
                what = "schedule #" + i + " at now" + sign(d - now[0]);
            } else if (op < 8) {
                int i = r.nextInt(m.c.length);
                m.cancel(i);
                what = "cancel #" + i;
            } else {
                if (step < 300) {
                    m.check("step " + step + " (no expiry yet)");
                    continue; // a wheel that has never expired: entries at any tick, none clamped
                }
                long advance = r.nextInt(20) == 0 ? r.nextLong(REVOLUTION, 3 * REVOLUTION) : r.nextLong(5 * TICK);
                if (advance >= REVOLUTION) {
                    seen.jumpsPastARevolution++;
                }
                now[0] += advance;
                m.expire(now[0], expiry);
                expiredOnce[0] = true;
                what = "expire at +" + advance + " ns";
                m.checkNothingLeftDue(now[0], what, seen);
            }
            String label = "step " + step + ": " + what;
            m.check(label);
        }
        assertTrue(seen.beforeFirstExpire > 100, "schedules before the first expiry: " + seen.beforeFirstExpire);
        assertTrue(seen.overdue > 100, "overdue schedules: " + seen.overdue);
        assertTrue(seen.beyondRevolution > 100, "schedules beyond one revolution: " + seen.beyondRevolution);
        assertTrue(seen.nearRevolutionEdge > 50, "schedules at the revolution's edge: " + seen.nearRevolutionEdge);
        assertTrue(seen.firedThenRescheduledIntoThePast > 10, "reschedules into the past while expiring: "
                + seen.firedThenRescheduledIntoThePast);
        assertTrue(seen.jumpsPastARevolution > 5, "expiries past a whole revolution: " + seen.jumpsPastARevolution);
        assertTrue(seen.fired > 300, "timers fired: " + seen.fired);
        assertTrue(seen.expiriesChecked > 300, "expiries checked for timers left due: " + seen.expiriesChecked);
    }

    /** 64 random sequences; 13 of them left timers unfired when a walk went on from an entry a callback had moved. */
    static LongStream seeds() {
        return LongStream.rangeClosed(1, 64);
    }

    private static long deadlineNear(long now, SplittableRandom r, Coverage seen) {
        switch (r.nextInt(6)) {
            case 0 -> {
                seen.overdue++;
                return now - r.nextLong(1, 2 * REVOLUTION); // already past: clamped to the current tick
            }
            case 1 -> {
                return now + r.nextLong(4 * TICK); // within a few ticks
            }
            case 2 -> {
                return now + r.nextLong(REVOLUTION); // within this revolution
            }
            case 3 -> {
                seen.nearRevolutionEdge++;
                return now + REVOLUTION + r.nextLong(-3 * TICK, 3 * TICK);
            }
            case 4 -> {
                seen.beyondRevolution++;
                return now + r.nextLong(REVOLUTION, 5 * REVOLUTION);
            }
            default -> {
                return r.nextInt(8) == 0 ? NEVER : now + r.nextLong(40 * TICK);
            }
        }
    }

    private static String sign(long delta) {
        return delta >= 0 ? "+" + delta : String.valueOf(delta);
    }

    @Test
    void anOverdueEntryClampedToTheCurrentTickIsTheEarliest() {
        Model m = new Model(3);
        long t = 1_000L * REVOLUTION + 17 * TICK;
        m.wheel.expire(t, (c, now) -> { });
        m.schedule(0, t + 3 * TICK);
        m.schedule(1, t - 900 * TICK); // its tick has passed: it sits in the current tick's slot
        m.schedule(2, t + REVOLUTION + TICK);
        assertEquals(t - 900 * TICK, m.wheel.earliest());
        m.check("an overdue entry");
    }

    @Test
    void entriesOnlyBeyondOneRevolutionStillCount() {
        Model m = new Model(3);
        long t = 1_000L * REVOLUTION;
        m.wheel.expire(t, (c, now) -> { });
        m.schedule(0, t + 3 * REVOLUTION + 5 * TICK);
        m.schedule(1, t + REVOLUTION + 2 * TICK); // shares a slot with tick t + 2 ticks, one revolution out
        m.schedule(2, t + 2 * REVOLUTION);
        assertEquals(t + REVOLUTION + 2 * TICK, m.wheel.earliest());
        m.schedule(0, t + 2 * TICK + 1); // now the same slot holds one due this revolution
        assertEquals(t + 2 * TICK + 1, m.wheel.earliest());
        m.check("a slot shared across revolutions");
    }

    @Test
    void beforeTheFirstExpiryEntriesAtAnyTickCount() {
        Model m = new Model(3);
        long t = 1_000L * REVOLUTION;
        m.schedule(0, t + 10 * TICK);
        m.schedule(1, t - 7 * REVOLUTION); // not clamped: nothing knows the current tick yet
        m.schedule(2, t + 3 * REVOLUTION);
        assertEquals(t - 7 * REVOLUTION, m.wheel.earliest());
        m.check("no expiry yet");
    }

    @Test
    void beforeTheFirstExpiryANegativeDeadlineInALaterSlotCounts() {
        Model m = new Model(2);
        m.schedule(0, 10 * TICK);
        m.schedule(1, -4000 * TICK); // slot 96, after slot 10, yet earlier
        assertEquals(-4000 * TICK, m.wheel.earliest());
        m.check("a negative deadline");
    }

    @Test
    void anEntryRescheduledBehindTheExpiryIsFound() {
        Model m = new Model(2);
        long t = 1_000L * REVOLUTION;
        m.wheel.expire(t, (c, now) -> { });
        m.schedule(0, t + TICK);
        m.schedule(1, t + 50 * TICK);
        // expiring 10 ticks on: #0 fires and is put back at its old deadline, a tick the expiry has passed
        m.wheel.expire(t + 10 * TICK, (c, now) -> m.schedule(c.index, t + TICK));
        assertEquals(t + TICK, m.wheel.earliest());
        m.check("an entry behind the current tick");
        m.cancel(0);
        assertEquals(t + 50 * TICK, m.wheel.earliest(), "once it is gone the walk takes over again");
        m.check("the entry behind cancelled");
    }
}
