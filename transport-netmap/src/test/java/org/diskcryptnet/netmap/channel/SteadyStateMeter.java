package org.diskcryptnet.netmap.channel;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ResourceLeakDetector;

/**
 * The allocation tests' measurement: a server channel (its handler given) streams to a client channel that counts
 * and releases what it reads, over {@link PipeGroups}; after a warm-up, the heap bytes each loop thread allocates
 * while a measured amount crosses ({@code ThreadMXBean.getThreadAllocatedBytes}) are divided by the gigabytes.
 */
final class SteadyStateMeter {

    /** Heap bytes per GB received that the loops allocated while the measured bytes crossed. */
    record Result(double gigabytes, double serverBytesPerGb, double clientBytesPerGb) {}

    private SteadyStateMeter() {}

    /** Netty's leak detector records a stack trace per buffer: the pom runs these tests with it off. */
    static void assumeLeakDetectionOff() {
        assumeTrue(ResourceLeakDetector.getLevel() == ResourceLeakDetector.Level.DISABLED,
                () -> "leak detection is " + ResourceLeakDetector.getLevel() + ": it allocates per buffer; run with "
                        + "-Dio.netty.leakDetection.level=disabled (the pom's allocation execution does)");
    }

    /** Streams over {@code pipe:NAME} between {@code serverAddress} and {@code clientAddress}, both CIDR. */
    static Result measure(String pipe, String serverAddress, String clientAddress, ChannelHandler serverChild,
                          long warmUpBytes, long measuredBytes) throws Exception {
        try (PipeGroups groups = PipeGroups.open(pipe, serverAddress, clientAddress)) {
            com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
            long serverThread = groups.server.next().submit(() -> Thread.currentThread().threadId()).get();
            long clientThread = groups.client.next().submit(() -> Thread.currentThread().threadId()).get();
            AtomicLong received = new AtomicLong();
            CompletableFuture<Void> reached = new CompletableFuture<>();
            long[] target = {Long.MAX_VALUE};
            Channel server = new ServerBootstrap().group(groups.server).channel(NetmapServerSocketChannel.class)
                    .childHandler(serverChild).bind(0).sync().channel();
            Channel client = new Bootstrap().group(groups.client).channel(NetmapSocketChannel.class)
                    .handler(new ChannelInboundHandlerAdapter() {
                        @Override
                        public void channelRead(ChannelHandlerContext ctx, Object msg) {
                            ByteBuf b = (ByteBuf) msg;
                            long total = received.addAndGet(b.readableBytes());
                            b.release();
                            if (total >= target[0]) {
                                reached.complete(null);
                            }
                        }
                    }).connect((InetSocketAddress) server.localAddress()).sync().channel();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (received.get() < warmUpBytes) {
                assertTrue(System.nanoTime() < deadline, "warm-up stalled at " + received.get() + " bytes");
                Thread.sleep(20);
            }
            long s0 = mx.getThreadAllocatedBytes(serverThread);
            long c0 = mx.getThreadAllocatedBytes(clientThread);
            long g0 = received.get();
            target[0] = g0 + measuredBytes;
            reached.get(60, TimeUnit.SECONDS);
            long s1 = mx.getThreadAllocatedBytes(serverThread);
            long c1 = mx.getThreadAllocatedBytes(clientThread);
            double gb = (received.get() - g0) / 1e9;
            client.close().sync();
            server.close().sync();
            return new Result(gb, (s1 - s0) / gb, (c1 - c0) / gb);
        }
    }
}
