package org.diskcryptnet.tls.netty;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.Channels;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.FileRegion;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.ReferenceCountUtil;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import org.diskcryptnet.tls.CipherSuite;
import org.diskcryptnet.tls.record.ContentType;
import org.diskcryptnet.tls.record.RecordLayout;
import org.diskcryptnet.tls.record.RecordProtection;

/**
 * The record layer's hand-off of a body to a channel that seals in its transmit buffers ({@link RecordSealingChannel},
 * {@link RecordsToSeal}): the channel here seals what it is handed as the netmap transport's send path does (record
 * {@code k} with {@code firstSequence + k}, the key it was given), and the whole stream is then opened by the JDK's
 * AEAD with keys derived apart from the record layer ({@link JdkRecordOpener}): the sequence numbers continue across
 * the body and the records after it, a key update falls between bodies and never inside one, and a channel without the
 * capability still gets sealed batches.
 */
class TlsRecordHandoffTest {

    /** An embedded channel that takes RecordsToSeal (while {@link #accepts}) and keeps what it was handed. */
    static final class SealingChannel extends EmbeddedChannel implements RecordSealingChannel {
        boolean accepts = true;
        int payload;
        final List<RegionSource> asked = new ArrayList<>();

        SealingChannel(ChannelHandler... handlers) {
            super(handlers);
        }

        @Override
        public boolean sealsRecordsOf(RegionSource source) {
            asked.add(source);
            return accepts;
        }

        @Override
        public int recordPayload(int overhead) {
            return payload;
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    private static byte[] content(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    /**
     * Drains the channel's outbound messages into wire bytes: buffers as they are, sealed batches written out, and a
     * RecordsToSeal sealed here from {@code bodies} (the body whose source it carries), as a sealing channel would.
     */
    private static byte[] wire(EmbeddedChannel ch, List<String> kinds, java.util.Map<RegionSource, byte[]> bodies)
            throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        WritableByteChannel sink = Channels.newChannel(out);
        for (Object o; (o = ch.readOutbound()) != null; ) {
            if (o instanceof RecordsToSeal r) {
                kinds.add("handed:" + r.firstSequence() + "+" + r.layout().records());
                out.writeBytes(seal(r, bodies.get(r.source())));
            } else if (o instanceof FileRegion region) {
                assertInstanceOf(SealedBatch.class, region);
                kinds.add("batch");
                while (region.transferred() < region.count()) {
                    region.transferTo(sink, region.transferred());
                }
            } else {
                kinds.add("buffer");
                ByteBuf b = (ByteBuf) o;
                b.readBytes(out, b.readableBytes());
            }
            ReferenceCountUtil.release(o);
        }
        return out.toByteArray();
    }

    /** What the netmap send path does with a RecordsToSeal, all at once: record k sealed with firstSequence + k. */
    private static byte[] seal(RecordsToSeal r, byte[] body) {
        RecordLayout layout = r.layout();
        RecordProtection key = r.protection();
        assertEquals(body.length, layout.length());
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment wire = arena.allocate(layout.wireLength() + 64, 64);
            for (long k = 0; k < layout.records(); k++) {
                long at = layout.wireOffset(k);
                int n = layout.plaintextLength(k);
                MemorySegment.copy(body, (int) layout.plaintextOffset(k), wire, ValueLayout.JAVA_BYTE,
                        at + key.headerLength(), n);
                int length = key.seal(wire, at, n, ContentType.APPLICATION_DATA, r.firstSequence() + k);
                assertEquals(n + layout.overhead(), length, "record " + k + " has the layout's size");
            }
            return wire.asSlice(0, layout.wireLength()).toArray(ValueLayout.JAVA_BYTE);
        }
    }

