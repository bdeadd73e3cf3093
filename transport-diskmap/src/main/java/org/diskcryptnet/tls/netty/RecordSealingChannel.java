package org.diskcryptnet.tls.netty;

/**
 * A channel that seals the TLS records of a response body itself, where it transmits them from (issue 8: the netmap
 * transport reads each record from disk into its transmit frame when TCP may send it, seals it there, and reads and
 * seals it again on loss). {@link TlsRecordHandler} asks the channel before binding a {@link TlsFileRegion}: if the
 * channel takes the region's source, the handler writes it one {@link RecordsToSeal} instead of feeding it sealed
 * batches.
 *
 * <p>transport-netmap depends on this module, not the reverse: this interface is how the record layer learns, without
 * knowing the transport, that the channel under it can do the sealing.
 */
public interface RecordSealingChannel {

    /**
     * Whether this channel takes a {@link RecordsToSeal} over {@code source} (for example: only sources that read
     * through a disk queue its loop polls). Called on the channel's event loop, once per body.
     */
    boolean sealsRecordsOf(RegionSource source);

    /**
     * Plaintext bytes per record for a body this channel seals, for records of {@code overhead} bytes more each: a
     * channel that sends each record in one segment of its own (so that it is read into that segment's frame and
     * sealed there) names the size that fills a segment; 0 (the default) keeps the record layer's size. Called on the
     * channel's event loop right after {@link #sealsRecordsOf} said yes; the record layer uses at most its own size.
     */
    default int recordPayload(int overhead) {
        return 0;
    }
}
