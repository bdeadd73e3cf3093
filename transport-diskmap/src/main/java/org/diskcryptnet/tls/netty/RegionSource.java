package org.diskcryptnet.tls.netty;

import java.io.IOException;
import java.lang.foreign.MemorySegment;

/**
 * Where a {@link TlsFileRegion}'s plaintext comes from: something that can read bytes {@code [offset, offset + n)} of
 * a response body into a given place of an off-heap buffer, now or later. The region seals the bytes in that same
 * buffer, so the source decides nothing about TLS and TLS nothing about how bytes are read.
 *
 * <h2>Contract</h2>
 * <ul>
 *   <li>{@link #fill} is called on the channel's event loop. It either reads the bytes before returning (and returns
 *       {@code length}), or starts a read and returns {@link #PENDING}; then it must call exactly one of
 *       {@link Completion#filled()} or {@link Completion#failed(Throwable)} later, <b>on the same event loop</b>.
 *       Several fills (one per record of a batch) may be outstanding at once.</li>
 *   <li>Placement. With {@link #alignment()} {@code == 1} the source writes exactly {@code [dst + dstOffset,
 *       dst + dstOffset + length)}. With an alignment {@code A > 1} (O_DIRECT: the logical block size), the region
 *       places each record's payload at an address whose remainder modulo {@code A} is {@link #phase(long)} of its
 *       body offset, with at least {@code A} bytes of slack before and after, and the source may overwrite
 *       {@code [alignDown(dst + dstOffset, A), alignUp(dst + dstOffset + length, A))}: an aligned read of the
 *       aligned superset of the range lands the wanted bytes exactly where the record needs them. The region writes
 *       record headers and tags only after the fill completed. The buffer's base is 4096-aligned.</li>
 *   <li>{@link #close()} is called once, on the event loop, after the last fill completed (or the region was
 *       abandoned: then outstanding reads must still complete into the buffer before the source lets go of it).</li>
 * </ul>
 */
public interface RegionSource extends AutoCloseable {

    /** {@link #fill} started a read that completes later. */
    int PENDING = -1;

    /** Plaintext bytes of the body. */
    long length();

    /** 1 for any placement, else the alignment (a power of two, at most 4096) the source's reads need. */
    default int alignment() {
        return 1;
    }

    /** With an alignment {@code A > 1}: the file position of body offset {@code offset}, modulo {@code A}. */
    default int phase(long offset) {
        return 0;
    }

    /** Reads body bytes {@code [offset, offset + length)} into {@code dst} at {@code dstOffset}; see the contract. */
    int fill(MemorySegment dst, long dstOffset, long offset, int length, Completion completion) throws IOException;

    @Override
    void close();

    /** Completion of a {@link #PENDING} fill; called on the event loop. */
    interface Completion {
        void filled();

        void failed(Throwable cause);
    }
}
