package org.diskcryptnet.netmap.channel;

import java.util.concurrent.TimeUnit;

/**
 * What a {@link NetmapIoHandler} does when a loop iteration found nothing to do (no frame, no timer, no task),
 * after the style of Agrona's idle strategies. Every strategy honours Netty's {@code IoHandlerContext}: it parks
 * only when the context allows blocking, never past the next scheduled task or TCP timer, and
 * {@link NetmapIoHandler#wakeup()} from another thread ends any park at once.
 *
 * @param kind           the strategy
 * @param spins          idle iterations that only spin ({@link Thread#onSpinWait}) before anything else
 * @param yields         then iterations that {@link Thread#yield} before parking ({@link Kind#BACKOFF})
 * @param minParkNanos   the first park of a back-off; each further idle park doubles it
 * @param maxParkNanos   the longest single park or block (also the bound when no timer is nearer)
 */
public record IdleStrategy(Kind kind, int spins, int yields, long minParkNanos, long maxParkNanos) {

    public enum Kind {
        /** Never park: poll the rings in a tight loop (lowest latency, one core per loop at 100%). */
        BUSY_POLL,
        /** Spin, then yield, then park for exponentially longer times; frames are seen when the park ends. */
        BACKOFF,
        /**
         * Spin, then block until the port has frames: poll(2) on the port's descriptor and the loop's eventfd,
         * or, for ports without a descriptor ({@code pipe:}), a park that the peer ends when it hands frames over.
         */
        BLOCK
    }

    public IdleStrategy {
        if (kind == null || spins < 0 || yields < 0 || minParkNanos <= 0 || maxParkNanos < minParkNanos) {
            throw new IllegalArgumentException("an idle strategy needs a kind, spins >= 0, yields >= 0 and "
                    + "0 < minPark <= maxPark");
        }
    }

    /** Tight polling, no parking. */
    public static IdleStrategy busyPoll() {
        return new IdleStrategy(Kind.BUSY_POLL, 0, 0, 1, 1);
    }

    /** 100 spins, 10 yields, then parks from 1 µs doubling up to 1 ms. */
    public static IdleStrategy backoff() {
        return new IdleStrategy(Kind.BACKOFF, 100, 10, TimeUnit.MICROSECONDS.toNanos(1), TimeUnit.MILLISECONDS.toNanos(1));
    }

    /** 50 spins, then blocks until frames, a task, a timer or at most 100 ms. The default. */
    public static IdleStrategy block() {
        return new IdleStrategy(Kind.BLOCK, 50, 0, TimeUnit.MICROSECONDS.toNanos(1), TimeUnit.MILLISECONDS.toNanos(100));
    }

    /** {@code busy-poll}, {@code backoff} or {@code block}, as the configuration names them. */
    public static IdleStrategy parse(String name) {
        return switch (name) {
            case "busy-poll" -> busyPoll();
            case "backoff" -> backoff();
            case "block" -> block();
            default -> throw new IllegalArgumentException("\"" + name + "\" is not an idle strategy: busy-poll, backoff or block");
        };
    }
}
