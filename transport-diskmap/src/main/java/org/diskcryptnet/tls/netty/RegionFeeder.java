package org.diskcryptnet.tls.netty;

import java.io.IOException;
import java.util.function.Consumer;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.channel.PendingWriteQueue;
import io.netty.channel.VoidChannelPromise;
import io.netty.util.ReferenceCountUtil;

/**
 * The outbound side of {@link TlsRecordHandler} below the sealing: it writes sealed records to the channel in
 * sequence-number order, and a {@link TlsFileRegion} batch by batch, each {@link SealedBatch} only once it has been
 * read and sealed. What is written behind a region waits here until the region's last batch has gone to the channel.
 *
 * <p>Why not pass the region itself down: a region whose next bytes are still being read would sit at the head of the
 * channel's outbound buffer unable to write, and a transport that then waits for writability (Netty 4.2's epoll is
 * level-triggered) would wake up again and again for a socket that is writable while the disk is not done.
 */
final class RegionFeeder implements Runnable {

    private final ChannelHandlerContext ctx;
    private final Consumer<Throwable> broken;
    private final PendingWriteQueue behind;
    /** For every batch but a region's last, whose promise is the region's: a failed write shows as a failed region. */
    private final ChannelPromise quiet;
    private TlsFileRegion current;
    private ChannelPromise currentPromise;
    private boolean pumpScheduled;

    /** @param broken told when the record stream cannot go on (a body's read failed): the connection must end */
    RegionFeeder(ChannelHandlerContext ctx, Consumer<Throwable> broken) {
        this.ctx = ctx;
        this.broken = broken;
        this.behind = new PendingWriteQueue(ctx);
        this.quiet = new VoidChannelPromise(ctx.channel(), false);
    }

    /** A sealed record, or a bound region, in the order their sequence numbers were taken. */
    void write(Object msg, ChannelPromise promise) {
        if (current == null && behind.isEmpty()) {
            forward(msg, promise);
            pump();
        } else {
            behind.add(msg, promise);
        }
    }

    /** What a region bound to this connection runs when a batch is sealed or a read failed. */
    Runnable readyCallback() {
        return ready;
    }

    private final Runnable ready = this::batchReady;

    /** Batches are handed on from a task, never from inside the channel's write (a read may complete there). */
    private void batchReady() {
        if (!pumpScheduled) {
            pumpScheduled = true;
            ctx.executor().execute(this);
        }
    }

    @Override
    public void run() {
        pumpScheduled = false;
        if (pump()) {
            ctx.flush();
        }
    }

    private void forward(Object msg, ChannelPromise promise) {
        if (!(msg instanceof TlsFileRegion region)) {
            ctx.write(msg, promise);
            return;
        }
        current = region;
        currentPromise = promise;
        try {
            region.start();
        } catch (IOException | RuntimeException e) {
            abandon(e);
        }
    }

    /** Writes every sealed batch of the current region, then what waited behind it; returns whether it wrote. */
    private boolean pump() {
        boolean wrote = false;
        while (current != null) {
            SealedBatch batch;
            try {
                batch = current.nextBatch();
            } catch (IOException e) {
                abandon(e);
                return wrote;
            }
            if (batch != null) {
                wrote = true;
                if (!current.done()) {
                    ctx.write(batch, quiet);
                    continue;
                }
                ctx.write(batch, currentPromise);
            } else if (!current.done()) {
                return wrote; // the disk is still reading
            } else {
                currentPromise.trySuccess(); // an empty body
            }
            TlsFileRegion finished = current;
            current = null;
            currentPromise = null;
            finished.release();
            while (current == null && !behind.isEmpty()) {
                // remove() releases the message: keep the reference we pass on.
                Object msg = ReferenceCountUtil.retain(behind.current());
                forward(msg, behind.remove());
            }
        }
        return wrote;
    }

    /** A body's read failed: its records' sequence numbers will never be sent, so nothing after them can be. */
    private void abandon(Throwable cause) {
        ChannelPromise promise = currentPromise;
        current.release();
        current = null;
        currentPromise = null;
        promise.tryFailure(cause);
        behind.removeAndFailAll(cause);
        broken.accept(cause);
    }

    /** The connection is gone or the handler removed: fails the region in progress and everything behind it. */
    void failAll(Throwable cause) {
        if (current != null) {
            current.release();
            current = null;
            currentPromise.tryFailure(cause);
            currentPromise = null;
        }
        if (!behind.isEmpty()) {
            behind.removeAndFailAll(cause);
        }
    }
}
