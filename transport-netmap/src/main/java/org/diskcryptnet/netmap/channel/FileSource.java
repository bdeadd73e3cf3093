package org.diskcryptnet.netmap.channel;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

import io.netty.channel.DefaultFileRegion;

import org.diskcryptnet.netmap.tcp.ProduceCompletion;
import org.diskcryptnet.netmap.tcp.SendSource;

/**
 * A {@link DefaultFileRegion} handed to TCP as a regenerable source: the bytes of each segment are read from the
 * file (pread, through the page cache) straight into its transmit slot when TCP may send them, and read again on
 * retransmission; no copy of the file is kept in user space. The region is retained until TCP releases the source.
 *
 * <p>This is the buffered-file form of the Disk|Crypt|Net send path; issue 8 replaces the pread with reads
 * submitted to the loop's disk queue for the project's {@code DiskRegion}.
 */
final class FileSource implements SendSource {

    private final StreamWriter owner;
    private DefaultFileRegion region;
    private FileChannel file;
    private long base;
    FileSource nextFree;

    FileSource(StreamWriter owner) {
        this.owner = owner;
    }

    /** Takes over one reference of {@code region}, whose file is open; sends {@code [from, count)} of it. */
    FileSource init(DefaultFileRegion region, FileChannel file, long from) {
        this.region = region;
        this.file = file;
        this.base = region.position() + from;
        return this;
    }

    @Override
    public int produce(long position, int length, MemorySegment destination, long destinationOffset,
                       ProduceCompletion completion, long ticket) {
        ByteBuffer view = owner.view(destination);
        view.limit((int) destinationOffset + length).position((int) destinationOffset);
        long at = base + position;
        try {
            while (view.hasRemaining()) {
                int n = file.read(view, at);
                if (n < 0) {
                    return FAILED; // the file shrank under us: the connection cannot be completed
                }
                at += n;
            }
        } catch (IOException e) {
            return FAILED;
        }
        return length;
    }

    @Override
    public void acknowledged(long position) {
    }

    @Override
    public void release() {
        DefaultFileRegion r = region;
        region = null;
        file = null;
        if (r != null) {
            r.release();
        }
        owner.recycle(this);
    }
}
