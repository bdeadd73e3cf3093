package org.diskcryptnet.origin.loop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import io.netty.channel.IoEventLoop;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.util.concurrent.EventExecutor;

import org.junit.jupiter.api.Test;

class MeteredEventLoopGroupTest {

    @Test
    void countsTasksWakeupsAndTheLoopThreadPerLoop() throws Exception {
        MeteredEventLoopGroup group = new MeteredEventLoopGroup(2, NioIoHandler.newFactory());
        try {
            assertEquals(2, group.stats().size());
            assertEquals(0, group.stats().get(0).index());
            assertEquals(1, group.stats().get(1).index());
            assertEquals(-1, group.stats().get(0).threadId(), "no thread before the first task");
            EventExecutor first = group.iterator().next();
            long[] loopThread = new long[1];
            for (int i = 0; i < 50; i++) {
                CountDownLatch ran = new CountDownLatch(1);
                first.execute(() -> {
                    loopThread[0] = Thread.currentThread().threadId();
                    ran.countDown();
                });
                assertTrue(ran.await(5, TimeUnit.SECONDS));
                // let the loop go idle between submissions, so each one wakes it
                Thread.sleep(2);
            }
            CountDownLatch timer = new CountDownLatch(1);
            first.schedule(timer::countDown, 5, TimeUnit.MILLISECONDS);
            assertTrue(timer.await(5, TimeUnit.SECONDS));
            LoopStats s = group.stats().get(0);
            assertTrue(s.tasks() >= 51, "tasks " + s.tasks());
            assertTrue(s.wakeups() >= 25, "wake-ups " + s.wakeups());
            assertTrue(s.ioRuns() >= s.wakeups(), "runs " + s.ioRuns() + " wake-ups " + s.wakeups());
            assertEquals(loopThread[0], s.threadId());
            assertEquals(0, group.stats().get(1).tasks(), "the other loop ran nothing");
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    @Test
    void keepsTheTransportsOwnIoHandler() {
        MeteredEventLoopGroup group = new MeteredEventLoopGroup(1, NioIoHandler.newFactory());
        try {
            IoEventLoop loop = (IoEventLoop) group.next();
            // the disk queue's completion bridge and Netty's channels ask the loop for its handler's type
            assertTrue(loop.isIoType(NioIoHandler.class));
            assertTrue(!loop.isIoType(EpollIoHandler.class));
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }
}
