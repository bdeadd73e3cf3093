package org.diskcryptnet.tls.netty;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.channel.DefaultFileRegion;
import io.netty.channel.FileRegion;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.UnsupportedMessageTypeException;
import io.netty.util.ReferenceCountUtil;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import org.diskcryptnet.tls.CipherSuite;
import org.diskcryptnet.tls.record.AlertDescription;
import org.diskcryptnet.tls.record.ContentType;
import org.diskcryptnet.tls.record.TlsAlertException;

/** The record layer against a test peer holding the other ends of the keys, over an EmbeddedChannel. */
class TlsRecordHandlerTest {

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    private static ByteBuf outbound(EmbeddedChannel ch) {
        ByteBuf all = Unpooled.buffer();
        for (Object o; (o = ch.readOutbound()) != null; ) {
            ByteBuf b = (ByteBuf) o;
            all.writeBytes(b);
            b.release();
        }
        return all;
    }

    private static String inbound(EmbeddedChannel ch) {
        StringBuilder s = new StringBuilder();
        for (Object o; (o = ch.readInbound()) != null; ) {
            ByteBuf b = (ByteBuf) o;
            s.append(b.toString(StandardCharsets.US_ASCII));
            b.release();
        }
        return s.toString();
    }

    @ParameterizedTest
    @EnumSource(CipherSuite.class)
    void opensAndSealsApplicationData(CipherSuite suite) throws Exception {
        CountingStats stats = new CountingStats();
        try (RecordPeer peer = new RecordPeer(suite)) {
            EmbeddedChannel ch = new EmbeddedChannel(peer.serverHandler(stats));
            ByteBuf two = Unpooled.directBuffer();
            two.writeBytes(peer.seal(ContentType.APPLICATION_DATA, bytes("GET / HTTP/1.1\r\n")));
            ByteBuf second = peer.seal(ContentType.APPLICATION_DATA, bytes("Host: x\r\n\r\n"));
            two.writeBytes(second, 3);
            ch.writeInbound(two); // one whole record and three bytes of the next
            assertEquals("GET / HTTP/1.1\r\n", inbound(ch));
            ch.writeInbound(second); // the rest
            assertEquals("Host: x\r\n\r\n", inbound(ch));

            byte[] big = new byte[40_000];
            for (int i = 0; i < big.length; i++) {
                big[i] = (byte) i;
            }
            ch.write(Unpooled.wrappedBuffer(bytes("HTTP/1.1 200 OK\r\n")));
            ch.writeAndFlush(Unpooled.wrappedBuffer(big));
            ByteBuf out = outbound(ch);
            ByteBuf plain = Unpooled.buffer();
            int records = 0;
            while (out.isReadable()) {
                RecordPeer.Opened o = peer.open(out);
                assertEquals(ContentType.APPLICATION_DATA, o.type());
                assertTrue(o.plaintext().length <= 16384);
                plain.writeBytes(o.plaintext());
                records++;
            }
            assertEquals(3, records, "17 + 40000 bytes coalesce into three records");
            assertEquals("HTTP/1.1 200 OK\r\n", plain.readCharSequence(17, StandardCharsets.US_ASCII).toString());
            byte[] back = new byte[big.length];
            plain.readBytes(back);
            assertArrayEquals(big, back);
            assertEquals(3, stats.records.get());
            assertEquals(40_017, stats.bytes.get());
            ch.finishAndReleaseAll();
        }
    }

