package org.diskcryptnet.netmap.channel;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;

import io.netty.channel.DefaultFileRegion;

import org.diskcryptnet.netmap.tcp.ProduceCompletion;
import org.diskcryptnet.netmap.tcp.SendSource;

/**
 * A {@link DefaultFileRegion} handed to TCP as a regenerable source: the file range is mapped (the page cache's
 * pages, no copy), and the bytes of each segment are copied from the mapping straight into its transmit slot when
 * TCP may send them, and again on retransmission; no copy of the file is kept in user space. One mapping per
 * region instead of one pread per segment: a 300 KB object costs three system calls, not two hundred. The region
 * and the mapping are kept until TCP releases the source.
 *
 * <p>This is the buffered-file form of the Disk|Crypt|Net send path; issue 8 replaces the pread with reads
 * submitted to the loop's disk queue for the project's {@code DiskRegion}.
 */
final class FileSource implements SendSource {

    private final StreamWriter owner;
    private DefaultFileRegion region;
    private Arena arena;
    private MemorySegment mapped;
    FileSource nextFree;

    FileSource(StreamWriter owner) {
        this.owner = owner;
    }

    /**
     * Takes over one reference of {@code region}, whose file is open, and maps {@code [from, count)} of it (on the
     * loop's thread, which also releases it: the mapping's arena is confined to it).
     */
    FileSource init(DefaultFileRegion region, FileChannel file, long from) throws IOException {
        long length = region.count() - from;
        Arena a = Arena.ofConfined();
        try {
            this.mapped = file.map(FileChannel.MapMode.READ_ONLY, region.position() + from, length, a);
        } catch (IOException | RuntimeException e) {
            a.close();
            throw e;
        }
        this.arena = a;
        this.region = region;
        return this;
    }

    @Override
    public int produce(long position, int length, MemorySegment destination, long destinationOffset,
                       ProduceCompletion completion, long ticket) {
        try {
            MemorySegment.copy(mapped, position, destination, destinationOffset, length);
        } catch (InternalError e) {
            // the file shrank under the mapping (SIGBUS on the page): the connection cannot be completed
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
        mapped = null;
        Arena a = arena;
        arena = null;
        if (a != null) {
            a.close();
        }
        if (r != null) {
            r.release();
        }
        owner.recycle(this);
    }
}
