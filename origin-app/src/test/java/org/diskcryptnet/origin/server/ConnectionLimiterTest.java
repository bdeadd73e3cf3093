package org.diskcryptnet.origin.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.netty.channel.embedded.EmbeddedChannel;
import org.diskcryptnet.origin.http.ConnectionTimeouts;
import org.diskcryptnet.origin.metrics.OriginMetrics;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** At the limit a new connection takes the place of the oldest idle keep-alive one, and is refused if none is. */
class ConnectionLimiterTest {

    private final OriginMetrics metrics = new OriginMetrics();
    private final ConnectionLimiter limiter = new ConnectionLimiter(2, metrics);
    private final List<EmbeddedChannel> channels = new ArrayList<>();

    @AfterEach
    void closeAll() {
        channels.forEach(EmbeddedChannel::finishAndReleaseAll);
    }

    /** A connection as the origin's initializer builds it, or null if refused. */
    private ConnectionTimeouts accept() {
        EmbeddedChannel ch = new EmbeddedChannel();
        channels.add(ch);
        if (!limiter.admit(ch, false)) {
            return null;
        }
        ConnectionTimeouts timeouts = new ConnectionTimeouts(TimeUnit.SECONDS.toNanos(10),
                TimeUnit.SECONDS.toNanos(75));
        ch.pipeline().addLast(timeouts);
        return timeouts;
    }

    private double counter(String name) {
        String line = metrics.scrape().lines().filter(l -> l.startsWith(name + " ")).findFirst().orElseThrow();
        return Double.parseDouble(line.substring(name.length() + 1));
    }

    @Test
    void theOldestIdleConnectionMakesRoomAndTheCountStaysExact() {
        ConnectionTimeouts first = accept();
        ConnectionTimeouts second = accept();
        first.requestStarted();
        first.responseFinished();
        second.requestStarted();
        second.responseFinished();
        assertTrue(accept() != null, "admitted in place of an idle connection");
        assertFalse(channels.get(0).isOpen(), "the oldest idle one is closed");
        assertTrue(channels.get(1).isOpen());
        channels.get(0).runPendingTasks(); // its channelInactive
        assertEquals(2, metrics.openConnections().get(), "the closed one's place went to the new one");
        assertEquals(1, counter("http_server_connections_evicted_total"));
        assertEquals(0, counter("http_server_connections_rejected_total"));
    }

    @Test
    void withoutAnIdleConnectionTheNewOneIsRefused() {
        ConnectionTimeouts first = accept();
        accept(); // not a request yet: not idle
        first.requestStarted(); // a response in progress: not idle
        assertEquals(null, accept());
        assertFalse(channels.get(2).isOpen());
        assertTrue(channels.get(0).isOpen() && channels.get(1).isOpen());
        assertEquals(2, metrics.openConnections().get());
        assertEquals(1, counter("http_server_connections_rejected_total"));
        assertEquals(0, counter("http_server_connections_evicted_total"));
        channels.get(1).close();
        channels.get(1).runPendingTasks();
        assertEquals(1, metrics.openConnections().get(), "a closed connection gives its place back");
    }
}
