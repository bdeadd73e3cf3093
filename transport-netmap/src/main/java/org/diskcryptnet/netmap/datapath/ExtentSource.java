package org.diskcryptnet.netmap.datapath;

import java.lang.foreign.MemorySegment;

import io.netty.util.ReferenceCounted;

import org.diskcryptnet.disk.DiskFile;
import org.diskcryptnet.netmap.tcp.ProduceCompletion;
import org.diskcryptnet.netmap.tcp.SendSource;

/**
 * A file extent queued on a TCP connection and read from disk only when TCP may send it: each
 * {@link #produce} becomes a unit of work for the loop's {@link DiskSendPath}, which reads it (in the next batch,
 * within the budget) into the frame TCP reserved, and completes it when the bytes are in place. Nothing of the
 * file is kept: a retransmission reads the range again.
 *
 * <p>The object outlives TCP's {@link #release()} until its last unit completes (the file must stay open for reads
 * in flight, and every reserved frame must be completed); then it releases its owner (the {@code DiskRegion}) and
 * returns to the path's pool.
 */
public abstract sealed class ExtentSource implements SendSource permits PlainExtentSource, SealedExtentSource {

    final DiskSendPath path;
    DiskFile file;
    /** File offset of source position 0 (of the plaintext, for a sealed source). */
    long filePosition;
    /** Bytes TCP sends: the file bytes, or the records' wire bytes. */
    long length;
    ReferenceCounted owner;
    /** End of the highest range produced so far: anything below it asked again is a retransmission. */
    long producedEnd;
    int unitsOutstanding;
    boolean released;
    /** A read of this extent failed (logged once). */
    boolean failed;
    /** The file changed since it was opened: nothing of it is read or sealed any more ({@link ReReadGuard}). */
    boolean fileChanged;
    /** The source's current read window ({@link ReadAheadWindows}), or -1. */
    int window = -1;
    ExtentSource nextFree;

    ExtentSource(DiskSendPath path) {
        this.path = path;
    }

    void init(DiskFile file, long filePosition, long length, ReferenceCounted owner) {
        this.file = file;
        this.filePosition = filePosition;
        this.length = length;
        this.owner = owner;
        this.producedEnd = 0;
        this.unitsOutstanding = 0;
        this.released = false;
        this.failed = false;
        this.fileChanged = false;
        this.window = -1;
    }

    /** The file offset just past the file bytes that source positions below {@code position} (> 0) are made of. */
    abstract long fileEndOf(long position);

    /** The bytes TCP sends for this source: give this to {@code TcpConnection.write(SendSource, long)}. */
    public long length() {
        return length;
    }

    @Override
    public int produce(long position, int length, MemorySegment destination, long destinationOffset,
                       ProduceCompletion completion, long ticket) {
        return path.enqueue(this, position, length, destination, destinationOffset, completion, ticket);
    }

    @Override
    public void acknowledged(long position) {
        // nothing is kept to drop: the bytes live only in frames between their read and their transmission
    }

    @Override
    public void release() {
        released = true;
        if (unitsOutstanding == 0) {
            path.recycle(this);
        }
    }

    /** Frees what the subclass holds; the owner is released by the path. */
    abstract void clear();
}