    private static TlsAlertException failWith(CipherSuite suite, java.util.function.Function<RecordPeer, ByteBuf> input,
                                              AlertDescription expected) throws Exception {
        CountingStats stats = new CountingStats();
        try (RecordPeer peer = new RecordPeer(suite)) {
            List<Throwable> caught = new ArrayList<>();
            EmbeddedChannel ch = new EmbeddedChannel(peer.serverHandler(stats),
                    new io.netty.channel.ChannelInboundHandlerAdapter() {
                        @Override
                        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                            caught.add(cause);
                        }
                    });
            ch.writeInbound(input.apply(peer));
            assertNull(ch.readInbound(), "nothing of a refused record reaches the pipeline");
            assertFalse(ch.isOpen(), "connection closed");
            ByteBuf out = outbound(ch);
            RecordPeer.Opened alert = peer.open(out);
            assertEquals(ContentType.ALERT, alert.type());
            assertArrayEquals(new byte[] {2, (byte) expected.code()}, alert.plaintext());
            assertEquals(List.of(expected), stats.alertsSent);
            assertEquals(1, caught.size());
            ch.finishAndReleaseAll();
            return assertInstanceOf(TlsAlertException.class, caught.getFirst());
        }
    }

    @ParameterizedTest
    @EnumSource(CipherSuite.class)
    void flippedCiphertextBitIsBadRecordMac(CipherSuite suite) throws Exception {
        failWith(suite, peer -> {
            ByteBuf r = peer.seal(ContentType.APPLICATION_DATA, bytes("GET /secret HTTP/1.1\r\n\r\n"));
            r.setByte(r.writerIndex() - 20, r.getByte(r.writerIndex() - 20) ^ 0x01);
            return r;
        }, AlertDescription.BAD_RECORD_MAC);
    }

    @Test
    void oversizedRecordIsRecordOverflow() throws Exception {
        failWith(CipherSuite.TLS_AES_128_GCM_SHA256, peer -> Unpooled.directBuffer().writeByte(23).writeShort(0x0303)
                .writeShort(16384 + 257).writeZero(100), AlertDescription.RECORD_OVERFLOW);
    }

    @Test
    void changeCipherSpecAfterTheHandshakeIsUnexpected() throws Exception {
        failWith(CipherSuite.TLS_AES_256_GCM_SHA384, peer -> Unpooled.directBuffer().writeByte(20).writeShort(0x0303)
                .writeShort(1).writeByte(1), AlertDescription.UNEXPECTED_MESSAGE);
        failWith(CipherSuite.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, peer -> Unpooled.directBuffer().writeByte(20)
                .writeShort(0x0303).writeShort(1).writeByte(1), AlertDescription.UNEXPECTED_MESSAGE);
    }

    @Test
    void tls12RenegotiationIsRefused() throws Exception {
        failWith(CipherSuite.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
                peer -> peer.seal(ContentType.HANDSHAKE, new byte[] {1, 0, 0, 4, 3, 3, 0, 0}),
                AlertDescription.NO_RENEGOTIATION);
    }

    @Test
    void tls13PostHandshakeMessagesOtherThanKeyUpdateAreUnexpected() throws Exception {
        failWith(CipherSuite.TLS_AES_128_GCM_SHA256, peer -> peer.seal(ContentType.HANDSHAKE,
                new byte[] {4, 0, 0, 1, 0}), AlertDescription.UNEXPECTED_MESSAGE);
        failWith(CipherSuite.TLS_AES_128_GCM_SHA256, peer -> peer.seal(ContentType.HANDSHAKE,
                new byte[] {24, 0, 0, 1, 7}), AlertDescription.ILLEGAL_PARAMETER);
    }

    @Test
    void keyUpdateRequestedIsAnsweredAndBothKeysMove() throws Exception {
        CountingStats stats = new CountingStats();
        try (RecordPeer peer = new RecordPeer(CipherSuite.TLS_CHACHA20_POLY1305_SHA256)) {
            EmbeddedChannel ch = new EmbeddedChannel(peer.serverHandler(stats));
            ch.writeInbound(peer.seal(ContentType.HANDSHAKE, new byte[] {24, 0, 0, 1, 1}));
            assertEquals(1, stats.updatesIn.get());
            assertEquals(1, stats.updatesOut.get());
            ByteBuf out = outbound(ch);
            RecordPeer.Opened update = peer.open(out);
            assertEquals(ContentType.HANDSHAKE, update.type());
            assertArrayEquals(new byte[] {24, 0, 0, 1, 0}, update.plaintext(), "KeyUpdate(update_not_requested)");
            // Both sides now use generation 1.
            var cw = peer.clientWrite.nextGeneration();
            var cr = peer.clientRead.nextGeneration();
            ByteBuf rec = Unpooled.directBuffer(64).writerIndex(cw.headerLength()).writeBytes(bytes("after"));
            int n = cw.seal(java.lang.foreign.MemorySegment.ofAddress(rec.memoryAddress()).reinterpret(rec.capacity()), 0,
                    5, ContentType.APPLICATION_DATA, cw.reserve(1));
            rec.setIndex(0, n);
            ch.writeInbound(rec);
            assertEquals("after", inbound(ch));
            ch.writeAndFlush(Unpooled.wrappedBuffer(bytes("reply")));
            ByteBuf reply = Unpooled.directBuffer().writeBytes(outbound(ch));
            java.lang.foreign.MemorySegment m = java.lang.foreign.MemorySegment.ofAddress(reply.memoryAddress())
                    .reinterpret(reply.readableBytes());
            long r = cr.open(m, 0, reply.readableBytes());
            reply.release();
            assertEquals(5, (int) r);
            cw.release();
            cr.release();
            ch.finishAndReleaseAll();
        }
    }

    @Test
    void aWornWriteKeyIsReplacedByAKeyUpdateOfOurOwn() throws Exception {
        CountingStats stats = new CountingStats();
        try (RecordPeer peer = new RecordPeer(CipherSuite.TLS_AES_128_GCM_SHA256)) {
            EmbeddedChannel ch = new EmbeddedChannel(peer.serverHandler(stats, 3));
            for (int i = 0; i < 5; i++) {
                ch.writeAndFlush(Unpooled.wrappedBuffer(bytes("r" + i)));
            }
            ByteBuf out = outbound(ch);
            for (int i = 0; i < 3; i++) {
                assertArrayEquals(bytes("r" + i), peer.open(out).plaintext());
            }
            RecordPeer.Opened update = peer.open(out);
            assertEquals(ContentType.HANDSHAKE, update.type(), "KeyUpdate after the key's 3 records and itself");
            assertArrayEquals(new byte[] {24, 0, 0, 1, 0}, update.plaintext(), "KeyUpdate(update_not_requested)");
            assertEquals(1, stats.updatesOut.get());
            assertEquals(0, stats.updatesIn.get());
            var next = peer.clientRead.nextGeneration();
            for (int i = 3; i < 5; i++) {
                int length = 5 + out.getUnsignedShort(out.readerIndex() + 3);
                ByteBuf record = Unpooled.directBuffer(length);
                out.readBytes(record, length);
                long r = next.open(java.lang.foreign.MemorySegment.ofAddress(record.memoryAddress()).reinterpret(length),
                        0, length);
                byte[] plain = new byte[(int) r];
                record.getBytes(next.headerLength(), plain);
                record.release();
                assertArrayEquals(bytes("r" + i), plain, "opened with the next generation's key");
            }
            assertFalse(out.isReadable());
            out.release();
            next.release();
            ch.finishAndReleaseAll();
        }
    }

    @Test
    void closeNotifyIsAnsweredAndClosesAndKeysAreReleased() throws Exception {
        CountingStats stats = new CountingStats();
        try (RecordPeer peer = new RecordPeer(CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384)) {
            EmbeddedChannel ch = new EmbeddedChannel(peer.serverHandler(stats));
            ch.writeInbound(peer.seal(ContentType.ALERT, new byte[] {1, 0}));
            assertFalse(ch.isOpen());
            RecordPeer.Opened reply = peer.open(outbound(ch));
            assertArrayEquals(new byte[] {1, 0}, reply.plaintext(), "close_notify back");
            assertEquals(List.of(AlertDescription.CLOSE_NOTIFY), stats.alertsReceived);
            assertEquals(0, peer.serverRead.refCnt(), "read key zeroed on close");
            assertEquals(0, peer.serverWrite.refCnt(), "write key zeroed on close");
            ch.finishAndReleaseAll();
        }
    }

    /** Holds every write between the record layer and the socket until released: a fill that completes later. */
    private static final class HeldWrites extends ChannelOutboundHandlerAdapter {
        private final List<Object> messages = new ArrayList<>();
        private final List<ChannelPromise> promises = new ArrayList<>();
        private boolean held = true;

        @Override
        public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
            if (!held) {
                ctx.write(msg, promise);
                return;
            }
            messages.add(msg);
            promises.add(promise);
        }

        @Override
        public void flush(ChannelHandlerContext ctx) {
            if (!held) {
                ctx.flush();
            }
        }

        void release(ChannelHandlerContext ctx) {
            held = false;
            for (int i = 0; i < messages.size(); i++) {
                ctx.write(messages.get(i), promises.get(i));
            }
            messages.clear();
            promises.clear();
            ctx.flush();
        }
    }

    @Test
    void closeWaitsForCloseNotifyBehindWritesStillInFlight() throws Exception {
        try (RecordPeer peer = new RecordPeer(CipherSuite.TLS_AES_128_GCM_SHA256)) {
            HeldWrites held = new HeldWrites();
            EmbeddedChannel ch = new EmbeddedChannel(held, peer.serverHandler(TlsStats.NONE));
            ChannelFuture body = ch.writeAndFlush(Unpooled.wrappedBuffer(bytes("last bytes of a response")));
            // Through the pipeline: EmbeddedChannel.close() itself would cancel the scheduled timeout.
            ChannelFuture closed = ch.pipeline().close();
            assertTrue(ch.isOpen(), "the close waits while the body and close_notify are still queued");
            assertFalse(body.isDone());
            held.release(ch.pipeline().firstContext());
            assertTrue(body.isSuccess(), "the body is not failed by the close");
            assertTrue(closed.isSuccess());
            assertFalse(ch.isOpen());
            ByteBuf out = outbound(ch);
            assertEquals("last bytes of a response", new String(peer.open(out).plaintext(), StandardCharsets.US_ASCII));
            RecordPeer.Opened alert = peer.open(out);
            assertEquals(ContentType.ALERT, alert.type());
            assertArrayEquals(new byte[] {1, 0}, alert.plaintext(), "close_notify last");
            out.release();
            ch.finishAndReleaseAll();
        }
    }

    @Test
    void closeNotifyThatCannotLeaveClosesAfterTheTimeout() throws Exception {
        try (RecordPeer peer = new RecordPeer(CipherSuite.TLS_AES_128_GCM_SHA256)) {
            HeldWrites held = new HeldWrites();
            EmbeddedChannel ch = new EmbeddedChannel(held, peer.serverHandler(TlsStats.NONE));
            ch.writeAndFlush(Unpooled.wrappedBuffer(bytes("a peer that stopped reading")));
            ChannelFuture closed = ch.pipeline().close();
            ch.advanceTimeBy(TlsRecordHandler.CLOSE_NOTIFY_TIMEOUT_MS - 1, TimeUnit.MILLISECONDS);
            ch.runScheduledPendingTasks();
            assertTrue(ch.isOpen());
            ch.advanceTimeBy(1, TimeUnit.MILLISECONDS);
            ch.runScheduledPendingTasks();
            assertTrue(closed.isSuccess());
            assertFalse(ch.isOpen(), "closed after the timeout");
            held.messages.forEach(ReferenceCountUtil::release);
            ch.finishAndReleaseAll();
        }
    }

    /** The wire bytes of everything written so far: sealed records and the batches of regions. */
    private static byte[] wire(EmbeddedChannel ch) throws Exception {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        WritableByteChannel sink = java.nio.channels.Channels.newChannel(out);
        for (Object o; (o = ch.readOutbound()) != null; ) {
            if (o instanceof FileRegion region) {
                assertInstanceOf(SealedBatch.class, region, "only sealed batches of a region reach the channel");
                while (region.transferred() < region.count()) {
                    region.transferTo(sink, region.transferred());
                }
            } else {
                ByteBuf b = (ByteBuf) o;
                b.readBytes(out, b.readableBytes());
            }
            ReferenceCountUtil.release(o);
        }
        return out.toByteArray();
    }

    @Test
    void aRegionReachesTheChannelOnlyAsSealedBatchesAndWritesBehindItKeepTheirOrder() throws Exception {
        byte[] file = new byte[150_000];
        new java.util.Random(7).nextBytes(file);
        try (RecordPeer peer = new RecordPeer(CipherSuite.TLS_AES_256_GCM_SHA384)) {
            EmbeddedChannel ch = new EmbeddedChannel(peer.serverHandler(TlsStats.NONE));
            TlsFileRegionTest.SlowAlignedSource source = new TlsFileRegionTest.SlowAlignedSource(file, 4000, 140_000);
            ch.write(Unpooled.wrappedBuffer(bytes("head")));
            ChannelFuture body = ch.write(new TlsFileRegion(source));
            ChannelFuture tail = ch.writeAndFlush(Unpooled.wrappedBuffer(bytes("tail")));
            java.io.ByteArrayOutputStream all = new java.io.ByteArrayOutputStream();
            all.write(wire(ch));
            int batchesSeen = 0;
            while (!source.completions.isEmpty()) {
                assertFalse(body.isDone(), "the body is not written while reads are outstanding");
                // Reads land one by one; the channel gets a batch only when all of its reads have landed.
                source.completions.poll().run();
                ch.runPendingTasks();
                byte[] w = wire(ch);
                batchesSeen += w.length > 0 ? 1 : 0;
                all.write(w);
            }
            ch.runPendingTasks();
            all.write(wire(ch));
            assertTrue(body.isSuccess());
            assertTrue(tail.isSuccess(), "tail: " + tail);
            assertTrue(batchesSeen >= 2, "written batch by batch: " + batchesSeen);
            ByteBuf in = Unpooled.wrappedBuffer(all.toByteArray());
            java.io.ByteArrayOutputStream plain = new java.io.ByteArrayOutputStream();
            while (in.isReadable()) {
                plain.write(peer.open(in).plaintext());
            }
            byte[] expected = new byte[4 + 140_000 + 4];
            System.arraycopy(bytes("head"), 0, expected, 0, 4);
            System.arraycopy(file, 4000, expected, 4, 140_000);
            System.arraycopy(bytes("tail"), 0, expected, 4 + 140_000, 4);
            assertArrayEquals(expected, plain.toByteArray(), "records opened in sequence order");
            assertTrue(source.closed);
            ch.finishAndReleaseAll();
        }
    }

    @Test
    void aFailedReadEndsTheConnectionWithoutSendingWhatWasBehindTheBody() throws Exception {
        try (RecordPeer peer = new RecordPeer(CipherSuite.TLS_AES_128_GCM_SHA256)) {
            EmbeddedChannel ch = new EmbeddedChannel(peer.serverHandler(TlsStats.NONE));
            TlsFileRegionTest.SlowAlignedSource source = new TlsFileRegionTest.SlowAlignedSource(new byte[40_000], 0, 40_000);
            ChannelFuture body = ch.write(new TlsFileRegion(source));
            ChannelFuture tail = ch.writeAndFlush(Unpooled.wrappedBuffer(bytes("tail")));
            source.failNext = true;
            while (!source.completions.isEmpty()) {
                source.completions.poll().run();
            }
            ch.runPendingTasks();
            assertInstanceOf(java.io.IOException.class, body.cause());
            assertTrue(tail.cause() != null, "records after the missing body are never sent");
            assertFalse(ch.isOpen(), "the connection ends");
            assertEquals(0, wire(ch).length, "no close_notify: its sequence number would follow the gap");
            ch.finishAndReleaseAll();
        }
    }

    @Test
    void aPlainFileRegionIsRefusedNotSentInTheClear(@TempDir Path dir) throws Exception {
        Path f = Files.write(dir.resolve("secret"), bytes("plaintext that must not leak"));
        try (RecordPeer peer = new RecordPeer(CipherSuite.TLS_AES_128_GCM_SHA256)) {
            EmbeddedChannel ch = new EmbeddedChannel(peer.serverHandler(TlsStats.NONE));
            ChannelFuture write = ch.writeAndFlush(new DefaultFileRegion(f.toFile(), 0, 10));
            assertInstanceOf(UnsupportedMessageTypeException.class, write.cause());
            assertNull(ch.readOutbound());
            ch.finishAndReleaseAll();
        }
    }
}
