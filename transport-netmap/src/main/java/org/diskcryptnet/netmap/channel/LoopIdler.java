package org.diskcryptnet.netmap.channel;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;

import io.netty.channel.IoHandlerContext;

import org.diskcryptnet.disk.DiskQueue;
import org.diskcryptnet.netmap.port.PacketPort;
import org.diskcryptnet.netmap.port.PacketRing;
import org.diskcryptnet.netmap.port.linux.Libc;
import org.diskcryptnet.netmap.port.linux.Sockets;
import org.diskcryptnet.netmap.port.pipe.PipePort;

/**
 * The idle half of a loop: carries out its {@link IdleStrategy} when an iteration found nothing to do, and
 * wakes it from other threads. One sleep protocol for every strategy: the loop announces that it may sleep
 * ({@code sleeping}), re-checks for work, then blocks; a waker that finds the announcement takes it back and
 * signals, so a task submitted between the re-check and the block is never missed (the eventfd counter or the
 * park permit remembers the signal). A blocking loop also sleeps on the completion eventfds of the disk queues it
 * reads through ({@link #watch}), so reads in flight need no spinning.
 */
final class LoopIdler implements AutoCloseable {

    private final IdleStrategy strategy;
    private final PacketPort port;
    private final int queue;
    private final PacketRing rx;
    private final PipePort pipe;
    private final int portFd;
    private final EventFd eventFd;
    private final Arena arena;
    private final MemorySegment pollFds;
    private final MemorySegment pollState;
    /** Disk queues whose completion eventfd the loop also sleeps on; at most {@link #MAX_WATCHED}. */
    static final int MAX_WATCHED = 8;
    private final DiskQueue[] watched = new DiskQueue[MAX_WATCHED];
    private int watchedCount;
    private final AtomicBoolean sleeping = new AtomicBoolean();
    private volatile Thread loopThread;
    private int idleRounds;
    private long backoffPark;
    // What the strategy did, per iteration: plain stores by the loop, opaque reads by NetmapLoopStats.
    /** Iterations that found work. */
    long busy;
    /** Idle iterations that only spun. */
    long spins;
    /** Idle iterations that yielded the CPU. */
    long yields;
    /** Idle iterations that parked or blocked. */
    long parks;

    LoopIdler(IdleStrategy strategy, PacketPort port, int queue) {
        this.strategy = strategy;
        this.port = port;
        this.queue = queue;
        this.rx = port.rxRing(queue);
        this.pipe = port instanceof PipePort p ? p : null;
        this.portFd = port.pollFd(queue);
        this.backoffPark = strategy.minParkNanos();
        if (strategy.kind() == IdleStrategy.Kind.BLOCK && portFd >= 0) {
            this.eventFd = new EventFd();
            this.arena = Arena.ofShared();
            this.pollFds = arena.allocate(Sockets.POLLFD, 2 + MAX_WATCHED);
            this.pollState = Libc.newCallState(arena);
            long size = Sockets.POLLFD.byteSize();
            pollFds.set(ValueLayout.JAVA_INT, 0, portFd);
            pollFds.set(ValueLayout.JAVA_SHORT, Sockets.POLLFD_EVENTS, Sockets.POLLIN);
            pollFds.set(ValueLayout.JAVA_INT, size, eventFd.fd());
            pollFds.set(ValueLayout.JAVA_SHORT, size + Sockets.POLLFD_EVENTS, Sockets.POLLIN);
        } else {
            this.eventFd = null;
            this.arena = null;
            this.pollFds = null;
            this.pollState = null;
        }
    }

    /**
     * Wakes a blocked loop when {@code queue} posts completions too. False if it cannot: no eventfd on the queue, a
     * strategy that does not block in poll(2), or {@link #MAX_WATCHED} queues already; the loop must then keep
     * polling while that queue's reads are in flight.
     */
    boolean watch(DiskQueue queue) {
        int fd = queue.completionFd();
        if (pollFds == null || fd < 0 || watchedCount == MAX_WATCHED) {
            return false;
        }
        long at = (2 + watchedCount) * Sockets.POLLFD.byteSize();
        pollFds.set(ValueLayout.JAVA_INT, at, fd);
        pollFds.set(ValueLayout.JAVA_SHORT, at + Sockets.POLLFD_EVENTS, Sockets.POLLIN);
        watched[watchedCount++] = queue;
        return true;
    }

