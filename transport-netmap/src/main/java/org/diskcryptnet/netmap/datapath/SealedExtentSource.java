package org.diskcryptnet.netmap.datapath;

import org.diskcryptnet.tls.record.RecordLayout;
import org.diskcryptnet.tls.record.RecordProtection;

/**
 * File bytes sent as TLS application-data records (HTTPS): source positions are wire offsets of the record stream
 * that {@link RecordLayout} lays out as a pure function of the offset; record {@code k} is sealed with sequence
 * number {@code firstSequence + k}, so any range can be read and sealed again byte-identically after a loss. Record
 * starts are unit boundaries ({@link #unitBoundary}): TCP ends segments on them, so a whole record is read into
 * one frame and sealed there, in place.
 */
public final class SealedExtentSource extends ExtentSource {

    RecordProtection protection;
    RecordLayout layout;
    long firstSequence;

    SealedExtentSource(DiskSendPath path) {
        super(path);
    }

    void initRecords(RecordProtection protection, RecordLayout layout, long firstSequence) {
        this.protection = protection;
        this.layout = layout;
        this.firstSequence = firstSequence;
    }

    @Override
    public long unitBoundary(long position) {
        if (position >= length) {
            return position;
        }
        return layout.wireOffset(layout.recordOfWire(position));
    }

    @Override
    public long nextUnitBoundary(long position) {
        long start = unitBoundary(position);
        return start == position ? position : Math.min(length, start + layout.payload() + layout.overhead());
    }

    @Override
    long fileEndOf(long position) {
        long k = layout.recordOfWire(position - 1);
        return filePosition + layout.plaintextOffset(k) + layout.plaintextLength(k);
    }

    @Override
    void clear() {
        RecordProtection p = protection;
        protection = null;
        layout = null;
        if (p != null) {
            p.release();
        }
    }
}
