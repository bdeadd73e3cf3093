package org.diskcryptnet.disk;

import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.util.ArrayDeque;

import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelProgressivePromise;
import io.netty.channel.ChannelPromise;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.internal.logging.InternalLogger;
import io.netty.util.internal.logging.InternalLoggerFactory;

/**
 * Serves {@link DiskRegion}s written to a channel without blocking its loop: each region is read through the
 * loop's disk queue, chunk by chunk, into pooled buffers ({@link DiskBufferPool}), and every chunk is written
 * down the pipeline as a {@code ByteBuf} as soon as its read completes, in order. At most
 * {@code readAhead} chunks per connection are between disk and socket, so one fast disk cannot flood a slow
 * client, and the loop's pool bounds the total. Messages written after a region wait for it, so a response's
 * parts stay in order. Because chunks are plain buffers, an {@code SslHandler} between this handler and the
 * socket encrypts them like any other data.
 *
 * <p>Objects at unaligned offsets are served exactly: the read covers whole blocks, and the chunk's indexes
 * select only the region's bytes (no copy). A failed read (I/O error, a file truncated while served) fails the
 * region's promise with a {@link DiskReadException}, is logged once, and fails the messages queued behind it:
 * the response cannot be completed, so the caller closes the connection; other connections are not affected.
 */
