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
}
