package org.diskcryptnet.origin.server;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.DuplexChannel;
import io.netty.util.AttributeKey;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.internal.logging.InternalLogger;
import io.netty.util.internal.logging.InternalLoggerFactory;

import org.diskcryptnet.origin.http.ConnectionTimeouts;
import org.diskcryptnet.origin.http.IdleKeepAlives;
import org.diskcryptnet.origin.http.LogThrottle;
import org.diskcryptnet.origin.metrics.OriginMetrics;

/**
 * Holds the number of open client connections to {@code server.max_connections}. A connection over the limit
 * takes the place of the oldest connection of its loop that waits between requests (see {@link IdleKeepAlives});
 * if there is none, it is refused: on the plain listener told so with 503 and closed, on the TLS listener, where
 * no byte can be sent before a handshake, closed at once. Either way it costs the server almost nothing and is
 * counted.
 */
@ChannelHandler.Sharable
final class ConnectionLimiter extends ChannelInboundHandlerAdapter {

    private static final AttributeKey<Boolean> COUNTED = AttributeKey.valueOf("dcn.connection.counted");
    private static final byte[] OVERLOADED = ("HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain\r\n"
            + "Content-Length: 24\r\nRetry-After: 1\r\nConnection: close\r\n\r\n503 Service Unavailable\n")
            .getBytes(StandardCharsets.US_ASCII);

    private static final long LINGER_SECONDS = 2;
    private static final InternalLogger LOG = InternalLoggerFactory.getInstance(ConnectionLimiter.class);
    private static final LogThrottle AT_LIMIT_WARNINGS = new LogThrottle(TimeUnit.SECONDS.toNanos(10));

    private final int maxConnections;
    private final AtomicInteger open;
    private final OriginMetrics metrics;

    ConnectionLimiter(int maxConnections, OriginMetrics metrics) {
        this.maxConnections = maxConnections;
        this.open = metrics.openConnections();
        this.metrics = metrics;
    }

    /** Called first in every accepted channel's initializer: false means the channel was refused. */
    boolean admit(Channel channel, boolean plain) {
        if (open.incrementAndGet() > maxConnections && !takePlaceOfIdle(channel)) {
            open.decrementAndGet();
            metrics.connectionRejected();
            if (plain) {
                refuseWith503(channel);
            } else {
                channel.close();
            }
            return false;
        }
        channel.attr(COUNTED).set(Boolean.TRUE);
        channel.pipeline().addFirst("connection-limiter", this);
        return true;
    }

    /**
     * Closes the oldest idle keep-alive connection of the new connection's loop and gives its place in the count to
     * the new one; false if the loop has none. Only this loop's list is looked at: another loop's is not ours to
     * touch, and the port's hash spreads connections evenly over the loops.
     */
    private boolean takePlaceOfIdle(Channel channel) {
        if (!channel.eventLoop().inEventLoop()) {
            return false;
        }
        ConnectionTimeouts idle = IdleKeepAlives.ofThisLoop().oldest();
        if (idle == null) {
            return false;
        }
        // its place in the count goes to the new connection, counted already (taken before the close, whose
        // channelInactive would give it back)
        boolean counted = idle.channel().attr(COUNTED).getAndSet(null) != null;
        idle.closeIdle(); // leaves the list for good
        if (!counted) {
            return false; // (only admitted connections are listed) refuse rather than let the count drift
        }
        open.decrementAndGet();
        metrics.connectionEvicted();
        if (AT_LIMIT_WARNINGS.permits()) {
            LOG.warn("server.max_connections ({}) reached: closing the oldest idle keep-alive connections to admit "
                    + "new ones", maxConnections);
        }
        return true;
    }

    /**
     * Writes 503 and half-closes, then drains what the client still sends for a moment before closing
     * (a "lingering close"): closing with unread input would make the kernel answer with RST, and an RST
     * can destroy the 503 in the client's receive buffer before it is read.
     */
    private static void refuseWith503(Channel channel) {
        channel.pipeline().addLast(new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                ReferenceCountUtil.release(msg);
            }
        });
        channel.writeAndFlush(Unpooled.wrappedBuffer(OVERLOADED)).addListener(f -> {
            if (f.isSuccess() && channel instanceof DuplexChannel duplex) {
                duplex.shutdownOutput();
                channel.eventLoop().schedule(() -> channel.close(), LINGER_SECONDS, TimeUnit.SECONDS);
            } else {
                channel.close();
            }
        });
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        if (ctx.channel().attr(COUNTED).getAndSet(null) != null) {
            open.decrementAndGet();
        }
        super.channelInactive(ctx);
    }
}