    @ParameterizedTest
    @EnumSource(CipherSuite.class)
    void theBodyIsHandedOverAndTheRecordsAfterItContinueItsSequence(CipherSuite suite) throws Exception {
        byte[] body = content(40_000, 1);
        CountingStats stats = new CountingStats();
        try (RecordPeer peer = new RecordPeer(suite)) {
            TlsRecordHandler handler = peer.serverHandler(stats);
            SealingChannel ch = new SealingChannel(handler);
            long first = handler.writeSequence();
            TlsFileRegionTest.SlowAlignedSource source = new TlsFileRegionTest.SlowAlignedSource(body, 0, body.length);
            ch.write(Unpooled.wrappedBuffer(bytes("HTTP/1.1 200 OK\r\n\r\n")));
            ChannelFuture written = ch.write(new TlsFileRegion(source));
            ch.writeAndFlush(Unpooled.wrappedBuffer(bytes("next response")));
            assertTrue(source.completions.isEmpty(), "the record layer reads nothing itself");
            assertEquals(first + 1 + 3 + 1, handler.writeSequence(), "head, three body records, tail");
            ch.close();
            List<String> kinds = new ArrayList<>();
            byte[] wire = wire(ch, kinds, java.util.Map.of(source, body));
            assertEquals(List.of("buffer", "handed:" + (first + 1) + "+3", "buffer", "buffer"), kinds);
            assertTrue(written.isSuccess());
            assertTrue(source.closed, "the source closes when the channel releases the message");

            ByteArrayOutputStream alerts = new ByteArrayOutputStream();
            JdkRecordOpener opener = peer.serverOpener();
            byte[] plain = opener.openAll(wire, alerts);
            ByteArrayOutputStream expected = new ByteArrayOutputStream();
            expected.writeBytes(bytes("HTTP/1.1 200 OK\r\n\r\n"));
            expected.writeBytes(body);
            expected.writeBytes(bytes("next response"));
            assertArrayEquals(expected.toByteArray(), plain);
            assertArrayEquals(new byte[] {1, 0}, alerts.toByteArray(), "close_notify, after the records it follows");
            assertEquals(first + 6, opener.sequence(), "every record opened under the next sequence number");
            assertEquals(5, stats.records.get(), "the body's records are counted when handed over");
            ch.finishAndReleaseAll();
        }
    }

    @Test
    void theChannelsRecordSizeLaysOutTheBodyItSeals() throws Exception {
        byte[] body = content(10_000, 7);
        try (RecordPeer peer = new RecordPeer(CipherSuite.TLS_AES_256_GCM_SHA384)) {
            TlsRecordHandler handler = peer.serverHandler(TlsStats.NONE);
            SealingChannel ch = new SealingChannel(handler);
            ch.payload = 1448 - 22; // one record per segment of a 1500-byte MTU with timestamps
            var source = new TlsFileRegionTest.SlowAlignedSource(body, 0, body.length);
            ch.write(new TlsFileRegion(source));
            ch.writeAndFlush(Unpooled.wrappedBuffer(bytes("after")));
            List<String> kinds = new ArrayList<>();
            byte[] wire = wire(ch, kinds, java.util.Map.of(source, body));
            assertEquals(List.of("handed:0+8", "buffer"), kinds, "10,000 bytes in records of 1,426");
            assertEquals(8 * 22 + 10_000 + 22 + 5, wire.length);
            JdkRecordOpener opener = peer.serverOpener();
            for (int at = 0, k = 0; k < 8; k++) {
                JdkRecordOpener.Opened o = opener.open(wire, at);
                assertEquals(k < 7 ? 1426 : 10_000 - 7 * 1426, o.plaintext().length, "record " + k);
                at += 5 + ((wire[at + 3] & 0xff) << 8 | (wire[at + 4] & 0xff));
            }
            ch.payload = 40_000; // more than a record may carry: the record layer's own size
            var big = new TlsFileRegionTest.SlowAlignedSource(content(40_000, 8), 0, 40_000);
            ch.writeAndFlush(new TlsFileRegion(big));
            RecordsToSeal r = ch.readOutbound();
            assertEquals(RecordProtection.MAX_PLAINTEXT, r.layout().payload());
            r.release();
            ch.finishAndReleaseAll();
        }
    }

    @Test
    void aChannelWithoutTheCapabilityKeepsTheSealedBatchesAndAHandedBodyWaitsBehindThem() throws Exception {
        byte[] one = content(50_000, 2);
        byte[] two = content(20_000, 3);
        try (RecordPeer peer = new RecordPeer(CipherSuite.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256)) {
            TlsRecordHandler handler = peer.serverHandler(TlsStats.NONE);
            SealingChannel ch = new SealingChannel(handler);
            ch.accepts = false;
            TlsFileRegionTest.SlowAlignedSource first = new TlsFileRegionTest.SlowAlignedSource(one, 0, one.length);
            TlsFileRegionTest.SlowAlignedSource second = new TlsFileRegionTest.SlowAlignedSource(two, 0, two.length);
            ch.write(new TlsFileRegion(first));
            ch.accepts = true;
            ch.write(new TlsFileRegion(second));
            ch.writeAndFlush(Unpooled.wrappedBuffer(bytes("after")));
            assertEquals(List.of(first, second), ch.asked);
            List<String> kinds = new ArrayList<>();
            java.util.Map<RegionSource, byte[]> bodies = java.util.Map.of(first, one, second, two);
            ByteArrayOutputStream all = new ByteArrayOutputStream();
            all.writeBytes(wire(ch, kinds, bodies));
            assertEquals(List.of(), kinds, "nothing passes the first body while it is read");
            while (!first.completions.isEmpty()) {
                first.completions.poll().run();
                ch.runPendingTasks();
                all.writeBytes(wire(ch, kinds, bodies));
            }
            ch.runPendingTasks();
            all.writeBytes(wire(ch, kinds, bodies));
            assertTrue(second.completions.isEmpty(), "the handed body is never read by the record layer");
            assertTrue(kinds.size() >= 3, kinds.toString());
            assertEquals(List.of("handed:5+2", "buffer"), kinds.subList(kinds.size() - 2, kinds.size()),
                    "the handed body and what follows wait behind the first body's batches: " + kinds);
            assertTrue(kinds.subList(0, kinds.size() - 2).stream().allMatch("batch"::equals), kinds.toString());

            JdkRecordOpener opener = peer.serverOpener();
            byte[] plain = opener.openAll(all.toByteArray(), null);
            ByteArrayOutputStream expected = new ByteArrayOutputStream();
            expected.writeBytes(one);
            expected.writeBytes(two);
            expected.writeBytes(bytes("after"));
            assertArrayEquals(expected.toByteArray(), plain);
            ch.finishAndReleaseAll();
        }
    }

