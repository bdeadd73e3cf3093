package org.diskcryptnet.origin.http;

import java.util.concurrent.TimeUnit;

import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The two clocks of a connection: the request-header clock (of a TLS connection from the end of its handshake, not
 * from accept) and the keep-alive clock, each ending where it should although a request only sets fields.
 */
class ConnectionTimeoutsTest {

    private static final long HEADER = TimeUnit.SECONDS.toNanos(10);
    private static final long KEEP_ALIVE = TimeUnit.SECONDS.toNanos(75);

    @Test
    void aPlainConnectionThatSaysNothingIsClosedAfterTheHeaderTimeout() {
        EmbeddedChannel ch = new EmbeddedChannel(new ConnectionTimeouts(HEADER, KEEP_ALIVE));
        elapse(ch, 9, TimeUnit.SECONDS);
        assertTrue(ch.isOpen());
        elapse(ch, 2, TimeUnit.SECONDS);
        assertFalse(ch.isOpen(), "closed 10 s after accept");
    }

    @Test
    void aLongHandshakeDoesNotEatTheFirstRequestsTime() {
        EmbeddedChannel ch = new EmbeddedChannel(new ConnectionTimeouts(HEADER, KEEP_ALIVE, true));
        // 25 s of handshake (lossy link; tls.handshake_timeout bounds this phase, not the header clock)
        elapse(ch, 25, TimeUnit.SECONDS);
        assertTrue(ch.isOpen(), "the header clock does not run during the handshake");
        ch.pipeline().fireUserEventTriggered(SslHandshakeCompletionEvent.SUCCESS);
        elapse(ch, 9, TimeUnit.SECONDS);
        assertTrue(ch.isOpen(), "10 s from the end of the handshake");
        elapse(ch, 2, TimeUnit.SECONDS);
        assertFalse(ch.isOpen(), "a client that says nothing after its handshake is closed");
    }

    @Test
    void aFirstRequestStartsTheClockEvenWithoutTheHandshakeEvent() {
        EmbeddedChannel ch = new EmbeddedChannel(new ConnectionTimeouts(HEADER, KEEP_ALIVE, true));
        ch.writeInbound(Unpooled.wrappedBuffer(new byte[] {'G'})); // a request that never ends
        elapse(ch, 11, TimeUnit.SECONDS);
        assertFalse(ch.isOpen(), "a dribbled request is cut all the same");
    }

    @Test
    void theKeepAliveClockRunsFromTheLastResponse() {
        ConnectionTimeouts timeouts = new ConnectionTimeouts(HEADER, KEEP_ALIVE);
        EmbeddedChannel ch = new EmbeddedChannel(timeouts);
        elapse(ch, 3, TimeUnit.SECONDS);
        serve(ch, timeouts);
        elapse(ch, 74, TimeUnit.SECONDS);
        assertTrue(ch.isOpen(), "74 s after the response");
        elapse(ch, 2, TimeUnit.SECONDS);
        assertFalse(ch.isOpen(), "closed 75 s after the response");
    }

    @Test
    void aNextRequestsHeaderClockRunsFromItsFirstByte() {
        ConnectionTimeouts timeouts = new ConnectionTimeouts(HEADER, KEEP_ALIVE);
        EmbeddedChannel ch = new EmbeddedChannel(timeouts);
        serve(ch, timeouts);
        elapse(ch, 50, TimeUnit.SECONDS);
        read(ch, 'G'); // a request that never ends, 50 s into the keep-alive
        elapse(ch, 9, TimeUnit.SECONDS);
        assertTrue(ch.isOpen(), "9 s after its first byte");
        elapse(ch, 2, TimeUnit.SECONDS);
        assertFalse(ch.isOpen(), "closed 10 s after its first byte");
    }

    @Test
    void requestsSetTheClocksWithoutSchedulingATimerEach() {
        ConnectionTimeouts timeouts = new ConnectionTimeouts(HEADER, KEEP_ALIVE);
        EmbeddedChannel ch = new EmbeddedChannel(timeouts);
        for (int i = 0; i < 3_000; i++) { // 30 s of requests 10 ms apart
            serve(ch, timeouts);
            elapse(ch, 10, TimeUnit.MILLISECONDS);
        }
        assertTrue(ch.isOpen());
        // one check at accept, then one each time a check finds a clock still running (about one per 10 s)
        assertTrue(timeouts.checksScheduled() <= 5, timeouts.checksScheduled() + " checks for 3,000 requests");
        elapse(ch, 76, TimeUnit.SECONDS);
        assertFalse(ch.isOpen(), "the keep-alive clock still ends");
    }

    /** One request and its response: its first bytes arrive, the codec decodes it, the response is sent. */
    private static void serve(EmbeddedChannel ch, ConnectionTimeouts timeouts) {
        read(ch, 'G');
        timeouts.requestStarted();
        timeouts.responseFinished();
    }

    /** Time passes on the channel's clock, and the timers it makes due run. */
    private static void elapse(EmbeddedChannel ch, long amount, TimeUnit unit) {
        ch.advanceTimeBy(amount, unit);
        ch.runScheduledPendingTasks();
    }

    private static void read(EmbeddedChannel ch, char c) {
        ch.writeInbound(Unpooled.wrappedBuffer(new byte[] {(byte) c}));
        ((io.netty.buffer.ByteBuf) ch.readInbound()).release();
    }
}
