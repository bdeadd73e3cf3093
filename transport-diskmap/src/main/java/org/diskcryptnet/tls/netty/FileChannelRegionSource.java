package org.diskcryptnet.tls.netty;

import java.io.EOFException;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A range of a file read through the page cache with positional reads ({@code pread}) straight into the region's
 * buffer: {@code content.storage: buffered} over HTTPS. Always completes synchronously.
 */
public final class FileChannelRegionSource implements RegionSource {

    private final FileChannel file;
    private final long position;
    private final long length;
    private MemorySegment lastSegment;
    private ByteBuffer view;

    public FileChannelRegionSource(FileChannel file, long position, long length) {
        this.file = file;
        this.position = position;
        this.length = length;
    }

    /** Opens {@code path} and serves {@code [position, position + length)} of it. */
    public static FileChannelRegionSource open(Path path, long position, long length) throws IOException {
        return new FileChannelRegionSource(FileChannel.open(path, StandardOpenOption.READ), position, length);
    }

    @Override
    public long length() {
        return length;
    }

    @Override
    public int fill(MemorySegment dst, long dstOffset, long offset, int n, Completion completion) throws IOException {
        if (dst != lastSegment) {
            // One ByteBuffer view per buffer the region hands us (it keeps one): no allocation per record.
            lastSegment = dst;
            view = dst.asByteBuffer();
        }
        view.clear().position((int) dstOffset).limit((int) dstOffset + n);
        long at = position + offset;
        while (view.hasRemaining()) {
            int r = file.read(view, at);
            if (r < 0) {
                throw new EOFException("file ended at " + at + " while reading [" + (position + offset) + ", +"
                        + n + "): it shrank after the response headers went out");
            }
            at += r;
        }
        return n;
    }

    @Override
    public void close() {
        lastSegment = null;
        view = null;
        try {
            file.close();
        } catch (IOException ignored) {
            // read-only: nothing was lost
        }
    }
}
