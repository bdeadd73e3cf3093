package org.diskcryptnet.netmap.port;

/**
 * What a port offers beyond plain frames.
 *
 * @param txChecksumOffload   tx frames may leave the TCP checksum partial (filled in by the device or the kernel)
 * @param rxChecksumVerified  rx frames come with their checksums already verified
 * @param segmentationOffload one tx frame may carry up to {@code maxSegmentSize} bytes of TCP payload (GSO/TSO)
 * @param maxSegmentSize      the largest frame a tx slot takes with segmentation offload, else the MTU's frame
 * @param dmaReadable         tx buffers may be the destination of an O_DIRECT disk read (page-aligned,
 *                            pinned memory the kernel can write into), so file bytes need no staging copy
 */
public record PortFeatures(boolean txChecksumOffload, boolean rxChecksumVerified, boolean segmentationOffload,
                           int maxSegmentSize, boolean dmaReadable) {

    public static PortFeatures plain(int mtu) {
        return new PortFeatures(false, false, false, mtu + 14, false);
    }
}
