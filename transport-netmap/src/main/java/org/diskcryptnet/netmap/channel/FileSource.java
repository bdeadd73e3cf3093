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
 * file (through the page cache) when TCP may send them, and read again on retransmission; no copy of the file is
 * kept per connection. New data in order comes out of the loop's {@link FileReadAhead} (one pread per run of
 * segments); a retransmission is read with its own pread straight into its transmit slot. The region is retained
 * until TCP releases the source.
 *
 * <p>This is the buffered-file form of the Disk|Crypt|Net send path; issue 8 replaces the pread with reads
 * submitted to the loop's disk queue for the project's {@code DiskRegion}.
 */
final class FileSource implements SendSource {

    private final StreamWriter owner;
    private DefaultFileRegion region;
    private FileChannel file;
    private long base;
    private long end;
    /** The file offset after the last byte produced in order: where new data continues. */
    private long nextInOrder;
    /** Where this source's last read-ahead run began (-1: none yet), and the length of its next one. */
    private long runStart;
    int run;
    FileSource nextFree;

    FileSource(StreamWriter owner) {
        this.owner = owner;
    }

    /** Takes over one reference of {@code region}, whose file is open; sends {@code [from, count)} of it. */
    FileSource init(DefaultFileRegion region, FileChannel file, long from) {
        this.region = region;
        this.file = file;
        this.base = region.position() + from;
        this.end = region.position() + region.count();
        this.nextInOrder = base;
        this.runStart = -1;
        this.run = FileReadAhead.MIN_RUN;
        return this;
    }

    @Override
    public int produce(long position, int length, MemorySegment destination, long destinationOffset,
                       ProduceCompletion completion, long ticket) {
        long at = base + position;
        try {
            FileReadAhead readAhead = owner.readAhead();
            if (readAhead != null && at == nextInOrder && readAhead.fits(length)) {
                if (readAhead.copy(this, file, at, length, end, destination, destinationOffset) < 0) {
                    return FAILED; // the file shrank under us: the connection cannot be completed
                }
            } else {
                if (readAhead != null) {
                    readAhead.bypassed++;
                }
                if (!read(at, length, destination, destinationOffset)) {
                    return FAILED;
                }
            }
        } catch (IOException e) {
            return FAILED;
        }
        if (at == nextInOrder) {
            nextInOrder = at + length;
        }
        return length;
    }

    /** One pread of exactly the segment into its frame. */
    private boolean read(long at, int length, MemorySegment destination, long destinationOffset) throws IOException {
        ByteBuffer view = owner.view(destination);
        view.limit((int) destinationOffset + length).position((int) destinationOffset);
        return readUpTo(file, view, at) == length;
    }

    /** Reads into {@code view}'s remaining bytes from file offset {@code at} until full or end of file; the count. */
    static int readUpTo(FileChannel file, ByteBuffer view, long at) throws IOException {
        int total = 0;
        while (view.hasRemaining()) {
            int n = file.read(view, at + total);
            if (n < 0) {
                break;
            }
            total += n;
        }
        return total;
    }

    /** The length of the next run: twice the last if this source used it to its end, else what it used of it. */
    void nextRun(boolean ranToItsEnd) {
        if (runStart < 0) {
            run = FileReadAhead.MIN_RUN;
        } else if (ranToItsEnd) {
            run = Math.min(FileReadAhead.MAX_RUN, run * 2);
        } else {
            run = (int) Math.clamp(nextInOrder - runStart, FileReadAhead.MIN_RUN, FileReadAhead.MAX_RUN);
        }
    }

    void runStarted(long at) {
        runStart = at;
    }

    @Override
    public void acknowledged(long position) {
    }

    @Override
    public void release() {
        DefaultFileRegion r = region;
        region = null;
        file = null;
        FileReadAhead readAhead = owner.readAhead();
        if (readAhead != null) {
            readAhead.forget(this);
        }
        if (r != null) {
            r.release();
        }
        owner.recycle(this);
    }
}
