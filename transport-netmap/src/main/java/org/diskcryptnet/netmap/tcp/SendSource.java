package org.diskcryptnet.netmap.tcp;

import java.lang.foreign.MemorySegment;

/**
 * A run of a connection's outgoing byte stream whose bytes are <em>regenerable</em>: produced on demand, straight
 * into the transmit buffer of the segment that carries them, and produced again, identically, if that segment
 * has to be retransmitted. TCP keeps no copy. This is how file data travels in the Disk|Crypt|Net design: a
 * range of a file is read from disk (and sealed in place, for TLS) when and only when TCP may send it, and
 * re-read on loss.
 *
 * <h2>Contract</h2>
 * <ul>
 *   <li>Positions are offsets within this source, {@code 0 .. length-1}, where the length was given when the
 *       source was queued ({@link TcpConnection#write(SendSource, long)}).</li>
 *   <li>TCP calls {@link #produce} only for bytes it may send now (usable window = min(cwnd, peer window)
 *       minus bytes in flight), in units of at most one segment's payload, in any order, and again for the same
 *       range on retransmission. The bytes produced for a position must be the same every time: the peer has
 *       possibly seen them already.</li>
 *   <li>{@code produce} either fills the destination before it returns (return {@code length}), or starts the
 *       work and returns {@link #PENDING}; then it calls {@link ProduceCompletion#produced} exactly once, on
 *       the loop's thread and never from within {@code produce}, with the same ticket, when the bytes are in
 *       place (or failed). Until then the destination memory belongs to the source and the segment is not
 *       sent; its sequence range counts as in flight. {@link #FAILED} (or a failed completion) aborts the
 *       connection with {@link TcpCloseCause#SOURCE_FAILED}.</li>
 *   <li>{@link #acknowledged} tells the source that every byte before a position is acknowledged and will not
 *       be asked for again, so read-ahead state can be dropped. {@link #release} is called exactly once, when
 *       the whole source is acknowledged or the connection is closed; outstanding completions may still
 *       arrive after it and are ignored.</li>
 * </ul>
 * Implementations are called only from the loop's thread and must not allocate per call on the data path.
 */
public interface SendSource {

    /** {@link #produce} started work that completes later through {@link ProduceCompletion#produced}. */
    int PENDING = -1;
    /** {@link #produce} cannot produce the bytes (e.g. the disk read failed). */
    int FAILED = -2;

    /**
     * Writes bytes {@code [position, position + length)} of this source to {@code destination} at
     * {@code destinationOffset}.
     *
     * @return {@code length} if done, {@link #PENDING} or {@link #FAILED}
     */
    int produce(long position, int length, MemorySegment destination, long destinationOffset,
                ProduceCompletion completion, long ticket);

    /** Every byte before {@code position} of this source is acknowledged by the peer. */
    void acknowledged(long position);

    /** TCP is done with this source. */
    void release();

    /**
     * The largest unit boundary at or before {@code position} (0 and the source's length are boundaries). A source
     * made of units that must be produced whole to be produced in place (TLS records sealed in the transmit frame)
     * names their starts here, and TCP ends a new segment on such a boundary when one lies inside it, so that
     * units do not straddle segments. By default every position is a boundary: TCP cuts where it likes.
     */
    default long unitBoundary(long position) {
        return position;
    }

    /** The smallest unit boundary at or after {@code position}; see {@link #unitBoundary}. */
    default long nextUnitBoundary(long position) {
        return position;
    }
}
