package org.diskcryptnet.origin.http;

import java.util.concurrent.TimeUnit;

import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The request-header clock of a TLS connection starts when its handshake is done, not at accept. */
class ConnectionTimeoutsTest {

    private static final long HEADER = TimeUnit.SECONDS.toNanos(10);
    private static final long KEEP_ALIVE = TimeUnit.SECONDS.toNanos(75);

    @Test
    void aPlainConnectionThatSaysNothingIsClosedAfterTheHeaderTimeout() {
        EmbeddedChannel ch = new EmbeddedChannel(new ConnectionTimeouts(HEADER, KEEP_ALIVE));
        ch.advanceTimeBy(9, TimeUnit.SECONDS);
        ch.runScheduledPendingTasks();
        assertTrue(ch.isOpen());
        ch.advanceTimeBy(2, TimeUnit.SECONDS);
        ch.runScheduledPendingTasks();
        assertFalse(ch.isOpen(), "closed 10 s after accept");
    }

    @Test
    void aLongHandshakeDoesNotEatTheFirstRequestsTime() {
        EmbeddedChannel ch = new EmbeddedChannel(new ConnectionTimeouts(HEADER, KEEP_ALIVE, true));
        // 25 s of handshake (lossy link; tls.handshake_timeout bounds this phase, not the header clock)
        ch.advanceTimeBy(25, TimeUnit.SECONDS);
        ch.runScheduledPendingTasks();
        assertTrue(ch.isOpen(), "the header clock does not run during the handshake");
        ch.pipeline().fireUserEventTriggered(SslHandshakeCompletionEvent.SUCCESS);
        ch.advanceTimeBy(9, TimeUnit.SECONDS);
        ch.runScheduledPendingTasks();
        assertTrue(ch.isOpen(), "10 s from the end of the handshake");
        ch.advanceTimeBy(2, TimeUnit.SECONDS);
        ch.runScheduledPendingTasks();
        assertFalse(ch.isOpen(), "a client that says nothing after its handshake is closed");
    }

    @Test
    void aFirstRequestStartsTheClockEvenWithoutTheHandshakeEvent() {
        EmbeddedChannel ch = new EmbeddedChannel(new ConnectionTimeouts(HEADER, KEEP_ALIVE, true));
        ch.writeInbound(Unpooled.wrappedBuffer(new byte[] {'G'})); // a request that never ends
        ch.advanceTimeBy(11, TimeUnit.SECONDS);
        ch.runScheduledPendingTasks();
        assertFalse(ch.isOpen(), "a dribbled request is cut all the same");
    }
}