    @Test
    void aKeyUpdateGoesBetweenHandedBodiesAndABodyLongerThanAKeyIsNotHandedOver() throws Exception {
        byte[] a = content(40_000, 4);  // 3 records
        byte[] b = content(40_000, 5);  // 3 records
        byte[] c = content(90_000, 6);  // 6 records: more than a key may seal here
        CountingStats stats = new CountingStats();
        try (RecordPeer peer = new RecordPeer(CipherSuite.TLS_AES_128_GCM_SHA256)) {
            TlsRecordHandler handler = peer.serverHandler(stats, 5);
            SealingChannel ch = new SealingChannel(handler);
            var sa = new TlsFileRegionTest.SlowAlignedSource(a, 0, a.length);
            var sb = new TlsFileRegionTest.SlowAlignedSource(b, 0, b.length);
            var sc = new TlsFileRegionTest.SlowAlignedSource(c, 0, c.length);
            ch.write(new TlsFileRegion(sa));
            ch.write(new TlsFileRegion(sb));
            ch.write(new TlsFileRegion(sc));
            ch.writeAndFlush(Unpooled.wrappedBuffer(bytes("tail")));
            assertTrue(sa.completions.isEmpty() && sb.completions.isEmpty());
            assertFalse(sc.completions.isEmpty(), "the long body is read and sealed by the record layer");
            List<String> kinds = new ArrayList<>();
            java.util.Map<RegionSource, byte[]> bodies = java.util.Map.of(sa, a, sb, b);
            ByteArrayOutputStream all = new ByteArrayOutputStream();
            all.writeBytes(wire(ch, kinds, bodies));
            while (!sc.completions.isEmpty()) {
                sc.completions.poll().run();
                ch.runPendingTasks();
                all.writeBytes(wire(ch, kinds, bodies));
            }
            ch.runPendingTasks();
            all.writeBytes(wire(ch, kinds, bodies));
            // a: 0..2 under key 0; KeyUpdate (3) before b would cross 5; b: 0..2 under key 1; KeyUpdate (3) before c;
            // c alone is 6 > 5 records: sealed here, batch by batch, 0..5 under key 2; KeyUpdate (6); tail: 0 of key 3
            assertEquals("handed:0+3", kinds.get(0));
            assertEquals("buffer", kinds.get(1), "KeyUpdate");
            assertEquals("handed:0+3", kinds.get(2), "b under the next key, from 0");
            assertEquals("buffer", kinds.get(3), "KeyUpdate");
            assertTrue(kinds.subList(4, kinds.size() - 2).stream().allMatch("batch"::equals), kinds.toString());
            assertEquals(List.of("buffer", "buffer"), kinds.subList(kinds.size() - 2, kinds.size()),
                    "KeyUpdate and tail: " + kinds);
            assertEquals(3, stats.updatesOut.get());

            JdkRecordOpener opener = peer.serverOpener();
            byte[] plain = opener.openAll(all.toByteArray(), null);
            ByteArrayOutputStream expected = new ByteArrayOutputStream();
            expected.writeBytes(a);
            expected.writeBytes(b);
            expected.writeBytes(c);
            expected.writeBytes(bytes("tail"));
            assertArrayEquals(expected.toByteArray(), plain, "every record opened in order across three key updates");
            assertEquals(1, opener.sequence(), "the tail was record 0 of the fourth key");
            ch.finishAndReleaseAll();
        }
    }
}