public final class DiskRegionWriter extends ChannelOutboundHandlerAdapter
        implements DiskReader.Callback, ChannelFutureListener {

    private static final InternalLogger LOG = InternalLoggerFactory.getInstance(DiskRegionWriter.class);

    private final ArrayDeque<Object> queue = new ArrayDeque<>(); // message, promise, message, promise, ...
    private ChannelHandlerContext ctx;
    private DiskLoop disk;
    private int readAhead;

    // The region being served, and its chunks in file order: slots [head, head + inUse) of a small ring.
    private DiskRegion region;
    private ChannelPromise regionPromise;
    private long nextRead;   // region offset of the next chunk to read
    private long written;    // region bytes whose write completed
    private DiskBufferPool.Chunk[] chunks;
    private int[] from;
    private int[] to;
    private int[] state;     // FREE, READING, READY, WRITING
    private int head;
    private int inUse;
    private int generation;  // bumped when a region is abandoned: late completions are recognised and dropped
    private int staleReads;  // reads of abandoned regions still in flight
    private boolean waiting;
    private final Runnable pumpTask = this::pump;

    private static final int FREE = 0;
    private static final int READING = 1;
    private static final int READY = 2;
    private static final int WRITING = 3;

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (region == null && queue.isEmpty() && !(msg instanceof DiskRegion)) {
            ctx.write(msg, promise);
            return;
        }
        queue.add(msg);
        queue.add(promise);
    }

    @Override
    public void flush(ChannelHandlerContext ctx) {
        drain();
        ctx.flush();
    }

    /** Writes queued messages until the next region, which it starts. */
    private void drain() {
        while (region == null && staleReads == 0 && !queue.isEmpty()) {
            Object msg = queue.poll();
            ChannelPromise promise = (ChannelPromise) queue.poll();
            if (msg instanceof DiskRegion r) {
                begin(r, promise);
            } else {
                ctx.write(msg, promise);
            }
        }
    }

    private void begin(DiskRegion r, ChannelPromise promise) {
        if (r.count() == 0) {
            r.release();
            promise.trySuccess();
            return;
        }
        try {
            disk = r.storage().loop(ctx.channel().eventLoop());
        } catch (IOException | RuntimeException e) {
            LOG.warn("{}: no disk queue for this loop: {}", ctx.channel(), e.toString());
            r.release();
            promise.tryFailure(e);
            failQueued(e);
            return;
        }
        if (chunks == null || chunks.length != r.storage().config().readAhead()) {
            readAhead = r.storage().config().readAhead();
            chunks = new DiskBufferPool.Chunk[readAhead];
            from = new int[readAhead];
            to = new int[readAhead];
            state = new int[readAhead];
        }
        region = r;
        regionPromise = promise;
        nextRead = 0;
        written = 0;
        pump();
    }

    /** Reads ahead while the region has bytes to read, a ring slot is free, the pool has a chunk and the queue room. */
    private void pump() {
        waiting = false;
        while (region != null && nextRead < region.count() && inUse < readAhead) {
            DiskBufferPool.Chunk chunk = disk.pool().acquire();
            if (chunk == null) {
                wait(true);
                return;
            }
            DiskFile file = region.file();
            long start = region.position() + nextRead;
            long end = region.position() + region.count();
            long alignedStart = file.alignDown(start);
            long alignedEnd = Math.min(alignedStart + chunk.capacity(), file.alignUp(end));
            long usefulEnd = Math.min(alignedEnd, end);
            int slot = (head + inUse) % readAhead;
            long cookie = ((long) generation << 8) | slot;
            boolean queued = disk.reader().readCovering(file, alignedStart, (int) (alignedEnd - alignedStart),
                    chunk.segment(), 0, (int) (usefulEnd - alignedStart), this, cookie);
            if (!queued) {
                chunk.release();
                wait(false);
                return;
            }
            chunks[slot] = chunk;
            from[slot] = (int) (start - alignedStart);
            to[slot] = (int) (usefulEnd - alignedStart);
            state[slot] = READING;
            inUse++;
            nextRead += usefulEnd - start;
        }
    }

    private void wait(boolean forChunk) {
        if (!waiting) {
            waiting = true;
            if (forChunk) {
                disk.pool().whenAvailable(pumpTask);
            } else {
                disk.reader().whenReady(pumpTask);
            }
        }
    }

    @Override
    public void readComplete(long cookie, int result) {
        int slot = (int) (cookie & 0xff);
        if ((int) (cookie >>> 8) != generation) {
            staleReads--;
            // An abandoned region's read: its chunk was kept out of the pool until the device was done with it.
            DiskBufferPool.Chunk c = chunks[slot];
            chunks[slot] = null;
            state[slot] = FREE;
            c.release();
            if (staleReads == 0) {
                drain();
                ctx.flush();
            }
            return;
        }
        if (result < 0) {
            DiskReadException e = new DiskReadException("reading " + region.file().path() + " for " + ctx.channel(),
                    result);
            LOG.warn("{}; closing the response", e.getMessage());
            abandon(e);
            return;
        }
        state[slot] = READY;
        // Write every chunk that is ready and next in order: reads may complete out of order.
        boolean wrote = false;
        for (int i = 0; i < inUse; i++) {
            int s = (head + i) % readAhead;
            if (state[s] == WRITING) {
                continue;
            }
            if (state[s] != READY) {
                break;
            }
            state[s] = WRITING;
            DiskBufferPool.Chunk c = chunks[s];
            c.setIndex(from[s], to[s]);
            ctx.write(c).addListener(this);
            wrote = true;
        }
        if (wrote) {
            ctx.flush();
        }
    }

    /** A chunk's write finished (in order, since a channel completes writes in order). */
    @Override
    public void operationComplete(ChannelFuture future) {
        if (region == null) {
            return; // abandoned meanwhile
        }
        int s = head;
        long n = to[s] - from[s];
        chunks[s] = null; // the transport released it: back in the pool
        state[s] = FREE;
        head = (head + 1) % readAhead;
        inUse--;
        if (!future.isSuccess()) {
            abandon(future.cause());
            return;
        }
        written += n;
        region.addTransferred(n);
        if (regionPromise instanceof ChannelProgressivePromise p) {
            p.tryProgress(written, region.count());
        }
        if (written == region.count()) {
            DiskRegion done = region;
            ChannelPromise promise = regionPromise;
            region = null;
            regionPromise = null;
            done.release();
            promise.trySuccess();
            drain();
            ctx.flush();
        } else {
            pump();
        }
    }

    /** Gives up the current region: its promise and every queued message fail with {@code cause}. */
    private void abandon(Throwable cause) {
        if (region == null) {
            return;
        }
        generation++;
        for (int i = 0; i < inUse; i++) {
            int s = (head + i) % readAhead;
            if (state[s] == READING) {
                staleReads++; // released when its completion arrives
            } else if (state[s] == READY) {
                chunks[s].release();
                chunks[s] = null;
                state[s] = FREE;
            }
            // WRITING: the transport owns the buffer and releases it
        }
        head = 0;
        inUse = 0;
        DiskRegion r = region;
        ChannelPromise p = regionPromise;
        region = null;
        regionPromise = null;
        r.release();
        p.tryFailure(cause);
        failQueued(cause);
    }

    private void failQueued(Throwable cause) {
        while (!queue.isEmpty()) {
            Object msg = queue.poll();
            ChannelPromise promise = (ChannelPromise) queue.poll();
            ReferenceCountUtil.safeRelease(msg);
            promise.tryFailure(cause);
        }
    }

    @Override
    public void close(ChannelHandlerContext ctx, ChannelPromise promise) {
        abandon(new ClosedChannelException());
        failQueued(new ClosedChannelException());
        ctx.close(promise);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        abandon(new ClosedChannelException());
        failQueued(new ClosedChannelException());
    }
}
