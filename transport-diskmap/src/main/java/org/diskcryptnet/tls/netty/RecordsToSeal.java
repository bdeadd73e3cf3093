package org.diskcryptnet.tls.netty;

import io.netty.util.AbstractReferenceCounted;

import org.diskcryptnet.tls.record.RecordLayout;
import org.diskcryptnet.tls.record.RecordProtection;

/**
 * A response body handed to a {@link RecordSealingChannel} to seal in its transmit buffers: where the plaintext comes
 * from ({@link #source()}), the write key ({@link #protection()}), where the records begin and end
 * ({@link #layout()}) and the sequence number of record 0 ({@link #firstSequence()}); record {@code k} is sealed with
 * {@code firstSequence() + k}. {@link TlsRecordHandler} has already taken those sequence numbers: records written after
 * this message continue after the body's last one.
 *
 * <p>Holds one reference to the bound {@link TlsFileRegion} (the source and a reference of the key); releasing this
 * message releases them. A channel that keeps the key or the source past its {@code write} retains them (or this
 * message) itself.
 */
public final class RecordsToSeal extends AbstractReferenceCounted {

    private final TlsFileRegion region;

    /** Takes over a reference of {@code region}, which must be bound. */
    RecordsToSeal(TlsFileRegion region) {
        if (region.layout() == null) {
            throw new IllegalStateException("region not bound to a write key");
        }
        this.region = region;
    }

    /** The plaintext of the body. */
    public RegionSource source() {
        return region.source();
    }

    /** The write key the body's records are sealed with (not retained for the caller). */
    public RecordProtection protection() {
        return region.protection();
    }

    /** Where the body's records begin and end, as a function of the offset. */
    public RecordLayout layout() {
        return region.layout();
    }

    /** The sequence number of the body's first record. */
    public long firstSequence() {
        return region.firstSequence();
    }

    /** Bytes the records take on the wire. */
    public long wireLength() {
        return region.layout().wireLength();
    }

    @Override
    public RecordsToSeal retain() {
        super.retain();
        return this;
    }

    @Override
    public RecordsToSeal retain(int increment) {
        super.retain(increment);
        return this;
    }

    @Override
    public RecordsToSeal touch() {
        return this;
    }

    @Override
    public RecordsToSeal touch(Object hint) {
        return this;
    }

    @Override
    protected void deallocate() {
        region.release();
    }

    @Override
    public String toString() {
        return "RecordsToSeal(" + region.layout().records() + " records from sequence " + region.firstSequence() + ", "
                + region.layout().wireLength() + " wire bytes)";
    }
}
