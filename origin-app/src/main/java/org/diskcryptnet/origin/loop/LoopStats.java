package org.diskcryptnet.origin.loop;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * One event loop's counters: written only by the loop's own thread (plain arithmetic, opaque stores, no atomics,
 * no fences), read by a metrics scrape from any thread. The thread id lets the scrape ask the JVM for the loop
 * thread's CPU time, which is the loop's busy time: an epoll or NIO loop sleeps in the kernel when idle.
 */
public final class LoopStats {

    private static final VarHandle LONGS = MethodHandles.arrayElementVarHandle(long[].class);

    private static final int TASKS = 0;
    private static final int IO_RUNS = 1;
    private static final int IO_EVENTS = 2;
    private static final int WAKEUPS = 3;
    private static final int THREAD_ID = 4;

    private final int index;
    private final MeteredEventLoop loop;
    private final long[] values = new long[5];

    LoopStats(int index, MeteredEventLoop loop) {
        this.index = index;
        this.loop = loop;
        LONGS.setOpaque(values, THREAD_ID, -1L);
    }

    /** The loop's position in its group, {@code 0..n-1}: the {@code loop} label. */
    public int index() {
        return index;
    }

    // ---- writers: the owning loop only --------------------------------------------------------------------

    void threadStarted(long threadId) {
        LONGS.setOpaque(values, THREAD_ID, threadId);
    }

    void taskRun() {
        add(TASKS, 1);
    }

    void ioRun(int events, boolean mayHaveBlocked) {
        add(IO_RUNS, 1);
        add(IO_EVENTS, events);
        if (mayHaveBlocked) {
            add(WAKEUPS, 1);
        }
    }

    private void add(int i, long delta) {
        LONGS.setOpaque(values, i, (long) LONGS.getOpaque(values, i) + delta);
    }

    // ---- readers: any thread ------------------------------------------------------------------------------

    private long get(int i) {
        return (long) LONGS.getOpaque(values, i);
    }

    /** Tasks run: cross-thread submissions, scheduled tasks (timers), the loop's own deferred work. */
    public long tasks() {
        return get(TASKS);
    }

    /** Passes through the I/O handler (one per turn of the loop). */
    public long ioRuns() {
        return get(IO_RUNS);
    }

    /** I/O handles the I/O handler served, summed over its passes. */
    public long ioEvents() {
        return get(IO_EVENTS);
    }

    /**
     * Turns that entered the I/O handler with nothing else to do, so that it was allowed to wait in the kernel,
     * and came back: the idle strategy's wake-ups (by I/O, a timer or a task from another thread).
     */
    public long wakeups() {
        return get(WAKEUPS);
    }

    /** Tasks queued on the loop and not yet run (Netty's own thread-safe count). */
    public int pendingTasks() {
        return loop.pendingTasks();
    }

    /** Channels (I/O handles) registered with the loop (Netty's own thread-safe count). */
    public int channels() {
        return loop.channels();
    }

    /** The loop thread's id, or -1 before the loop has started its thread. */
    public long threadId() {
        return get(THREAD_ID);
    }
}
