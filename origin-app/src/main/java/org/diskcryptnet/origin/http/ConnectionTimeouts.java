package org.diskcryptnet.origin.http;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;

/**
 * The two clocks of an HTTP/1.1 connection, placed before the codec so that it sees raw bytes:
 * <ul>
 *   <li>the <b>request-header timeout</b> runs from the first byte of a request (or from accept, or over TLS from
 *       the end of the handshake, which has its own timeout) until its header section is decoded; a client that
 *       dribbles headers (slowloris) gets 408 and is closed;</li>
 *   <li>the <b>keep-alive timeout</b> runs while no request is in progress and no byte of the next one has
 *       arrived; an idle connection is closed without a response (RFC 9112 §9.8).</li>
 * </ul>
 * It also tells, for a graceful shutdown, whether the connection is idle and may be closed at once, and keeps the
 * connection in its loop's {@link IdleKeepAlives} while it waits for a next request.
 */
public final class ConnectionTimeouts extends ChannelDuplexHandler {

    private static final byte[] REQUEST_TIMEOUT = ("HTTP/1.1 408 Request Timeout\r\nContent-Type: text/plain\r\n"
            + "Content-Length: 20\r\nConnection: close\r\n\r\n408 Request Timeout\n").getBytes(StandardCharsets.US_ASCII);

    private enum State { IDLE, AWAITING_HEADERS, BUSY }

    private static final VarHandle IN_FLIGHT;

