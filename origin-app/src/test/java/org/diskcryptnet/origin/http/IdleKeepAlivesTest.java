package org.diskcryptnet.origin.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A connection is in its loop's list exactly while it waits between requests, oldest first. */
class IdleKeepAlivesTest {

    private static final long HEADER = TimeUnit.SECONDS.toNanos(10);
    private static final long KEEP_ALIVE = TimeUnit.SECONDS.toNanos(75);

    private final IdleKeepAlives idle = IdleKeepAlives.ofThisLoop();
    private final List<EmbeddedChannel> channels = new ArrayList<>();

    @AfterEach
    void closeAll() {
        channels.forEach(EmbeddedChannel::finishAndReleaseAll);
        assertEquals(0, idle.size(), "closed connections leave the list");
    }

    private ConnectionTimeouts connection() {
        ConnectionTimeouts timeouts = new ConnectionTimeouts(HEADER, KEEP_ALIVE);
        channels.add(new EmbeddedChannel(timeouts));
        return timeouts;
    }

    private static void serveOne(ConnectionTimeouts c) {
        c.requestStarted();
        c.responseFinished();
    }

    @Test
    void onlyConnectionsBetweenRequestsAreListedOldestFirst() {
        ConnectionTimeouts fresh = connection();
        ConnectionTimeouts a = connection();
        ConnectionTimeouts b = connection();
        assertNull(idle.oldest(), "a connection that has not had a request is not idle yet");
        serveOne(b);
        serveOne(a);
        assertEquals(2, idle.size());
        assertSame(b, idle.oldest());
        serveOne(b); // served again: now the newest
        assertSame(a, idle.oldest());
        a.requestStarted();
        assertSame(b, idle.oldest(), "a request in progress leaves the list");
        assertFalse(fresh.listedIdle);
    }

    @Test
    void theFirstByteOfANextRequestLeavesTheList() {
        ConnectionTimeouts a = connection();
        serveOne(a);
        assertSame(a, idle.oldest());
        channels.getFirst().writeInbound(Unpooled.wrappedBuffer(new byte[] {'G'}));
        assertNull(idle.oldest());
        assertEquals(0, idle.size());
    }

    @Test
    void pipelinedRequestsAreIdleOnlyAfterTheLastResponse() {
        ConnectionTimeouts a = connection();
        a.requestStarted();
        a.requestStarted();
        a.responseFinished();
        assertNull(idle.oldest(), "one response still to go");
        a.responseFinished();
        assertSame(a, idle.oldest());
    }

    @Test
    void partOfANextRequestDuringAResponseKeepsItOffTheList() {
        ConnectionTimeouts a = connection();
        a.requestStarted();
        channels.getFirst().writeInbound(Unpooled.wrappedBuffer(new byte[] {'G'})); // pipelined, not yet decoded
        a.responseFinished();
        assertNull(idle.oldest(), "a next request has begun: not idle");
        a.requestStarted();
        a.responseFinished();
        assertSame(a, idle.oldest());
    }

    @Test
    void aConnectionClosedToMakeRoomIsNeverListedAgain() {
        ConnectionTimeouts a = new ConnectionTimeouts(HEADER, KEEP_ALIVE);
        // a close that takes a while (over TLS the close_notify goes out first): the channel stays active
        channels.add(new EmbeddedChannel(new ChannelOutboundHandlerAdapter() {
            @Override
            public void close(ChannelHandlerContext ctx, ChannelPromise promise) {}
        }, a));
        serveOne(a);
        a.closeIdle();
        assertTrue(channels.getFirst().isActive());
        serveOne(a); // a request decoded before the close completes
        assertNull(idle.oldest(), "closed once to make room; not a second time");
    }

    @Test
    void closingAnIdleConnectionOrItsTimeoutTakesItOut() {
        ConnectionTimeouts a = connection();
        ConnectionTimeouts b = connection();
        serveOne(a);
        serveOne(b);
        a.closeIdle();
        assertFalse(channels.get(0).isOpen());
        assertSame(b, idle.oldest());
        channels.get(1).advanceTimeBy(76, TimeUnit.SECONDS);
        channels.get(1).runScheduledPendingTasks();
        assertFalse(channels.get(1).isOpen(), "closed by its keep-alive timeout");
        assertEquals(0, idle.size());
    }
}
