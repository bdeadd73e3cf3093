package org.diskcryptnet.tls.netty;

import java.io.IOException;
import java.nio.channels.WritableByteChannel;

import io.netty.channel.FileRegion;
import io.netty.util.AbstractReferenceCounted;

import org.diskcryptnet.tls.record.RecordLayout;
import org.diskcryptnet.tls.record.RecordProtection;

/**
 * A response body that encrypts itself on its way to the socket: batch by batch it has its {@link RegionSource} read
 * the plaintext into an off-heap buffer and seals the TLS records <b>in that buffer</b> — no second buffer, no copy.
 * Record {@code k} carries body bytes {@code [k·2^14, (k+1)·2^14)} and sequence number {@code first + k}
 * ({@link RecordLayout}), so any part of the body can be sealed again byte-identically.
 *
 * <p>Written to a channel whose pipeline has a {@link TlsRecordHandler}, which binds it to the connection's write key
 * and sequence numbers, starts it when it reaches the head of the connection's writes, and hands the channel each
 * {@link SealedBatch} once it is read and sealed ({@link #nextBatch()}). {@link #DEPTH} batches are in flight: one on
 * the socket while the next is read. The region itself never reaches the socket: a transport that waits for
 * writability would spin on a writable socket while the disk is still reading. Used on one event loop only.
 */
public final class TlsFileRegion extends AbstractReferenceCounted implements FileRegion {

    /** Batches in flight: one being written while the next is read and sealed. */
    static final int DEPTH = 2;

    private final RegionSource source;
    private RecordProtection protection;
    private RecordLayout layout;
    private TlsStats stats = TlsStats.NONE;
    private long firstSequence;
    private int header;
    private int overhead;
    private Runnable ready;

    private SealedBatch[] batches;
    private long batchCount;
    /** Next record to read. */
    private long nextRecord;
    /** Batches given to the channel so far; the next one in order is batches[handedOut % batches.length]. */
    private long handedOut;
    private Throwable failure;
    private long transferred;
    private long recordsSealed;
    private long bytesSealed;

    public TlsFileRegion(RegionSource source) {
        this.source = source;
    }

    /**
     * Binds the region to a write key: {@code protection} (retained here, released when the region is) and sequence
     * numbers {@code [firstSequence, firstSequence + records())}. {@code ready} is run on the event loop whenever a
     * batch is sealed or a read failed: then {@link #nextBatch()} has something to say.
     */
    void bind(RecordProtection protection, long firstSequence, int payload, TlsStats stats, Runnable ready) {
        if (this.protection != null) {
            throw new IllegalStateException("region already bound to a connection");
        }
        this.protection = (RecordProtection) protection.retain();
        this.firstSequence = firstSequence;
        this.header = protection.headerLength();
        this.overhead = protection.overhead();
        this.layout = new RecordLayout(payload, overhead, source.length());
        this.batchCount = (layout.records() + SealBuffers.RECORDS - 1) / SealBuffers.RECORDS;
        this.stats = stats;
        this.ready = ready;
    }

    /** Records the body becomes once bound: the sequence numbers it takes. */
    long records(int payload, int overhead) {
        return new RecordLayout(payload, overhead, source.length()).records();
    }

    /** The layout of the bound region, or null. */
    public RecordLayout layout() {
        return layout;
    }

    /** Where the plaintext comes from. */
    RegionSource source() {
        return source;
    }

    /** The write key the region is bound to, or null (the region's reference, not the caller's). */
    RecordProtection protection() {
        return protection;
    }

    /** The sequence number of the bound region's first record. */
    long firstSequence() {
        return firstSequence;
    }

    /** Plaintext bytes of the body. */
    public long plaintextLength() {
        return source.length();
    }

    /** Starts reading the first {@link #DEPTH} batches. */
    void start() throws IOException {
        if (layout == null) {
            throw new IllegalStateException("TlsFileRegion written to a channel without a TlsRecordHandler");
        }
        batches = new SealedBatch[(int) Math.max(1, Math.min(DEPTH, batchCount))];
        for (int i = 0; i < batches.length; i++) {
            batches[i] = new SealedBatch(this);
            readNext(batches[i]);
        }
    }

    /**
     * The next batch in order once it is sealed, for the channel to write and release; null while it is still being
     * read, and after the last one ({@link #done()}).
     *
     * @throws IOException the read of some record failed: the body cannot be completed
     */
    SealedBatch nextBatch() throws IOException {
        if (failure != null) {
            throw failure instanceof IOException io ? io : new IOException("read for the response failed", failure);
        }
        if (handedOut == batchCount) {
            return null;
        }
        SealedBatch batch = batches[(int) (handedOut % batches.length)];
        if (!batch.sealed()) {
            return null;
        }
        handedOut++;
        return batch.handOut();
    }

    /** Every batch has been given to the channel. */
    boolean done() {
        return handedOut == batchCount;
    }

    private void readNext(SealedBatch batch) throws IOException {
        if (nextRecord >= layout.records() || failure != null || refCnt() == 0) {
            return;
        }
        int n = (int) Math.min(SealBuffers.RECORDS, layout.records() - nextRecord);
        long first = nextRecord;
        nextRecord += n;
        batch.fill(source, layout, first, n, header, overhead);
    }

    void batchFilled(SealedBatch batch) {
        if (refCnt() == 0 || failure != null) {
            return; // abandoned: nothing to seal with, nobody to tell
        }
        bytesSealed += batch.seal(protection, firstSequence, source.alignment() <= 1);
        recordsSealed += batch.records();
        ready.run();
    }

    void fillFailed(Throwable cause) {
        if (failure == null) {
            failure = cause;
            if (refCnt() > 0) {
                ready.run();
            }
        }
    }

    /** The channel is done with a batch: written whole ({@code complete}), or dropped with the connection. */
    void batchReleased(SealedBatch batch, boolean complete) {
        transferred += batch.transferred();
        if (refCnt() == 0) {
            SealBuffers.release(batch.takeBuffer());
        } else if (!complete) {
            fillFailed(new IOException("connection closed before the body was written"));
        } else {
            try {
                readNext(batch);
            } catch (IOException e) {
                fillFailed(e);
            }
        }
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

    /** Wire bytes the channel has written of this body. */
    @Override
    public long transferred() {
        return transferred;
    }

    /** Wire bytes once bound (plaintext plus every record's overhead); the plaintext length before. */
    @Override
    public long count() {
        return layout == null ? source.length() : layout.wireLength();
    }

    /** The region reaches the socket only as {@link SealedBatch}es, through a {@link TlsRecordHandler}. */
    @Override
    public long transferTo(WritableByteChannel target, long position) {
        throw new IllegalStateException("TlsFileRegion written to a channel without a TlsRecordHandler");
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
        if (batches != null) {
            for (SealedBatch batch : batches) {
                // A batch still being read keeps its buffer until the GC (the device may still write into it); one
                // on the socket gives it back when the channel releases it.
                if (!batch.filling() && !batch.sending()) {
                    SealBuffers.release(batch.takeBuffer());
                }
            }
        }
        if (protection != null) {
            protection.release();
            protection = null;
        }
        if (recordsSealed > 0) {
            stats.sealed(recordsSealed, bytesSealed);
        }
    }
}
