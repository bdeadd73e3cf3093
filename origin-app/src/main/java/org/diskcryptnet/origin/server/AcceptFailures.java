package org.diskcryptnet.origin.server;

import java.util.concurrent.TimeUnit;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.internal.logging.InternalLogger;
import io.netty.util.internal.logging.InternalLoggerFactory;

import org.diskcryptnet.origin.http.LogThrottle;
import org.diskcryptnet.origin.metrics.OriginMetrics;

/**
 * The end of a listener's pipeline, after Netty's acceptor: a connection the kernel completed that accept(2) could
 * not take (most often EMFILE: the process is out of descriptors) is counted in
 * {@code http_server_accept_failures_total} and logged with its remedy at most once per 10 s, as nginx logs
 * {@code accept4() failed (24: Too many open files)}. The acceptor before this handler has already stopped accepting
 * for a second, so the connection waits in the kernel's queue and is taken when descriptors are free again. Without
 * this handler the pipeline's tail logged Netty's generic "reached at the tail of the pipeline" warning for every
 * failed accept.
 */
@ChannelHandler.Sharable
final class AcceptFailures extends ChannelInboundHandlerAdapter {

    private static final InternalLogger LOG = InternalLoggerFactory.getInstance(AcceptFailures.class);
    private static final LogThrottle WARNINGS = new LogThrottle(TimeUnit.SECONDS.toNanos(10));

    private final OriginMetrics metrics;

    AcceptFailures(OriginMetrics metrics) {
        this.metrics = metrics;
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        metrics.acceptFailed();
        if (WARNINGS.permits()) {
            String message = String.valueOf(cause.getMessage());
            LOG.warn("origin: accepting on {} failed: {}; accepting resumes in 1 s{}", ctx.channel().localAddress(),
                    message, message.contains("Too many open files")
                            ? " (raise the open-file limit, RLIMIT_NOFILE, or lower server.max_connections)" : "");
        }
    }
}
