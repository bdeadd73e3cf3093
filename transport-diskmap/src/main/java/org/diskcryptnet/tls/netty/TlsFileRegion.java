package org.diskcryptnet.tls.netty;

import java.io.IOException;
import java.nio.channels.WritableByteChannel;

import io.netty.channel.FileRegion;
import io.netty.util.AbstractReferenceCounted;
import io.netty.util.IllegalReferenceCountException;

import org.diskcryptnet.tls.record.ContentType;
import org.diskcryptnet.tls.record.RecordLayout;
import org.diskcryptnet.tls.record.RecordProtection;

/**
 * A response body that encrypts itself on its way to the socket: batch by batch it has its {@link RegionSource} read
 * the plaintext into an off-heap buffer and seals the TLS records <b>in that buffer</b> — no second buffer, no copy —
 * then writes them. Record {@code k} carries body bytes {@code [k·2^14, (k+1)·2^14)} and sequence number
 * {@code first + k} ({@link RecordLayout}), so any part of the body can be sealed again byte-identically.
 *
 * <p>Written to a channel whose pipeline has a {@link TlsRecordHandler}, which binds it to the connection's write key
 * and sequence numbers as it passes; before that {@link #count()} is the plaintext length and the region cannot be
 * transferred. Used on one event loop only.
 */
public final class TlsFileRegion extends AbstractReferenceCounted implements FileRegion {

    private final RegionSource source;
    private RecordProtection protection;
    private RecordLayout layout;
    private TlsStats stats = TlsStats.NONE;
    private long firstSequence;
    private int header;
    private int overhead;

    private long transferred;
    /** Next record to read and seal. */
    private long nextRecord;
    private SealBuffers.Buffer buffer;
    /** Sealed records of the current batch: [spanStart[i], spanEnd[i]) in the buffer, written in order. */
    private final int[] spanStart = new int[SealBuffers.RECORDS];
    private final int[] spanEnd = new int[SealBuffers.RECORDS];
    private final int[] spanPlain = new int[SealBuffers.RECORDS];
    private final long[] spanRecord = new long[SealBuffers.RECORDS];
    private int spans;
    private int span;
    private int spanWritten;
    private int fillsPending;
    private Throwable fillFailure;
    private Runnable resume;
    private final RegionSource.Completion completion = new RegionSource.Completion() {
        @Override
        public void filled() {
            if (--fillsPending == 0) {
                sealBatch();
                if (resume != null) {
                    resume.run();
                }
            }
        }

        @Override
        public void failed(Throwable cause) {
            fillFailure = cause;
            if (--fillsPending == 0 && resume != null) {
                resume.run();
            }
        }
    };
    private long recordsSealed;
    private long bytesSealed;

    public TlsFileRegion(RegionSource source) {
        this.source = source;
    }

    /**
     * Binds the region to a write key: {@code protection} (retained here, released when the region is) and sequence
     * numbers {@code [firstSequence, firstSequence + records())}. {@code resume} is run on the event loop when a
     * {@link RegionSource#PENDING} fill completes, to have the channel flush again.
     */
    void bind(RecordProtection protection, long firstSequence, int payload, TlsStats stats, Runnable resume) {
        if (this.protection != null) {
            throw new IllegalStateException("region already bound to a connection");
        }
        this.protection = (RecordProtection) protection.retain();
        this.firstSequence = firstSequence;
        this.header = protection.headerLength();
        this.overhead = protection.overhead();
        this.layout = new RecordLayout(payload, overhead, source.length());
        this.stats = stats;
        this.resume = resume;
    }

    /** Records the body becomes once bound: the sequence numbers it takes. */
    long records(int payload, int overhead) {
        return new RecordLayout(payload, overhead, source.length()).records();
    }

    /** The layout of the bound region, or null. */
    public RecordLayout layout() {
        return layout;
    }

    /** Plaintext bytes of the body. */
    public long plaintextLength() {
        return source.length();
    }

    @Override
    public long position() {
        return 0;
    }

    @Override
    @Deprecated
    public long transfered() {
        return transferred;
    }

    @Override
    public long transferred() {
        return transferred;
    }

    /** Wire bytes once bound (plaintext plus every record's overhead); the plaintext length before. */
    @Override
    public long count() {
        return layout == null ? source.length() : layout.wireLength();
    }

