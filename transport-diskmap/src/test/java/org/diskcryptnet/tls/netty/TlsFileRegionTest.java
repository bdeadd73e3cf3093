package org.diskcryptnet.tls.netty;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Random;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import org.diskcryptnet.tls.CipherSuite;
import org.diskcryptnet.tls.record.ContentType;
import org.diskcryptnet.tls.record.RecordProtection;

/** The encrypting region: sealed in place, byte-identical when rebuilt, whatever the source and the socket do. */
class TlsFileRegionTest {

    /** A socket that takes at most {@code max} bytes per write and every third call nothing at all. */
    static final class StingySocket implements WritableByteChannel {
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        final int max;
        int calls;

        StingySocket(int max) {
            this.max = max;
        }

        @Override
        public int write(ByteBuffer src) {
            if (++calls % 3 == 0) {
                return 0;
            }
            int n = Math.min(max, src.remaining());
            byte[] b = new byte[n];
            src.get(b);
            bytes.write(b, 0, n);
            return n;
        }

        @Override
        public boolean isOpen() {
            return true;
        }

        @Override
        public void close() {}
    }

    private static byte[] content(int n) {
        byte[] b = new byte[n];
        new Random(n).nextBytes(b);
        return b;
    }

    /** Plays the channel: writes each batch the region hands out through {@code socket}, then releases it. */
    private static byte[] drain(TlsFileRegion region, WritableByteChannel socket, Runnable between) throws IOException {
        region.start();
        int spins = 0;
        while (!region.done()) {
            SealedBatch batch = region.nextBatch();
            if (batch == null) {
                between.run();
            } else {
                while (batch.transferred() < batch.count()) {
                    batch.transferTo(socket, batch.transferred());
                }
                batch.release();
            }
            if (++spins > 1_000_000) {
                throw new AssertionError("region does not make progress");
            }
        }
        assertEquals(region.count(), region.transferred(), "every wire byte written");
        return ((StingySocket) socket).bytes.toByteArray();
    }

    private static byte[] openAll(RecordPeer peer, byte[] wire, long firstSeq) throws Exception {
        // the client reads the records in sequence order starting at firstSeq
        peer.clientRead.reserve(firstSeq - peer.clientRead.sequence());
        ByteBuf in = Unpooled.wrappedBuffer(wire);
        ByteArrayOutputStream plain = new ByteArrayOutputStream();
        while (in.isReadable()) {
            RecordPeer.Opened o = peer.open(in);
            assertEquals(ContentType.APPLICATION_DATA, o.type());
            plain.write(o.plaintext());
        }
        return plain.toByteArray();
    }

    @ParameterizedTest
    @EnumSource(CipherSuite.class)
    void sealsAFileRangeThatTheClientOpens(CipherSuite suite, @TempDir Path dir) throws Exception {
        byte[] file = content(300_000);
        Path f = Files.write(dir.resolve("chunk"), file);
        int offset = 12_345, length = 200_001;
        try (RecordPeer peer = new RecordPeer(suite)) {
            TlsFileRegion region = new TlsFileRegion(FileChannelRegionSource.open(f, offset, length));
            long first = peer.serverWrite.reserve(13);
            region.bind(peer.serverWrite, first, RecordProtection.MAX_PLAINTEXT, TlsStats.NONE, () -> {});
            assertEquals(length + 13L * peer.serverWrite.overhead(), region.count());
            byte[] wire = drain(region, new StingySocket(7000), () -> {});
            assertEquals(region.count(), wire.length);
            byte[] plain = openAll(peer, wire, first);
            byte[] expected = java.util.Arrays.copyOfRange(file, offset, offset + length);
            assertArrayEquals(expected, plain);
            region.release();
            peer.serverRead.release();
            peer.serverWrite.release();
        }
    }

    @Test
    void anyRecordIsRebuiltByteIdentically(@TempDir Path dir) throws Exception {
        byte[] file = content(100_000);
        Path f = Files.write(dir.resolve("chunk"), file);
        try (RecordPeer peer = new RecordPeer(CipherSuite.TLS_AES_256_GCM_SHA384)) {
            TlsFileRegion whole = new TlsFileRegion(FileChannelRegionSource.open(f, 0, file.length));
            whole.bind(peer.serverWrite, 40, 16384, TlsStats.NONE, () -> {});
            byte[] wire = drain(whole, new StingySocket(100_000), () -> {});
            // Rebuild records 2..4 alone: the body from plaintext offset 2·16384, sequence numbers from 40 + 2.
            var layout = whole.layout();
            long from = layout.plaintextOffset(2);
            long to = layout.plaintextOffset(5);
            TlsFileRegion part = new TlsFileRegion(FileChannelRegionSource.open(f, from, to - from));
            part.bind(peer.serverWrite, 42, 16384, TlsStats.NONE, () -> {});
            byte[] again = drain(part, new StingySocket(5000), () -> {});
            assertArrayEquals(java.util.Arrays.copyOfRange(wire, (int) layout.wireOffset(2), (int) layout.wireOffset(5)), again);
            whole.release();
            part.release();
            peer.serverRead.release();
            peer.serverWrite.release();
        }
    }

