package org.diskcryptnet.netmap.port.testbed;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Random;

import org.diskcryptnet.netmap.port.PacketRing;
import org.diskcryptnet.netmap.port.PortCounters;
import org.junit.jupiter.api.Test;

/**
 * For ports opened with offloads (a virtio-net header): a kernel TCP peer accepts a segment whose checksum the
 * port left partial and a 12 KB segment the kernel cuts itself (GSO), and its own large segments with partial
 * checksums arrive whole and are completed by the port. The TCP here is a hand-driven handshake, not the stack.
 */
public abstract class OffloadContract extends KernelPortContract {

    private static final int SERVER_PORT = 18701;

    @Test
    void kernelTcpTakesPartialChecksumsAndLargeSegmentsAndSendsItsOwn() throws Exception {
        assertTrue(port.features().txChecksumOffload() && port.features().segmentationOffload(), "offloads on");
        Responder r = new Responder(port, 0, STACK_IP);
        byte[] kernelMac = resolveKernelMac(r);
        byte[] up = new byte[12_000];
        new Random(7).nextBytes(up);
        int down = 200_000;
        // the kernel peer: reads 12000 bytes, prints their SHA-256, sends `down` bytes of 'k', closes
        Process server = net.start(kernelNs, "python3", "-c", String.join("\n",
                "import socket,hashlib,sys",
                "s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)",
                "s.bind(('198.18.70.1'," + SERVER_PORT + ")); s.listen(1); print('listening', flush=True)",
                "c,_=s.accept(); c.settimeout(20); d=b''",
                "while len(d) < 12000:",
                "  x=c.recv(65536)",
                "  if not x: break",
                "  d+=x",
                "print(hashlib.sha256(d).hexdigest(), len(d), flush=True)",
                "c.sendall(b'k'*" + down + "); c.close()"));
        waitForLine(server, "listening");

        long iss = 1000;
        int sport = 40000;
        r.send(TinyTcp.segment(r.mac, kernelMac, STACK_IP, KERNEL_IP, sport, SERVER_PORT, iss, 0, TinyTcp.SYN, new byte[0], false));
        port.txSync(0);
        byte[] synAck = awaitTcp(r, f -> (TinyTcp.flags(f) & (TinyTcp.SYN | TinyTcp.ACK)) == (TinyTcp.SYN | TinyTcp.ACK));
        long peerSeq = (TinyTcp.seq(synAck) + 1) & 0xFFFF_FFFFL;

        // the first 1000 bytes: one segment, checksum left partial, completed by the kernel side of the port
        byte[] first = java.util.Arrays.copyOfRange(up, 0, 1000);
        sendWithOffload(r, TinyTcp.segment(r.mac, kernelMac, STACK_IP, KERNEL_IP, sport, SERVER_PORT, iss + 1, peerSeq,
                TinyTcp.ACK, first, true), 0);
        // the other 11000 bytes: one frame far above the MTU, cut into 1000-byte segments by the kernel (GSO)
        byte[] rest = java.util.Arrays.copyOfRange(up, 1000, up.length);
        sendWithOffload(r, TinyTcp.segment(r.mac, kernelMac, STACK_IP, KERNEL_IP, sport, SERVER_PORT, iss + 1 + 1000,
                peerSeq, TinyTcp.ACK | TinyTcp.PSH, rest, true), 1000);
        port.txSync(0);

        // receive the kernel's bytes, acknowledging everything that arrives in order (a retransmission that begins
        // before the next byte expected, too: its new part)
        ByteArrayOutputStream received = new ByteArrayOutputStream();
        int[] largest = {0};
        boolean[] badChecksum = {false};
        long[] next = {peerSeq};
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (received.size() < down && System.nanoTime() < deadline) {
            r.poll(f -> {
                if (!TinyTcp.isTcp(f) || TinyTcp.sourcePort(f) != SERVER_PORT) {
                    return;
                }
                badChecksum[0] |= !TinyTcp.checksumOk(f);
                largest[0] = Math.max(largest[0], f.length);
                byte[] data = TinyTcp.payload(f);
                int from = TinyTcp.newFrom(f, data.length, next[0]);
                if (from >= 0) {
                    received.write(data, from, data.length - from);
                    next[0] = (next[0] + data.length - from) & 0xFFFF_FFFFL;
                    r.send(TinyTcp.segment(r.mac, kernelMac, STACK_IP, KERNEL_IP, sport, SERVER_PORT, iss + 1 + up.length,
                            next[0], TinyTcp.ACK, new byte[0], false));
                }
            });
        }
        String line = readLine(server);
        String expected = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(up));
        assertEquals(expected + " 12000", line, "the kernel received every byte of the partial-checksum and GSO segments");
        assertEquals(down, received.size(), "bytes from the kernel; counters " + port.counters(0));
        byte[] ks = new byte[down];
        java.util.Arrays.fill(ks, (byte) 'k');
        assertArrayEquals(ks, received.toByteArray());
        assertTrue(!badChecksum[0], "every received TCP checksum verifies after the port completed the partial ones");
        assertTrue(port.counters(0).rxChecksumsCompleted > 0, "the kernel sent partial checksums: " + port.counters(0));
        assertTrue(largest[0] > port.mtu() + 14 && port.counters(0).rxLargeFrames > 0,
                "the kernel sent segments larger than the MTU (largest frame " + largest[0] + " B)");
        largeFramesReceived(port.counters(0));
    }

    /** What a port type checks of how the large frames came in (its counters after the transfer). */
    protected void largeFramesReceived(PortCounters counters) {
    }

    private void sendWithOffload(Responder r, byte[] frame, int segmentSize) {
        r.send(frame);
        PacketRing tx = port.txRing(0);
        int slot = tx.head() == 0 ? tx.size() - 1 : tx.head() - 1;
        tx.txOffload(slot, segmentSize);
    }
}
