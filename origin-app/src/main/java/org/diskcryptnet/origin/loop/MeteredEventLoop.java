package org.diskcryptnet.origin.loop;

import java.util.concurrent.Executor;

import io.netty.channel.IoEventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.SingleThreadIoEventLoop;

/**
 * Netty's {@link SingleThreadIoEventLoop} with its turns counted in a {@link LoopStats}: the I/O handler stays
 * the transport's own (so {@code isIoType} checks keep working), only the loop's hooks are overridden. Each
 * count is one opaque store on the loop thread.
 */
final class MeteredEventLoop extends SingleThreadIoEventLoop {

    private final LoopStats stats;

    MeteredEventLoop(IoEventLoopGroup parent, Executor executor, IoHandlerFactory factory, int index) {
        super(parent, executor, factory);
        this.stats = new LoopStats(index, this);
    }

    LoopStats stats() {
        return stats;
    }

    int channels() {
        return getNumOfRegisteredChannels();
    }

    @Override
    protected void run() {
        stats.threadStarted(Thread.currentThread().threadId());
        super.run();
    }

    @Override
    protected int runIo() {
        // the same test the loop's IoHandlerContext.canBlock() makes: only then may the handler sleep
        boolean mayBlock = !hasTasks() && !hasScheduledTasks();
        int events = super.runIo();
        stats.ioRun(events, mayBlock);
        return events;
    }

    @Override
    protected Runnable pollTask() {
        Runnable task = super.pollTask();
        if (task != null) {
            stats.taskRun();
        }
        return task;
    }
}
