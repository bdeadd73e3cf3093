package org.diskcryptnet.netmap.channel;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.DefaultFileRegion;
import io.netty.channel.FileRegion;

import org.diskcryptnet.disk.DiskRegion;
import org.diskcryptnet.disk.DiskRegionSource;
import org.diskcryptnet.netmap.datapath.DiskSendPath;
import org.diskcryptnet.netmap.datapath.ExtentSource;
import org.diskcryptnet.netmap.tcp.TcpConnection;
import org.diskcryptnet.tls.netty.RecordsToSeal;
import org.diskcryptnet.tls.record.RecordProtection;

/**
 * Moves a channel's flushed messages from its {@link ChannelOutboundBuffer} into its TCP connection, reporting
 * progress to the buffer as it goes. By message:
 * <ul>
 *   <li>a {@link ByteBuf} of at least {@link NetmapConfig#zeroCopyWriteThreshold()} bytes goes by reference
 *       ({@link ByteBufSource}): one copy, from the buffer into the transmit slots;</li>
 *   <li>a smaller {@code ByteBuf} is copied into the connection's send buffer (kept until acknowledged), from its
 *       memory address, or through the loop's staging area for heap and composite buffers;</li>
 *   <li>the project's {@link DiskRegion} becomes an extent of the loop's {@link DiskSendPath} (issue 8): read
 *       from disk into the transmit frames when TCP may send it, in batches within the loop's budget, and read
 *       again on loss;</li>
 *   <li>a {@link RecordsToSeal} (a TLS body from the in-place record layer) becomes a sealed extent of the same path:
 *       each record read into its frame and sealed there, read and sealed again on loss;</li>
 *   <li>a {@link DefaultFileRegion} becomes a regenerable {@link FileSource} (pread into the transmit slots);
 *       any other {@link FileRegion} copies itself into the send buffer through {@link FileRegion#transferTo}.</li>
 * </ul>
 * A write promise completes when TCP has taken the bytes, as a kernel socket's completes when they are in the
 * socket buffer. The channel's {@code SO_SNDBUF} bounds the bytes TCP holds unacknowledged for it.
 */
final class StreamWriter {

    private static final VarHandle REGION_FILE = regionFile();

    private final RegionTarget regionTarget = new RegionTarget();
    private ByteBufSource freeBuffers;
    private FileSource freeFiles;
    private MemorySegment viewOf;
    private ByteBuffer view;
    private NetmapIoHandler loop;
    private TcpConnection connection;

    private static VarHandle regionFile() {
        try {
            return MethodHandles.privateLookupIn(DefaultFileRegion.class, MethodHandles.lookup())
                    .findVarHandle(DefaultFileRegion.class, "file", FileChannel.class);
        } catch (ReflectiveOperationException | RuntimeException e) {
            return null; // then DefaultFileRegions take the generic transferTo path
        }
    }

    /**
     * Writes what TCP takes now.
     *
     * @return true if {@code in} is empty, false if TCP (or SO_SNDBUF) is full: a writable event follows
     */
    boolean write(ChannelOutboundBuffer in, TcpConnection c, NetmapIoHandler loop, int sendBufferSize,
                  int zeroCopyThreshold) throws IOException {
        this.loop = loop;
        this.connection = c;
        for (;;) {
            Object msg = in.current();
            if (msg == null) {
                return true;
            }
            long queued = c.unacknowledgedBytes();
            long budget = sendBufferSize - queued;
            if (budget <= 0) {
                c.requestWritable();
                return false;
            }
            if (msg instanceof ByteBuf buf) {
                int length = buf.readableBytes();
                if (length == 0) {
                    in.remove();
                    continue;
                }
                if (length >= zeroCopyThreshold) {
                    if (length > budget && queued > 0) {
                        c.requestWritable();
                        return false;
                    }
                    ByteBufSource source = takeBufferSource().init(buf.retain());
                    if (!c.write(source, length)) {
                        source.release();
                        return false;
                    }
                    in.removeBytes(length);
                } else {
                    int n = copy(buf, c, (int) Math.min(length, budget));
                    if (n == 0) {
                        return false;
                    }
                    in.removeBytes(n);
                }
            } else if (msg instanceof DiskRegion region) {
                if (!writeDiskRegion(in, region, c)) {
                    return false;
                }
            } else if (msg instanceof RecordsToSeal records) {
                if (!writeRecords(in, records, c)) {
                    return false;
                }
            } else if (msg instanceof DefaultFileRegion region && REGION_FILE != null) {
                if (!writeRegion(in, region, c)) {
                    return false;
                }
            } else if (msg instanceof FileRegion region) {
                long done = region.transferred();
                if (done >= region.count()) {
                    in.remove();
                    continue;
                }
                regionTarget.limit = budget;
                long n = region.transferTo(regionTarget, done);
                if (n <= 0) {
                    if (regionTarget.limit <= 0) {
                        c.requestWritable();
                    }
                    return false;
                }
                in.progress(n);
                if (region.transferred() >= region.count()) {
                    in.remove();
                }
            } else {
                throw new IllegalStateException("unexpected message " + msg.getClass().getName());
            }
        }
    }

