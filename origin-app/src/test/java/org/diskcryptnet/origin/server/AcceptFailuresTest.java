package org.diskcryptnet.origin.server;

import java.io.IOException;
import java.util.concurrent.atomic.AtomicReference;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import org.diskcryptnet.origin.metrics.OriginMetrics;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AcceptFailuresTest {

    @Test
    void aFailedAcceptIsCountedAndGoesNoFurther() {
        OriginMetrics metrics = new OriginMetrics();
        AtomicReference<Throwable> beyond = new AtomicReference<>();
        EmbeddedChannel listener = new EmbeddedChannel(new AcceptFailures(metrics), new ChannelInboundHandlerAdapter() {
            @Override
            public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                beyond.set(cause);
            }
        });
        for (int i = 0; i < 3; i++) {
            listener.pipeline().fireExceptionCaught(new IOException("accept(..) failed: Too many open files"));
        }
        listener.checkException();
        assertNull(beyond.get());
        assertTrue(metrics.scrape().contains("http_server_accept_failures_total 3.0"), metrics.scrape());
    }
}
