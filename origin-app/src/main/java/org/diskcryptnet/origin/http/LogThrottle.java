package org.diskcryptnet.origin.http;

import java.util.concurrent.atomic.AtomicLong;

/**
 * At most one log line per interval, across connections and loops: under overload or a storm of one failure each
 * connection would log its own, and the log would cost more than the failures.
 */
public final class LogThrottle {

    private final long intervalNanos;
    private final AtomicLong next = new AtomicLong(System.nanoTime());

    public LogThrottle(long intervalNanos) {
        this.intervalNanos = intervalNanos;
    }

    /** Whether a line may be logged now; if so, the next may come one interval later. */
    public boolean permits() {
        long now = System.nanoTime();
        long n = next.get();
        return now - n >= 0 && next.compareAndSet(n, now + intervalNanos);
    }
}
