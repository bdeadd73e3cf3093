package org.diskcryptnet.tls.netty;

import java.io.IOException;
import java.nio.channels.WritableByteChannel;

import io.netty.channel.FileRegion;
import io.netty.util.AbstractReferenceCounted;

import org.diskcryptnet.tls.record.ContentType;
import org.diskcryptnet.tls.record.RecordLayout;
import org.diskcryptnet.tls.record.RecordProtection;

/**
 * Up to {@link SealBuffers#RECORDS} consecutive records of a {@link TlsFileRegion}, read and sealed in one off-heap
 * buffer: the message the socket writes. The channel sees a batch only once it is sealed, and releases it when it is
 * written; the region then reads its next records into the same buffer. A region reuses its few batches for its
 * whole body, so a response allocates nothing per batch.
 */
final class SealedBatch extends AbstractReferenceCounted implements FileRegion, RegionSource.Completion {

    private final TlsFileRegion region;
    private SealBuffers.Buffer buffer;
    /** Record i of the batch: payload at spanStart[i] + header, sealed in place; written as [spanStart, spanEnd). */
    private final int[] spanStart = new int[SealBuffers.RECORDS];
    private final int[] spanEnd = new int[SealBuffers.RECORDS];
    private final int[] spanPlain = new int[SealBuffers.RECORDS];
    private final long[] spanRecord = new long[SealBuffers.RECORDS];
    private int records;
    private int spans;
    private int span;
    private int spanWritten;
    private int fillsPending;
    private boolean sealed;
    private boolean sending;
    private long count;
    private long transferred;

    SealedBatch(TlsFileRegion region) {
        this.region = region;
    }

    /**
     * Has {@code source} read records {@code [first, first + n)} of {@code layout}, each placed where its record needs
     * it; the region hears {@link TlsFileRegion#batchFilled} when the last read lands (at once for a synchronous
     * source).
     */
    void fill(RegionSource source, RecordLayout layout, long first, int n, int header, int overhead) throws IOException {
        if (buffer == null) {
            buffer = SealBuffers.acquire();
        }
        records = n;
        sealed = false;
        int alignment = source.alignment();
        int cursor = 0;
        fillsPending = n + 1; // +1 until every read has been started
        for (int i = 0; i < n; i++) {
            long k = first + i;
            int plain = layout.plaintextLength(k);
            int payloadAt;
            if (alignment <= 1) {
                // Back to back: the batch goes out in one write.
                payloadAt = cursor + header;
                cursor += plain + overhead;
            } else {
                payloadAt = i * SealBuffers.SLOT + SealBuffers.ALIGN
                        + (source.phase(layout.plaintextOffset(k)) & (alignment - 1));
            }
            spanStart[i] = payloadAt - header;
            spanEnd[i] = payloadAt + plain + overhead - header;
            spanPlain[i] = plain;
            spanRecord[i] = k;
            if (source.fill(buffer.segment, payloadAt, layout.plaintextOffset(k), plain, this) != RegionSource.PENDING) {
                fillsPending--;
            }
        }
        filled();
    }

    @Override
    public void filled() {
        if (--fillsPending == 0) {
            region.batchFilled(this);
        }
    }

    @Override
    public void failed(Throwable cause) {
        region.fillFailed(cause);
        filled();
    }

    /** Seals every record in place and makes the batch writable; returns the plaintext bytes sealed. */
    long seal(RecordProtection protection, long firstSequence, boolean backToBack) {
        long bytes = 0;
        for (int i = 0; i < records; i++) {
            protection.seal(buffer.segment, spanStart[i], spanPlain[i], ContentType.APPLICATION_DATA,
                    firstSequence + spanRecord[i]);
            bytes += spanPlain[i];
        }
        if (backToBack && records > 1) {
            spanEnd[0] = spanEnd[records - 1];
            spans = 1;
        } else {
            spans = records;
        }
        count = 0;
        for (int i = 0; i < spans; i++) {
            count += spanEnd[i] - spanStart[i];
        }
        span = 0;
        spanWritten = 0;
        transferred = 0;
        sealed = true;
        return bytes;
    }

    int records() {
        return records;
    }

    boolean sealed() {
        return sealed;
    }

    /** Reads are still landing in the buffer: it is not ours to reuse. */
    boolean filling() {
        return fillsPending > 0;
    }

    /** In the channel's hands until it releases the batch. */
    boolean sending() {
        return sending;
    }

    /** Gives the sealed batch to the channel, with one reference that the channel releases once it is written. */
    SealedBatch handOut() {
        if (refCnt() == 0) {
            setRefCnt(1);
        }
        sealed = false;
        sending = true;
        return this;
    }

    /** Takes the buffer away for the pool (null if the batch never had one). */
    SealBuffers.Buffer takeBuffer() {
        SealBuffers.Buffer b = buffer;
        buffer = null;
        return b;
    }

    @Override
    public long position() {
        return 0;
    }

    @Override
    public long count() {
        return count;
    }

    @Override
    public long transferred() {
        return transferred;
    }

    @Override
    @Deprecated
    public long transfered() {
        return transferred;
    }

    @Override
    public long transferTo(WritableByteChannel target, long position) throws IOException {
        long total = 0;
        while (span < spans) {
            int from = spanStart[span] + spanWritten;
            buffer.view.clear().position(from).limit(spanEnd[span]);
            int n = target.write(buffer.view);
            total += n;
            spanWritten += n;
            if (from + n < spanEnd[span]) {
                break; // socket full
            }
            span++;
            spanWritten = 0;
        }
        transferred += total;
        return total;
    }

    @Override
    protected void deallocate() {
        sending = false;
        region.batchReleased(this, transferred == count);
    }

    @Override
    public SealedBatch retain() {
        super.retain();
        return this;
    }

    @Override
    public SealedBatch retain(int increment) {
        super.retain(increment);
        return this;
    }

    @Override
    public SealedBatch touch() {
        return this;
    }

    @Override
    public SealedBatch touch(Object hint) {
        return this;
    }
}