    static {
        try {
            IN_FLIGHT = MethodHandles.lookup().findVarHandle(ConnectionTimeouts.class, "requestsInFlight", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final long headerTimeoutNanos;
    private final long keepAliveNanos;
    /** Over TLS: the first request's clock starts when the handshake is done (tls.handshake_timeout runs before). */
    private final boolean afterHandshake;
    private ChannelHandlerContext ctx;
    private State state = State.AWAITING_HEADERS;
    private boolean bytesSinceAccept;
    private int requestsInFlight;
    /** The running clock's end (the loop's ticker) and which clock it is, while {@link #armed}. */
    private long deadline;
    private boolean headerClock;
    private boolean armed;
    /**
     * The one scheduled check of the clock, at most {@link #step} ahead, so that every deadline armed later is at or
     * after it: arming and stopping a clock, as each request does twice, only set fields, and the check schedules
     * itself again until the deadline, or ends when it finds no clock running. A task scheduled per clock cost each
     * request two allocations and four operations on the loop's heap of timers (thousands of connections deep).
     */
    private ScheduledFuture<?> check;
    private final Runnable checkClock = this::checkClock;
    /** The shorter of the two timeouts (those not off): the furthest ahead a check is scheduled. */
    private final long step;
    private int checksScheduled;
    /** The loop's list this connection joins while idle, taken on the loop the first time it is idle. */
    private IdleKeepAlives idleList;
    ConnectionTimeouts olderIdle;
    ConnectionTimeouts newerIdle;
    boolean listedIdle;
    /** Closed to make room ({@link #closeIdle}): never listed again while its close_notify goes out. */
    private boolean evicted;
    /** Bytes came while a response was in progress and no request was decoded since: a next one has begun. */
    private boolean bytesWhileBusy;

    public ConnectionTimeouts(long headerTimeoutNanos, long keepAliveNanos) {
        this(headerTimeoutNanos, keepAliveNanos, false);
    }

    /**
     * {@code afterHandshake}: the connection starts with a TLS handshake, which the handshake timeout bounds; the
     * first request's clock starts when the handshake succeeds, not at accept. Under loss, a handshake's
     * retransmissions (RTOs of 1, 2, 4 s...) would otherwise eat the request's time, and the connection was closed
     * just as its first request arrived.
     */
    public ConnectionTimeouts(long headerTimeoutNanos, long keepAliveNanos, boolean afterHandshake) {
        this.headerTimeoutNanos = headerTimeoutNanos;
        this.keepAliveNanos = keepAliveNanos;
        this.afterHandshake = afterHandshake;
        this.step = headerTimeoutNanos <= 0 ? keepAliveNanos
                : keepAliveNanos <= 0 ? headerTimeoutNanos : Math.min(headerTimeoutNanos, keepAliveNanos);
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        if (ctx.channel().isActive() && !afterHandshake) {
            arm(headerTimeoutNanos, true);
        }
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        if (!afterHandshake) {
            arm(headerTimeoutNanos, true);
        }
        super.channelActive(ctx);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (afterHandshake && evt instanceof SslHandshakeCompletionEvent done && done.isSuccess()
                && state == State.AWAITING_HEADERS && !armed) {
            arm(headerTimeoutNanos, true);
        }
        super.userEventTriggered(ctx, evt);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        if (msg instanceof ByteBuf buf && buf.isReadable()) {
            bytesSinceAccept = true;
            bytesWhileBusy = state == State.BUSY; // (a request the codec decodes from them clears it)
            if (state == State.IDLE || (state == State.AWAITING_HEADERS && !armed)) {
                leaveIdleList();
                state = State.AWAITING_HEADERS; // (the second case: a first request over TLS, its clock not yet armed)
                arm(headerTimeoutNanos, true);
            }
        }
        super.channelRead(ctx, msg);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        cancel();
        leaveIdleList();
        super.channelInactive(ctx);
    }

    /** The codec has decoded a request's header section. */
    public void requestStarted() {
        requestsInFlight++;
        state = State.BUSY;
        bytesWhileBusy = false;
        armed = false;
        leaveIdleList();
    }

    /** The last byte of a response was handed to the socket (or the write failed). */
    public void responseFinished() {
        if (--requestsInFlight > 0) {
            return;
        }
        requestsInFlight = 0;
        if (bytesWhileBusy) {
            // part of a next request came during the response: its header clock runs, and it is not idle
            state = State.AWAITING_HEADERS;
            arm(headerTimeoutNanos, true);
            return;
        }
        state = State.IDLE;
        arm(keepAliveNanos, false);
        if (ctx.channel().isActive() && !listedIdle && !evicted) {
            if (idleList == null) {
                idleList = IdleKeepAlives.ofThisLoop();
            }
            idleList.add(this);
        }
    }

    /**
     * Closes this connection, idle between requests, to make room for a new one (see {@link IdleKeepAlives}); a
     * graceful close (over TLS a close_notify), as when its keep-alive timeout ends.
     */
    public void closeIdle() {
        evicted = true;
        cancel();
        leaveIdleList();
        ctx.close();
    }

    public Channel channel() {
        return ctx.channel();
    }

    private void leaveIdleList() {
        if (listedIdle) {
            idleList.remove(this);
        }
    }

    /** No request in progress: a graceful shutdown may close this connection now. */
    public boolean idle() {
        return requestsInFlight == 0;
    }

    /** {@link #idle()} for a metrics scrape on another thread: an opaque read of the loop's plain counter. */
    public boolean idleSeenFromAnotherThread() {
        return (int) IN_FLIGHT.getOpaque(this) == 0;
    }

    private void arm(long nanos, boolean headerClock) {
        armed = nanos > 0;
        if (!armed) {
            return;
        }
        long now = ctx.executor().ticker().nanoTime();
        this.deadline = now + nanos;
        this.headerClock = headerClock;
        if (check == null) {
            scheduleCheck(now);
        }
    }

    private void scheduleCheck(long now) {
        check = ctx.executor().schedule(checkClock, Math.min(deadline - now, step), TimeUnit.NANOSECONDS);
        checksScheduled++;
    }

    private void checkClock() {
        check = null;
        if (!armed) {
            return;
        }
        long now = ctx.executor().ticker().nanoTime();
        if (now - deadline < 0) {
            scheduleCheck(now);
            return;
        }
        armed = false;
        expire(headerClock);
    }

    /** The connection is done with: no clock runs and the check leaves the loop's timers now. */
    private void cancel() {
        armed = false;
        if (check != null) {
            check.cancel(false);
            check = null;
        }
    }

    /** Checks of the clock scheduled so far (a test's view of how often the loop's timers are touched). */
    int checksScheduled() {
        return checksScheduled;
    }

    private void expire(boolean headerClock) {
        if (!ctx.channel().isActive() || state == State.BUSY) {
            return;
        }
        if (headerClock && bytesSinceAccept) {
            // RFC 9110 §15.5.9: 408 tells the client the server gave up waiting for the request.
            ByteBuf response = Unpooled.wrappedBuffer(REQUEST_TIMEOUT);
            ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
        } else {
            ctx.close();
        }
    }
}
