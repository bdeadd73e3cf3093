package org.diskcryptnet.netmap.channel;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
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
        SteadyStateMeter.assumeLeakDetectionOff();
        assumeTrue(IoUringBackend.isAvailable(), () -> "io_uring unavailable: " + IoUringBackend.unavailabilityCause());
        byte[] content = new byte[REGION];
        new Random(8).nextBytes(content);
        Path file = Files.write(dir.resolve("chunk.bin"), content);
        try (DiskStorage storage = new DiskStorage(new IoUringBackend(), dir, DiskStorage.Config.DEFAULT)) {
            SteadyStateMeter.Result r = SteadyStateMeter.measure("dcd-alloc", "198.18.110.1/24", "198.18.110.2/24",
                    new ChannelInboundHandlerAdapter() {
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
                    }, WARM_UP, MEASURED);
            System.out.printf("disk send path, steady state over %.2f GB: server loop %.0f B/GB%n", r.gigabytes(),
                    r.serverBytesPerGb());
            assertTrue(r.serverBytesPerGb() < MAX_BYTES_PER_GB, "server loop allocates " + r.serverBytesPerGb() + " B/GB");
        }
    }
}
