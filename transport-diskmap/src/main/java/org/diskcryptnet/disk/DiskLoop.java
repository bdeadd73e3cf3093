package org.diskcryptnet.disk;

import java.io.IOException;
import java.util.concurrent.TimeUnit;

import io.netty.channel.EventLoop;
import io.netty.util.internal.logging.InternalLogger;
import io.netty.util.internal.logging.InternalLoggerFactory;

/**
 * The disk side of one event loop: its queue, the {@link DiskReader} over it, its chunk pool and the bridge
 * that delivers completions into the loop. Created on the loop's thread the first time the loop reads (a ring set
 * up with SINGLE_ISSUER belongs to the thread that created it), used only from that thread.
 *
 * <p>Batching: the first read queued in a loop iteration schedules one flush task on the loop; it runs after the
 * iteration's I/O, so every read that connections queued in the meantime goes down in one submission.
 */
public final class DiskLoop {

    private static final InternalLogger LOG = InternalLoggerFactory.getInstance(DiskLoop.class);
    /** How soon reads the kernel refused to take are submitted again (it refuses when short of memory). */
    private static final long SUBMIT_RETRY_NANOS = 1_000_000;

    private final EventLoop loop;
    private final DiskQueue queue;
    private final DiskReader reader;
    private final DiskBufferPool pool;
    private final DiskStats stats;
    private final CompletionBridge bridge;
    private final Runnable flushTask = this::flushNow;
    private final Runnable pollTask = this::pollNow;
    private final Runnable retryTask = this::retryFlush;
    private boolean retryScheduled;
    private boolean closed;
    private boolean ownerPolls;

    DiskLoop(EventLoop loop, DiskBackend backend, DiskStorage.Config config) throws IOException {
        this.loop = loop;
        this.queue = backend.newQueue(config.queueDepth());
        try {
            this.stats = new DiskStats(queue.backend());
            this.reader = new DiskReader(queue, stats);
            this.pool = new DiskBufferPool(loop, config.poolChunks(), config.chunkSize());
            reader.registerBuffers("the loop's chunk pool", pool.memory());
            reader.flushScheduler(() -> loop.execute(flushTask));
            this.bridge = CompletionBridge.attach(loop, queue, this::pollNow);
        } catch (RuntimeException e) {
            queue.close();
            throw e;
        }
    }

    public EventLoop eventLoop() {
        return loop;
    }

    public DiskReader reader() {
        return reader;
    }

    public DiskBufferPool pool() {
        return pool;
    }

    public DiskStats stats() {
        return stats;
    }

    public DiskQueue queue() {
        return queue;
    }

    /**
     * The event loop polls this queue itself in every iteration ({@link #reader()}{@code .poll()}), as the netmap
     * transport's polling loops do: the completion bridge then stays idle (a timer-polled bridge would schedule a task
     * per batch, an allocation each).
     */
    public void ownerPolls() {
        this.ownerPolls = true;
    }

    private void retryFlush() {
        retryScheduled = false;
        flushNow();
    }

    private void flushNow() {
        if (closed) {
            return;
        }
        try {
            reader.flush();
        } catch (IOException e) {
            LOG.warn("disk queue ({}): submitting reads failed; retrying", queue.backend(), e);
        }
        retryUnsubmitted();
        if (!ownerPolls) {
            bridge.armed(reader.inFlight());
        }
    }

    /**
     * Reads the kernel did not take (io_uring_enter: EAGAIN when it is short of memory, EBUSY, EINTR) are tried
     * again shortly. Not left for "the next batch": when the queue is full of them there is none, nothing completes,
     * and the loop's disk I/O would stop for good.
     */
    private void retryUnsubmitted() {
        if (queue.queued() > 0 && !retryScheduled && !reader.flushScheduled()) {
            retryScheduled = true;
            loop.schedule(retryTask, SUBMIT_RETRY_NANOS, TimeUnit.NANOSECONDS);
        }
    }

    private void pollNow() {
        if (closed) {
            return;
        }
        try {
            reader.poll();
        } catch (IOException e) {
            LOG.warn("disk queue ({}): reaping completions failed", queue.backend(), e);
        }
        retryUnsubmitted(); // the poll submits what its callbacks queued; the kernel may not take all of it
        if (queue.completionsPending()) {
            loop.execute(pollTask); // more than one batch was waiting: the rest after this iteration's other work
        } else if (reader.inFlight() > 0 && !ownerPolls) {
            bridge.armed(reader.inFlight());
        }
    }

    /**
     * Stops the bridge, waits (bounded) for reads in flight, so no device writes into memory about to be freed,
     * then frees the queue, the bounce blocks and the pool (the pool once its chunks are back).
     */
    void close() {
        if (closed) {
            return;
        }
        closed = true;
        bridge.detach();
        long deadline = System.nanoTime() + 5_000_000_000L;
        try {
            reader.flush();
            while (reader.inFlight() > 0 && System.nanoTime() < deadline) {
                reader.await();
            }
        } catch (IOException | RuntimeException e) {
            LOG.debug("disk queue ({}): draining at close", queue.backend(), e);
        }
        if (reader.inFlight() > 0) {
            LOG.warn("disk queue ({}): {} reads still in flight at close; leaking their memory", queue.backend(),
                    reader.inFlight());
            return;
        }
        queue.close();
        reader.close();
        pool.close();
    }
}
