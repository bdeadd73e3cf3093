package org.diskcryptnet.netmap.channel;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Zero allocation per packet and per read in steady state (issue 7): a server channel writes 16 KiB direct buffers
 * with void promises as fast as writability allows, a client channel reads them into pooled buffers, over a
 * {@code pipe:} port between two single-loop stacks. After 512 MiB of warm-up, the heap bytes each loop thread
 * allocates while 1 GiB more crosses ({@code ThreadMXBean.getThreadAllocatedBytes}) must stay under 1 MiB per GB:
 * one object per packet (~700,000 packets per GB) or per read would be at least ~10 MiB per GB. The figure is
 * printed. Surefire runs this class in an execution of its own with leak detection off (see the pom), because
 * Netty's paranoid leak detector, on for every other test, records a stack trace per buffer.
 */
@Timeout(120)
class SteadyStateAllocationTest {

    private static final long WARM_UP = 512L << 20;
    private static final long MEASURED = 1L << 30;
    private static final double MAX_BYTES_PER_GB = 1 << 20;

    @Test
    void loopsAllocateNothingPerPacketOrReadOnceWarm() throws Exception {
        SteadyStateMeter.assumeLeakDetectionOff();
        SteadyStateMeter.Result r = SteadyStateMeter.measure("alloc", "198.18.90.1/24", "198.18.90.2/24", new Source(),
                WARM_UP, MEASURED);
        System.out.printf("steady state over %.2f GB: server loop %.0f B/GB, client loop %.0f B/GB%n",
                r.gigabytes(), r.serverBytesPerGb(), r.clientBytesPerGb());
        assertTrue(r.serverBytesPerGb() < MAX_BYTES_PER_GB, "server loop allocates " + r.serverBytesPerGb() + " B/GB");
        assertTrue(r.clientBytesPerGb() < MAX_BYTES_PER_GB, "client loop allocates " + r.clientBytesPerGb() + " B/GB");
    }

    /** Writes 16 KiB direct buffers while the channel is writable, again on every writability change. */
    private static final class Source extends ChannelInboundHandlerAdapter {
        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            send(ctx);
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            send(ctx);
        }

        private static void send(ChannelHandlerContext ctx) {
            while (ctx.channel().isWritable()) {
                ByteBuf b = ctx.alloc().directBuffer(16384);
                b.writerIndex(16384);
                ctx.write(b, ctx.voidPromise());
            }
            ctx.flush();
        }
    }
}
