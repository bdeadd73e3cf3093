package org.diskcryptnet.origin.http;

import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelProgressiveFuture;
import io.netty.channel.ChannelProgressiveFutureListener;
import io.netty.channel.ChannelProgressivePromise;

import org.diskcryptnet.origin.metrics.RouteKind;

/**
 * One request and its response while it is being written: what the access log and the metrics need once
 * the last byte is out. Counts the body bytes actually handed to the socket, part by part, so that an
 * aborted response logs what it really sent.
 */
final class Exchange implements ChannelFutureListener {

    final long startNanos;
    final long startMillis;
    final String method;
    final String target;
    final String version;
    final String range;
    final RouteKind route;
    int status;
    private long bodyBytesSent;
    private long headWrittenNanos;

    Exchange(String method, String target, String version, String range) {
        this.startNanos = System.nanoTime();
        this.startMillis = System.currentTimeMillis();
        this.method = method;
        this.target = target;
        this.version = version;
        this.range = range;
        this.route = RouteKind.of(target);
    }

    /** Listens to the write of the response's header section: the time to first byte ends there. */
    @Override
    public void operationComplete(ChannelFuture future) {
        headWrittenNanos = System.nanoTime();
    }

    /** From the request's header section to the response's, or to {@code endNanos} if the head was not written apart. */
    long firstByteNanos(long endNanos) {
        return (headWrittenNanos != 0 ? headWrittenNanos : endNanos) - startNanos;
    }

    long bodyBytesSent() {
        return bodyBytesSent;
    }

    /** A promise for one body part of {@code length} bytes whose progress is counted as it goes. */
    ChannelProgressivePromise bodyPart(ChannelHandlerContext ctx, long length) {
        ChannelProgressivePromise promise = ctx.newProgressivePromise();
        promise.addListener(new ChannelProgressiveFutureListener() {
            private long counted;

            @Override
            public void operationProgressed(ChannelProgressiveFuture future, long progress, long total) {
                long now = Math.min(progress, length);
                bodyBytesSent += now - counted;
                counted = now;
            }

            @Override
            public void operationComplete(ChannelProgressiveFuture future) {
                if (future.isSuccess()) {
                    bodyBytesSent += length - counted;
                    counted = length;
                }
            }
        });
        return promise;
    }

    /** A body part written as a buffer (multipart framing): counted when its write succeeds. */
    void countOnSuccess(ChannelFuture write, long length) {
        write.addListener(f -> {
            if (f.isSuccess()) {
                bodyBytesSent += length;
            }
        });
    }
}