    /** Called at the start of every loop iteration from the loop's own thread. */
    void loopThread(Thread t) {
        if (loopThread == null) {
            loopThread = t;
        }
    }

    /** The iteration did work: the next idle period starts from the beginning of the strategy. */
    void busy() {
        busy++;
        idleRounds = 0;
        backoffPark = strategy.minParkNanos();
    }

    /**
     * The iteration did nothing and the context allows blocking: spin, yield or block per the strategy, never
     * past {@code deadline} (nanoTime of the next TCP timer) or the context's next scheduled task.
     */
    void idle(IoHandlerContext context, long timerDelayNanos) {
        IdleStrategy s = strategy;
        if (s.kind() == IdleStrategy.Kind.BUSY_POLL) {
            spins++;
            Thread.onSpinWait();
            return;
        }
        int round = ++idleRounds;
        if (round <= s.spins()) {
            spins++;
            Thread.onSpinWait();
            return;
        }
        if (s.kind() == IdleStrategy.Kind.BACKOFF && round <= s.spins() + s.yields()) {
            yields++;
            Thread.yield();
            return;
        }
        long limit = s.kind() == IdleStrategy.Kind.BACKOFF ? backoffPark : s.maxParkNanos();
        long timeout = Math.min(Math.min(limit, timerDelayNanos), context.delayNanos(System.nanoTime()));
        if (timeout <= 0) {
            return;
        }
        sleeping.set(true);
        try {
            if (!context.canBlock() || framesWaiting()) {
                return;
            }
            parks++;
            if (eventFd != null) {
                block(timeout);
            } else {
                park(timeout);
            }
        } finally {
            if (pipe != null) {
                pipe.receiveWaiter(queue, null);
            }
            if (!sleeping.getAndSet(false) && eventFd != null) {
                // a waker took the announcement and wrote the eventfd: reset it for the next sleep
                eventFd.drain();
            }
        }
        if (s.kind() == IdleStrategy.Kind.BACKOFF) {
            backoffPark = Math.min(backoffPark << 1, s.maxParkNanos());
        }
    }

    /** Whether frames arrived since the iteration looked (pipe ports also register for the peer's unpark). */
    private boolean framesWaiting() {
        if (pipe != null) {
            pipe.receiveWaiter(queue, loopThread);
            // frames the peer could not hand over (our rx ring was full) are retried by our own tx sync
            port.txSync(queue);
        }
        port.rxSync(queue);
        return rx.head() != rx.tail();
    }

    private void park(long timeoutNanos) {
        LockSupport.parkNanos(this, timeoutNanos);
    }

    private void block(long timeoutNanos) {
        int millis = (int) Math.min(Integer.MAX_VALUE, TimeUnit.NANOSECONDS.toMillis(timeoutNanos + 999_999));
        Libc.poll(pollState, pollFds, 2 + watchedCount, millis);
        long size = Sockets.POLLFD.byteSize();
        for (int i = 0; i < watchedCount; i++) {
            // reset the counter before the iteration reaps the ring: a completion posted after that signals anew
            if ((pollFds.get(ValueLayout.JAVA_SHORT, (2 + i) * size + Sockets.POLLFD_REVENTS) & Sockets.POLLIN) != 0) {
                watched[i].drainCompletionFd();
            }
        }
    }

    /** Ends a park or block from any thread; free when the loop is awake. */
    void wakeup() {
        if (Thread.currentThread() == loopThread || !sleeping.get() || !sleeping.getAndSet(false)) {
            return;
        }
        if (eventFd != null) {
            eventFd.signal();
        } else {
            Thread t = loopThread;
            if (t != null) {
                LockSupport.unpark(t);
            }
        }
    }

    @Override
    public void close() {
        if (eventFd != null) {
            eventFd.close();
            arena.close();
        }
    }
}