    /** An O_DIRECT-like source: 4096 alignment, answers later, scribbles over the slack it is allowed to use. */
    static final class SlowAlignedSource implements RegionSource {
        final byte[] file;
        final long position, length;
        final ArrayDeque<Runnable> completions = new ArrayDeque<>();
        boolean closed;
        /** The next read to complete fails instead (an I/O error from the device). */
        boolean failNext;

        SlowAlignedSource(byte[] file, long position, long length) {
            this.file = file;
            this.position = position;
            this.length = length;
        }

        @Override
        public long length() {
            return length;
        }

        @Override
        public int alignment() {
            return 4096;
        }

        @Override
        public int phase(long offset) {
            return (int) ((position + offset) & 4095);
        }

        @Override
        public int fill(MemorySegment dst, long dstOffset, long offset, int n, Completion completion) {
            long filePos = position + offset;
            assertEquals(filePos & 4095, (dst.address() + dstOffset) & 4095, "payload placed at the file's phase");
            long alignedStart = (dst.address() + dstOffset) & ~4095L;
            long alignedEnd = (dst.address() + dstOffset + n + 4095) & ~4095L;
            long fileStart = filePos & ~4095L;
            completions.add(() -> {
                if (failNext) {
                    failNext = false;
                    completion.failed(new java.io.IOException("EIO from the test device"));
                    return;
                }
                // an aligned read: whole blocks, garbage past the file's end
                for (long a = alignedStart; a < alignedEnd; a++) {
                    long p = fileStart + (a - alignedStart);
                    byte v = p < file.length ? file[(int) p] : (byte) 0xEE;
                    dst.set(ValueLayout.JAVA_BYTE, a - dst.address(), v);
                }
                completion.filled();
            });
            return PENDING;
        }

        @Override
        public void close() {
            closed = true;
        }
    }

    @Test
    void asynchronousAlignedSourceGivesTheSameBytes(@TempDir Path dir) throws Exception {
        byte[] file = content(90_000);
        Path f = Files.write(dir.resolve("chunk"), file);
        try (RecordPeer peer = new RecordPeer(CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256)) {
            TlsFileRegion sync = new TlsFileRegion(FileChannelRegionSource.open(f, 777, 80_000));
            sync.bind(peer.serverWrite, 5, 16384, TlsStats.NONE, () -> {});
            byte[] expected = drain(sync, new StingySocket(9000), () -> {});

            SlowAlignedSource source = new SlowAlignedSource(file, 777, 80_000);
            int[] resumes = {0};
            TlsFileRegion async = new TlsFileRegion(source);
            async.bind(peer.serverWrite, 5, 16384, TlsStats.NONE, () -> resumes[0]++);
            StingySocket socket = new StingySocket(9000);
            byte[] got = drain(async, socket, () -> {
                Runnable r = source.completions.poll();
                if (r != null) {
                    r.run();
                }
            });
            assertArrayEquals(expected, got);
            assertTrue(resumes[0] > 0, "completion resumes the channel");
            sync.release();
            async.release();
            assertTrue(source.closed);
            peer.serverRead.release();
            peer.serverWrite.release();
        }
    }

    @Test
    void anUnboundRegionRefusesToTransfer(@TempDir Path dir) throws Exception {
        Path f = Files.write(dir.resolve("chunk"), content(10));
        TlsFileRegion region = new TlsFileRegion(FileChannelRegionSource.open(f, 0, 10));
        assertEquals(10, region.count());
        assertThrows(IllegalStateException.class, () -> region.transferTo(new StingySocket(10), 0));
        region.release();
    }

    @Test
    void keysOutliveTheConnectionUntilTheRegionIsDone(@TempDir Path dir) throws Exception {
        Path f = Files.write(dir.resolve("chunk"), content(50_000));
        try (RecordPeer peer = new RecordPeer(CipherSuite.TLS_AES_128_GCM_SHA256)) {
            TlsFileRegion region = new TlsFileRegion(FileChannelRegionSource.open(f, 0, 50_000));
            region.bind(peer.serverWrite, 0, 16384, TlsStats.NONE, () -> {});
            peer.serverWrite.release(); // the handler lets go (a key update or close)
            assertEquals(1, peer.serverWrite.refCnt());
            drain(region, new StingySocket(50_000), () -> {});
            region.release();
            assertEquals(0, peer.serverWrite.refCnt(), "last reference gone: key zeroed");
            peer.serverRead.release();
        }
    }
}