    private boolean writeRegion(ChannelOutboundBuffer in, DefaultFileRegion region, TcpConnection c) throws IOException {
        long from = region.transferred();
        long remaining = region.count() - from;
        if (remaining <= 0) {
            in.remove();
            return true;
        }
        region.open();
        FileChannel file = (FileChannel) REGION_FILE.get(region);
        long size = file.size();
        if (region.position() + region.count() > size) {
            // what DefaultFileRegion.validate says, said before TCP promises to send bytes that do not exist
            throw new IOException("Underlying file size " + size + " smaller then requested count " + region.count());
        }
        FileSource source = takeFileSource().init((DefaultFileRegion) region.retain(), file, from);
        if (!c.write(source, remaining)) {
            source.release();
            return false;
        }
        in.progress(remaining);
        in.remove();
        return true;
    }

    /**
     * A {@link DiskRegion} becomes an extent of the loop's {@link DiskSendPath}: read from disk into the transmit
     * frames when TCP may send it, read again on loss (issue 8).
     */
    private boolean writeDiskRegion(ChannelOutboundBuffer in, DiskRegion region, TcpConnection c) throws IOException {
        long from = region.transferred();
        long remaining = region.count() - from;
        if (remaining <= 0) {
            in.remove();
            return true;
        }
        DiskSendPath path = loop.sendPath(region.storage().loop(loop.eventLoop()));
        ExtentSource source = path.plain(region.file(), region.position() + from, remaining, region.retain());
        if (!c.write(source, remaining)) {
            source.release();
            return false;
        }
        in.progress(remaining);
        in.remove();
        return true;
    }

    /**
     * A TLS body ({@link RecordsToSeal}, from the in-place record layer, over a {@link DiskRegionSource}) becomes a
     * sealed extent of the loop's {@link DiskSendPath}: each record read from disk into the transmit frame when TCP
     * may send it and sealed there with its sequence number, read and sealed again byte-identically on loss.
     */
    private boolean writeRecords(ChannelOutboundBuffer in, RecordsToSeal records, TcpConnection c) throws IOException {
        long length = records.wireLength();
        if (length == 0) {
            in.remove();
            return true;
        }
        DiskRegion region = ((DiskRegionSource) records.source()).region();
        DiskSendPath path = loop.sendPath(region.storage().loop(loop.eventLoop()));
        RecordProtection key = (RecordProtection) records.protection().retain();
        records.retain();
        ExtentSource source;
        try {
            // takes over both references: the key is released with the source, the message (and the region) after
            // the last read of it completed
            source = path.sealed(region.file(), region.position(), key, records.layout(), records.firstSequence(),
                    records);
        } catch (RuntimeException e) {
            key.release();
            records.release();
            throw e;
        }
        if (!c.write(source, length)) {
            source.release();
            return false;
        }
        in.progress(length);
        in.remove();
        return true;
    }

    /** Copies up to {@code n} bytes of {@code buf} into the send buffer; the number TCP took. */
    private int copy(ByteBuf buf, TcpConnection c, int n) {
        int index = buf.readerIndex();
        if (buf.hasMemoryAddress()) {
            return c.write(NetmapIoHandler.EVERYTHING, buf.memoryAddress() + index, n);
        }
        MemorySegment staging = loop.staging();
        int total = 0;
        while (total < n) {
            int k = (int) Math.min(n - total, staging.byteSize());
            if (buf.hasArray()) {
                MemorySegment.copy(buf.array(), buf.arrayOffset() + index + total, staging, ValueLayout.JAVA_BYTE, 0, k);
            } else {
                ByteBuffer sb = loop.stagingBuffer();
                sb.clear().limit(k);
                buf.getBytes(index + total, sb);
            }
            int w = c.write(staging, 0, k);
            total += w;
            if (w < k) {
                break;
            }
        }
        return total;
    }

    /** The loop's read-ahead for file regions, or null (not registered yet, or turned off). */
    FileReadAhead readAhead() {
        return loop == null ? null : loop.fileReadAhead();
    }

    /** A ByteBuffer over {@code segment} (a transmit region), made once per region. */
    ByteBuffer view(MemorySegment segment) {
        if (segment != viewOf) {
            view = segment.asByteBuffer();
            viewOf = segment;
        }
        return view;
    }

    private ByteBufSource takeBufferSource() {
        ByteBufSource s = freeBuffers;
        if (s == null) {
            return new ByteBufSource(this);
        }
        freeBuffers = s.nextFree;
        s.nextFree = null;
        return s;
    }

    private FileSource takeFileSource() {
        FileSource s = freeFiles;
        if (s == null) {
            return new FileSource(this);
        }
        freeFiles = s.nextFree;
        s.nextFree = null;
        return s;
    }

    void recycle(ByteBufSource s) {
        s.nextFree = freeBuffers;
        freeBuffers = s;
    }

    void recycle(FileSource s) {
        s.nextFree = freeFiles;
        freeFiles = s;
    }

    /** What {@link FileRegion#transferTo} writes into: the connection's send buffer, within SO_SNDBUF. */
    private final class RegionTarget implements WritableByteChannel {
        long limit;

        @Override
        public int write(ByteBuffer src) {
            int k = (int) Math.min(Math.min(src.remaining(), limit), loop.staging().byteSize());
            if (k <= 0) {
                return 0;
            }
            ByteBuffer sb = loop.stagingBuffer();
            sb.clear();
            int oldLimit = src.limit();
            int start = src.position();
            src.limit(start + k);
            sb.put(src);
            src.limit(oldLimit);
            int w = connection.write(loop.staging(), 0, k);
            src.position(start + w);
            limit -= w;
            return w;
        }

        @Override
        public boolean isOpen() {
            return true;
        }

        @Override
        public void close() {
        }
    }
}
