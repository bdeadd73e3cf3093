package org.diskcryptnet.netmap.port;

/**
 * What one queue of a port has done, for diagnostics (the echo tool's per-second lines, tests). Written only by
 * the loop that owns the queue; another thread may read the values (plain 64-bit fields, never torn) to print them.
 */
public final class PortCounters {

    /** Frames handed to the application. */
    public long rxFrames;
    /** Bytes in those frames. */
    public long rxBytes;
    /** Frames the port dropped before the application saw them (truncated, malformed header from the kernel). */
    public long rxDropped;
    /**
     * Frames the kernel dropped before they reached the rx ring because no free buffer was there to take them
     * (AF_XDP: an empty fill ring, which only a served rx ring refills); kept by the kernel, copied here by
     * {@link PacketPort#refreshCounters}.
     */
    public long rxNoBuffer;
    /**
     * Frames the kernel dropped because the rx ring was full (AF_XDP: its rx ring; AF_PACKET: no free block, summed
     * from PACKET_STATISTICS); kept by the kernel like {@link #rxNoBuffer}.
     */
    public long rxRingFull;
    /** Frames whose checksum the kernel left partial and the port completed in software. */
    public long rxChecksumsCompleted;
    /** Large (GSO) frames received through the offload header. */
    public long rxLargeFrames;
    /** Frames larger than a ring frame, read whole from the socket (AF_PACKET with offloads: TP_STATUS_COPY). */
    public long rxFramesReadWhole;
    /** Frames handed to the kernel for transmission. */
    public long txFrames;
    /** Bytes in those frames. */
    public long txBytes;
    /** Frames the kernel rejected or the port could not hand over (malformed, offload request on a non-TCP frame). */
    public long txErrors;
    /** System calls made to wake the kernel up for tx (sendto, write, NIOCTXSYNC). */
    public long txKicks;
    /** System calls made to wake the kernel up for rx (recvfrom, poll, NIOCRXSYNC). */
    public long rxKicks;

    /** Counters that stay zero, for ports that do not count. */
    public static final PortCounters NONE = new PortCounters();

    @Override
    public String toString() {
        return "rx " + rxFrames + " frames " + rxBytes + " B (dropped " + rxDropped + ", no buffer " + rxNoBuffer
                + ", ring full " + rxRingFull + ", csum completed " + rxChecksumsCompleted + ", large " + rxLargeFrames
                + ", read whole " + rxFramesReadWhole + "), tx " + txFrames + " frames " + txBytes + " B (errors "
                + txErrors + "), kicks rx " + rxKicks + " tx " + txKicks;
    }
}
