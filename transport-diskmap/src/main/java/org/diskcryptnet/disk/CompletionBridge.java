package org.diskcryptnet.disk;

import java.util.concurrent.TimeUnit;

import io.netty.channel.EventLoop;
import io.netty.channel.IoEventLoop;
import io.netty.channel.IoRegistration;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandle;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollIoOps;
import io.netty.channel.unix.FileDescriptor;
import io.netty.util.concurrent.ScheduledFuture;

/**
 * How disk completions reach the event loop that owns the queue, without ever blocking it.
 *
 * <p>On Netty's epoll transport the ring's completion eventfd is registered with the loop's own epoll set
 * through Netty 4.2's {@code IoHandle} API: the loop sleeps in one {@code epoll_wait} for sockets, timers and
 * disk completions alike, and a completion wakes it like a readable socket would. We chose this over Netty's
 * io_uring transport because the origin runs on epoll (the default, and what the netmap transport's loops are
 * built like), and a second ring for the disk keeps SQE128/CQE32 passthrough rings independent of the network
 * ring's setup. On other loops (NIO) or for queues without an eventfd (in memory), the loop polls the queue from
 * a short timer while reads are in flight.
 */
abstract class CompletionBridge {

    /** Chooses the bridge for this loop and queue. */
    static CompletionBridge attach(EventLoop loop, DiskQueue queue, Runnable onCompletion) {
        if (queue.completionFd() >= 0 && loop instanceof IoEventLoop io && Epoll.isAvailable()
                && io.isIoType(EpollIoHandler.class)) {
            return new EpollBridge(io, queue, onCompletion);
        }
        return new Timer(loop, onCompletion);
    }

    /** Reads were submitted: make sure their completions will be noticed. */
    abstract void armed(int inFlight);

    /** The loop is done with the queue: stop watching it. */
    abstract void detach();

    /** The eventfd in the loop's epoll set (level-triggered EPOLLIN). */
    private static final class EpollBridge extends CompletionBridge implements EpollIoHandle {
        private final DiskQueue queue;
        private final Runnable onCompletion;
        private final FileDescriptor fd;
        private IoRegistration registration;

        EpollBridge(IoEventLoop loop, DiskQueue queue, Runnable onCompletion) {
            this.queue = queue;
            this.onCompletion = onCompletion;
            // The queue owns the descriptor: Netty only watches it (close() below closes nothing).
            this.fd = new FileDescriptor(queue.completionFd());
            try {
                registration = loop.register(this).syncUninterruptibly().getNow();
                registration.submit(EpollIoOps.EPOLLIN);
            } catch (RuntimeException e) {
                throw new IllegalStateException("cannot add the disk completion eventfd to the epoll loop", e);
            }
        }

        @Override
        public FileDescriptor fd() {
            return fd;
        }

        @Override
        public void handle(IoRegistration registration, io.netty.channel.IoEvent ioEvent) {
            // Clear the eventfd first: a completion posted after this re-signals it, so none is missed.
            queue.drainCompletionFd();
            onCompletion.run();
        }

        @Override
        void armed(int inFlight) {
            // nothing to do: the kernel signals the eventfd
        }

        @Override
        public void close() {
            // Netty calls this when the loop shuts down: the descriptor belongs to the queue, nothing to close.
        }

        @Override
        void detach() {
            if (registration != null) {
                registration.cancel();
            }
        }
    }

    /** Polls from a timer while reads are in flight: for NIO loops and queues without an eventfd. */
    private static final class Timer extends CompletionBridge implements Runnable {
        private static final long INTERVAL_NANOS = 20_000;
        private final EventLoop loop;
        private final Runnable onCompletion;
        private ScheduledFuture<?> pending;

        Timer(EventLoop loop, Runnable onCompletion) {
            this.loop = loop;
            this.onCompletion = onCompletion;
        }

        @Override
        void armed(int inFlight) {
            if (pending == null && inFlight > 0) {
                pending = loop.schedule(this, INTERVAL_NANOS, TimeUnit.NANOSECONDS);
            }
        }

        @Override
        public void run() {
            pending = null;
            onCompletion.run();
        }

        @Override
        void detach() {
            if (pending != null) {
                pending.cancel(false);
            }
        }
    }
}
