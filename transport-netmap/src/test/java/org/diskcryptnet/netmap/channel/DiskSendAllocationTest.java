package org.diskcryptnet.netmap.channel;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.util.ResourceLeakDetector;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import org.diskcryptnet.disk.DiskStorage;
import org.diskcryptnet.disk.uring.IoUringBackend;

/**
 * Zero allocation per packet and per disk read on the disk send path (issue 8): a server channel writes 16 MiB
 * {@code DiskRegion}s back to back over a {@code pipe:} port, each read segment by segment through the loop's
 * {@code DiskSendPath} and io_uring; after 256 MiB of warm-up the server loop's heap allocation while 512 MiB more
 * cross must stay under 1 MiB per GB (one object per read, ~700,000 reads per GB, would be well over 10 MiB). What
 * remains is per region (the region, its open file, the write promise): 64 per GB. Runs in surefire's allocation
 * execution with leak detection off, as {@link SteadyStateAllocationTest}.
 */
@Timeout(120)
class DiskSendAllocationTest {

    private static final long WARM_UP = 256L << 20;
    private static final long MEASURED = 512L << 20;
    private static final int REGION = 16 << 20;
    private static final double MAX_BYTES_PER_GB = 1 << 20;

    @TempDir
    Path dir;

    @Test
    void diskRegionsGoOutWithoutAllocationPerPacketOrRead() throws Exception {
        assumeTrue(ResourceLeakDetector.getLevel() == ResourceLeakDetector.Level.DISABLED,
                () -> "leak detection is " + ResourceLeakDetector.getLevel() + ": it allocates per buffer; run with "
                        + "-Dio.netty.leakDetection.level=disabled (the pom's allocation execution does)");
        assumeTrue(IoUringBackend.isAvailable(), () -> "io_uring unavailable: " + IoUringBackend.unavailabilityCause());
        byte[] content = new byte[REGION];
        new Random(8).nextBytes(content);
        Path file = Files.write(dir.resolve("chunk.bin"), content);
        EventLoopGroup sg = new MultiThreadIoEventLoopGroup(1, NetmapIoHandler.newFactory(
                NetmapConfig.builder().port("pipe:dcd-alloc").address("198.18.110.1/24").build()));
        EventLoopGroup cg = new MultiThreadIoEventLoopGroup(1, NetmapIoHandler.newFactory(
                NetmapConfig.builder().port("pipe:dcd-alloc").address("198.18.110.2/24").build()));
        try (DiskStorage storage = new DiskStorage(new IoUringBackend(), dir, DiskStorage.Config.DEFAULT)) {
            com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
            long serverThread = sg.next().submit(() -> Thread.currentThread().threadId()).get();
            AtomicLong received = new AtomicLong();
            Channel server = new ServerBootstrap().group(sg).channel(NetmapServerSocketChannel.class)
                    .childHandler(new ChannelInboundHandlerAdapter() {
                        @Override
                        public void channelActive(ChannelHandlerContext ctx) {
                            next(ctx);
                        }

                        private void next(ChannelHandlerContext ctx) {
                            try {
                                ctx.writeAndFlush(storage.region(file, 0, REGION)).addListener(f -> {
                                    if (f.isSuccess()) {
                                        next(ctx);
                                    }
                                });
                            } catch (java.io.IOException e) {
                                ctx.close();
                            }
                        }
                    }).bind(0).sync().channel();
            CompletableFuture<Void> reached = new CompletableFuture<>();
            long[] target = {Long.MAX_VALUE};
            Channel client = new Bootstrap().group(cg).channel(NetmapSocketChannel.class)
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
            while (received.get() < WARM_UP) {
                assertTrue(System.nanoTime() < deadline, "warm-up stalled at " + received.get() + " bytes");
                Thread.sleep(20);
            }
            long s0 = mx.getThreadAllocatedBytes(serverThread);
            long g0 = received.get();
            target[0] = g0 + MEASURED;
            reached.get(60, TimeUnit.SECONDS);
            long s1 = mx.getThreadAllocatedBytes(serverThread);
            double gb = (received.get() - g0) / 1e9;
            double serverPerGb = (s1 - s0) / gb;
            System.out.printf("disk send path, steady state over %.2f GB: server loop %.0f B/GB%n", gb, serverPerGb);
            assertTrue(serverPerGb < MAX_BYTES_PER_GB, "server loop allocates " + serverPerGb + " B/GB");
            client.close().sync();
            server.close().sync();
        } finally {
            sg.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
            cg.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }
}
