package org.diskcryptnet.netmap.stack;

import org.diskcryptnet.netmap.port.pipe.PipePort;
import org.diskcryptnet.netmap.tcp.TcpConfig;
import org.diskcryptnet.netmap.tcp.TcpConnection;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The stack on a port with offloads (PortFeatures.txChecksumOffload, segmentationOffload): every TCP frame leaves
 * with the pseudo-header sum in its checksum field and is marked with PacketRing.txOffload, and new data leaves as
 * large frames the port cuts into MSS-sized segments; the stack at the other end receives every byte intact.
 */
class OffloadTest {

    private static void transfer(boolean segmentation, long bytes) {
        PipePort[] ends = PipePort.pair("offload" + segmentation, 1, 1024, 1500);
        SoftwareOffloadPort offloading = new SoftwareOffloadPort(ends[0], segmentation);
        TcpConfig tcp = TcpConfig.builder().receiveBuffer(1 << 20).sendBuffer(1 << 20).bufferPoolBytes(64L << 20)
                .maxConnections(8).build();
        try (NetworkInterface a = new NetworkInterface(offloading, 0, InterfaceConfig.of("198.18.60.1/24"), tcp);
             NetworkInterface b = new NetworkInterface(ends[1], 0, InterfaceConfig.of("198.18.60.2/24"), tcp)) {
            BulkEndpoint sender = new BulkEndpoint(bytes, 1);
            BulkEndpoint receiver = new BulkEndpoint(bytes / 4, 2);
            b.tcp().listen(18605, 4, l -> {
                TcpConnection c = l.accept();
                c.handler(receiver);
                receiver.pump(c);
            });
            a.tcp().connect(org.diskcryptnet.netmap.wire.Ipv4Address.parse("198.18.60.2"),
                    18605, sender, System.nanoTime());
            long deadline = System.nanoTime() + 120_000_000_000L;
            while (!(sender.done() && receiver.done()) && System.nanoTime() < deadline) {
                long now = System.nanoTime();
                a.poll(now);
                b.poll(now);
            }
            assertTrue(sender.done() && receiver.done(), "finished");
            assertEquals(sender.sentHash(), receiver.receivedHash(), "every byte, through the port's offloads");
            assertEquals(receiver.sentHash(), sender.receivedHash());
            assertEquals(0, offloading.badPartialChecksums, "the field held the pseudo-header sum each time");
            long tcpFrames = a.tcp().counters().segmentsSent;
            assertEquals(tcpFrames, offloading.offloadedFrames, "every TCP frame was marked for offload");
            if (segmentation) {
                assertTrue(offloading.largestFrame > 30_000, "large frames: " + offloading.largestFrame);
                assertTrue(offloading.segmentsOut > 3 * offloading.offloadedFrames,
                        offloading.segmentsOut + " segments from " + offloading.offloadedFrames + " frames");
            } else {
                assertTrue(offloading.largestFrame <= 1514);
            }
        } finally {
            offloading.close();
            ends[1].close();
        }
    }

    @Test
    void checksumOffloadMarksEveryFrame() {
        transfer(false, 4L << 20);
    }

    @Test
    void segmentationOffloadSendsLargeFrames() {
        transfer(true, 32L << 20);
    }
}
