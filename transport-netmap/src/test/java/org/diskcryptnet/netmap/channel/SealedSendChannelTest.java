package org.diskcryptnet.netmap.channel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import org.diskcryptnet.disk.DiskRegionSource;
import org.diskcryptnet.disk.DiskStorage;
import org.diskcryptnet.disk.memory.FaultPlan;
import org.diskcryptnet.disk.memory.MemoryBackend;
import org.diskcryptnet.netmap.datapath.DiskSendCounters;
import org.diskcryptnet.tls.CipherSuite;
import org.diskcryptnet.tls.TlsVersion;
import org.diskcryptnet.tls.crypto.AeadEngines;
import org.diskcryptnet.tls.netty.JdkRecordOpener;
import org.diskcryptnet.tls.netty.TlsFileRegion;
import org.diskcryptnet.tls.netty.TlsRecordHandler;
import org.diskcryptnet.tls.netty.TlsStats;
import org.diskcryptnet.tls.record.RecordProtection;

/**
 * The in-place record layer on a netmap channel (issue 8): a {@link TlsFileRegion} over a {@link DiskRegionSource} is
 * handed to the channel, whose loop reads each record into its frame (or staging slot) when TCP may send it and seals
 * it there; a fault-injecting pipe loses and reorders 5% of the frames each way, so lost records are read again and
 * sealed again. The client (another stack) collects the raw TLS stream, which is then opened with the JDK's AEAD and
 * keys derived apart from the record layer ({@link JdkRecordOpener}): header, body at an unaligned file offset,
 * the next response's bytes and close_notify, every record under the next sequence number.
 */
class SealedSendChannelTest {

    private static final int OFFSET = 777;
    private static final int LENGTH = 300_001;

    private static PipeGroups groups;

    @TempDir
    Path dir;

    @BeforeAll
    static void groups() {
        groups = new PipeGroups(1, PipeGroups.side("dcnq-seal", "198.18.130.11/24")
                .faults(org.diskcryptnet.netmap.port.fault.FaultPlan.parse("loss=0.05,reorder=0.05,seed=11")),
                PipeGroups.side("dcnq-seal", "198.18.130.12/24"));
    }

    @AfterAll
    static void shutdown() {
        groups.close();
    }

    @ParameterizedTest
    @EnumSource(names = {"TLS_AES_128_GCM_SHA256", "TLS_CHACHA20_POLY1305_SHA256",
            "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256"})
    void recordsSealedInTheSendPathOpenInSequenceAcrossLossAndTheRecordsAfterThem(CipherSuite suite) throws Exception {
        byte[] file = new byte[OFFSET + LENGTH + 1000];
        new Random(suite.ordinal()).nextBytes(file);
        Path path = Files.write(dir.resolve("object.bin"), file);
        byte[] secret = new byte[suite.version() == TlsVersion.TLS_1_3 ? suite.hash().length() : suite.aead().keyLength()];
        byte[] iv = new byte[suite.fixedIvLength()];
        Arrays.fill(secret, (byte) 0x5a);
        Arrays.fill(iv, (byte) 0x3c);
        long firstSequence = 7; // as if the handshake had left the write key there
        byte[] head = "HTTP/1.1 200 OK\r\nContent-Length: 300001\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
        byte[] next = "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
        AtomicReference<DiskSendCounters> counters = new AtomicReference<>();
        AtomicReference<Long> sequenceAfter = new AtomicReference<>();
        try (DiskStorage storage = new DiskStorage(new MemoryBackend(FaultPlan.NONE), dir, DiskStorage.Config.DEFAULT)) {
            Channel server = new ServerBootstrap().group(groups.server).channel(NetmapServerSocketChannel.class)
                    .childHandler(new ChannelInitializer<>() {
                        @Override
                        protected void initChannel(Channel ch) {
                            var engine = AeadEngines.best(suite.aead());
                            RecordProtection write = suite.version() == TlsVersion.TLS_1_3
                                    ? RecordProtection.tls13(suite, engine, secret, firstSequence)
                                    : RecordProtection.tls12(suite, engine, secret, iv, firstSequence);
                            RecordProtection read = suite.version() == TlsVersion.TLS_1_3
                                    ? RecordProtection.tls13(suite, engine, secret, 0)
                                    : RecordProtection.tls12(suite, engine, secret, iv, 0);
                            TlsRecordHandler tls = new TlsRecordHandler(suite, read, write, TlsStats.NONE,
                                    RecordProtection.MAX_PLAINTEXT);
                            ch.pipeline().addLast(tls, new ChannelInboundHandlerAdapter() {
                                @Override
                                public void channelActive(ChannelHandlerContext ctx) throws Exception {
                                    NetmapIoHandler loop = ((NetmapSocketChannel) ctx.channel()).loop();
                                    counters.set(loop.sendPath(storage.loop(ctx.channel().eventLoop())).counters());
                                    ctx.write(Unpooled.wrappedBuffer(head));
                                    ctx.write(new TlsFileRegion(new DiskRegionSource(
                                            storage.region(path, OFFSET, LENGTH), ctx.channel().eventLoop())));
                                    ChannelFuture last = ctx.writeAndFlush(Unpooled.wrappedBuffer(next));
                                    sequenceAfter.set(tls.writeSequence());
                                    last.addListener(f -> ctx.close());
                                }
                            });
                        }
                    }).bind(0).sync().channel();
            try {
                byte[] wire = groups.fetch(server.localAddress(), "").get(60, TimeUnit.SECONDS);
                JdkRecordOpener opener = suite.version() == TlsVersion.TLS_1_3
                        ? JdkRecordOpener.tls13(suite, secret, firstSequence)
                        : JdkRecordOpener.tls12(suite, secret, iv, firstSequence);
                ByteArrayOutputStream alerts = new ByteArrayOutputStream();
                byte[] plain = opener.openAll(wire, alerts);
                ByteArrayOutputStream expected = new ByteArrayOutputStream();
                expected.writeBytes(head);
                expected.write(file, OFFSET, LENGTH);
                expected.writeBytes(next);
                assertEquals(expected.size(), plain.length, "plaintext length");
                assertArrayEquals(expected.toByteArray(), plain, "header, body, next response, in order");
                assertArrayEquals(new byte[] {1, 0}, alerts.toByteArray(), "close_notify last");
                // head, the body's records, next, close_notify: each under the next sequence number
                long bodyRecords = opener.sequence() - firstSequence - 3;
                assertEquals(firstSequence + 1 + bodyRecords + 1, sequenceAfter.get(),
                        "the handler's sequence moved past the body's records");
                assertTrue(bodyRecords >= (LENGTH + 1447) / 1448 && bodyRecords <= (LENGTH + 999) / 1000,
                        "one record per segment of the pipe's 1,500-byte MTU: " + bodyRecords);
                long[] c = groups.server.next().submit(() -> new long[] {counters.get().sealedInPlaceBytes,
                        counters.get().sealedInStagingBytes, counters.get().recordsResealed,
                        counters.get().diskReReads}).get(5, TimeUnit.SECONDS);
                assertTrue(c[0] + c[1] >= LENGTH, "the body was sealed by the send path: " + c[0] + " + " + c[1]);
                assertTrue(c[0] > c[1], "in the frames, mostly: " + c[0] + " against " + c[1] + " in staging");
                assertTrue(c[2] > 0, "lost records were sealed again: " + c[2]);
                assertTrue(c[3] > 0, "and read again: " + c[3]);
            } finally {
                server.close().sync();
            }
        }
    }
}
