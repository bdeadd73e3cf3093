package org.diskcryptnet.netmap.channel;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Field;
import java.util.concurrent.TimeUnit;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.SingleThreadEventExecutor;

import org.junit.jupiter.api.Test;

/**
 * A server bound on a group of several loops over a multi-queue port: each loop reads its own queue, and the kernel
 * (RSS) steers flows to every queue, so every loop must run from the bind on, not from its first task, which Netty
 * gives a loop only when something is registered on it.
 */
class EveryLoopStartsTest {

    @Test
    void bindingAServerStartsEveryLoopOfThePort() throws Exception {
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(3, NetmapIoHandler.newFactory(
                NetmapConfig.builder().port("pipe:every-loop").queues(3).address("198.18.90.1/24").build()));
        try {
            Channel server = new ServerBootstrap().group(group).channel(NetmapServerSocketChannel.class)
                    .childHandler(new ChannelInboundHandlerAdapter()).bind(0).sync().channel();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            for (EventExecutor loop : group) {
                while (!started(loop) && System.nanoTime() < deadline) {
                    Thread.sleep(10);
                }
                assertTrue(started(loop), loop + " runs, so its queue is read");
            }
            server.close().sync();
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    /** Whether the loop's thread was started (Netty keeps it in a private state field: 1 is "not started"). */
    private static boolean started(EventExecutor loop) throws ReflectiveOperationException {
        Field state = SingleThreadEventExecutor.class.getDeclaredField("state");
        state.setAccessible(true);
        return ((Number) state.get(loop)).intValue() != 1;
    }
}