    @Override
    public long transferTo(WritableByteChannel target, long position) throws IOException {
        if (refCnt() == 0) {
            throw new IllegalReferenceCountException(0);
        }
        if (layout == null) {
            throw new IllegalStateException("TlsFileRegion written to a channel without a TlsRecordHandler");
        }
        long written = 0;
        while (true) {
            if (fillFailure != null) {
                throw fillFailure instanceof IOException io ? io : new IOException("read for the response failed", fillFailure);
            }
            if (span < spans) {
                int n = writeSpan(target);
                written += n;
                if (n == 0 || span < spans) {
                    break; // socket full
                }
                continue;
            }
            if (fillsPending > 0 || nextRecord >= layout.records()) {
                break; // waiting for the disk, or done
            }
            startBatch();
        }
        transferred += written;
        return written;
    }

    private int writeSpan(WritableByteChannel target) throws IOException {
        int total = 0;
        while (span < spans) {
            int from = spanStart[span] + spanWritten;
            buffer.view.clear().position(from).limit(spanEnd[span]);
            int n = target.write(buffer.view);
            total += n;
            spanWritten += n;
            if (from + n < spanEnd[span]) {
                break;
            }
            span++;
            spanWritten = 0;
        }
        return total;
    }

    /** Asks the source for the next batch of records' plaintext, each placed where its record needs it. */
    private void startBatch() throws IOException {
        if (buffer == null) {
            buffer = SealBuffers.acquire();
        }
        long records = Math.min(SealBuffers.RECORDS, layout.records() - nextRecord);
        int alignment = source.alignment();
        spans = 0;
        span = 0;
        spanWritten = 0;
        int cursor = 0;
        fillsPending = (int) records + 1; // +1 until every fill has been started
        for (int i = 0; i < records; i++) {
            long k = nextRecord + i;
            int plain = layout.plaintextLength(k);
            int payloadAt;
            if (alignment <= 1) {
                // Back to back: the batch goes out in one write.
                payloadAt = cursor + header;
                cursor += plain + overhead;
            } else {
                payloadAt = i * SealBuffers.SLOT + SealBuffers.ALIGN + (source.phase(layout.plaintextOffset(k)) & (alignment - 1));
            }
            spanStart[i] = payloadAt - header;
            spanEnd[i] = payloadAt + plain + overhead - header;
            spanPlain[i] = plain;
            spanRecord[i] = k;
            int r = source.fill(buffer.segment, payloadAt, layout.plaintextOffset(k), plain, completion);
            if (r != RegionSource.PENDING) {
                fillsPending--;
            }
        }
        nextRecord += records;
        spans = 0; // nothing to write until the batch is sealed
        batchRecords = (int) records;
        if (--fillsPending == 0) {
            sealBatch();
        }
    }

    private int batchRecords;

    /** Seals every record of the filled batch in place and makes the batch writable. */
    private void sealBatch() {
        if (fillFailure != null) {
            return;
        }
        for (int i = 0; i < batchRecords; i++) {
            protection.seal(buffer.segment, spanStart[i], spanPlain[i], ContentType.APPLICATION_DATA,
                    firstSequence + spanRecord[i]);
            bytesSealed += spanPlain[i];
        }
        recordsSealed += batchRecords;
        if (source.alignment() <= 1 && batchRecords > 1) {
            spanEnd[0] = spanEnd[batchRecords - 1];
            spans = 1;
        } else {
            spans = batchRecords;
        }
        span = 0;
        spanWritten = 0;
    }

    @Override
    public TlsFileRegion retain() {
        super.retain();
        return this;
    }

    @Override
    public TlsFileRegion retain(int increment) {
        super.retain(increment);
        return this;
    }

    @Override
    public TlsFileRegion touch() {
        return this;
    }

    @Override
    public TlsFileRegion touch(Object hint) {
        return this;
    }

    @Override
    protected void deallocate() {
        source.close();
        if (buffer != null && fillsPending == 0) {
            // With reads still in flight the buffer is not ours to reuse; the GC frees it after they land.
            SealBuffers.release(buffer);
        }
        buffer = null;
        if (protection != null) {
            protection.release();
            protection = null;
        }
        if (recordsSealed > 0) {
            stats.sealed(recordsSealed, bytesSealed);
        }
    }
}
