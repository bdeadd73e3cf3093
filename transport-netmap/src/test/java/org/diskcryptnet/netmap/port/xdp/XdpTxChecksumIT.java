package org.diskcryptnet.netmap.port.xdp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Random;

import org.diskcryptnet.netmap.port.PacketPort;
import org.diskcryptnet.netmap.port.PacketRing;
import org.diskcryptnet.netmap.port.PortOptions.XdpMode;
import org.diskcryptnet.netmap.port.testbed.Responder;
import org.diskcryptnet.netmap.port.testbed.TinyTcp;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * {@code xdp:} leaving transmit checksums to the kernel through tx metadata. The UMEM here has XDP_UMEM_TX_SW_CSUM:
 * the kernel completes each requested checksum in software before the frame leaves, so the kernel TCP peer
 * verifies it as it would a NIC's. Over veth without that flag the peer would trust a partial checksum unchecked,
 * and a wrong checksum location would go unseen.
 */
class XdpTxChecksumIT extends XdpPortContract {

    private static final int SERVER_PORT = 18702;

    @Override
    protected PacketPort openPort() {
        return open(XdpMode.NATIVE, XdpAbi.XDP_UMEM_TX_SW_CSUM);
    }

    @Test
    void kernelTcpPeerVerifiesTheChecksumsTheKernelCompleted() throws Exception {
        Assumptions.assumeTrue(port.features().txChecksumOffload(),
                "the kernel refused AF_XDP tx metadata (XDP_UMEM_TX_METADATA_LEN, Linux 6.11): " + port);
        Responder r = new Responder(port, 0, STACK_IP);
        byte[] kernelMac = resolveKernelMac(r);
        byte[] up = new byte[4000];
        new Random(11).nextBytes(up);
        Process server = net.start(kernelNs, "python3", "-c", String.join("\n",
                "import socket,hashlib",
                "s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)",
                "s.bind(('198.18.70.1'," + SERVER_PORT + ")); s.listen(1); print('listening', flush=True)",
                "c,_=s.accept(); c.settimeout(20); d=b''",
                "while len(d) < 4000:",
                "  x=c.recv(65536)",
                "  if not x: break",
                "  d+=x",
                "print(hashlib.sha256(d).hexdigest(), len(d), flush=True)"));
        waitForLine(server, "listening");
        long badBefore = kernelCounter("TcpInCsumErrors");

        long iss = 5000;
        int sport = 40100;
        r.send(TinyTcp.segment(r.mac, kernelMac, STACK_IP, KERNEL_IP, sport, SERVER_PORT, iss, 0, TinyTcp.SYN, new byte[0], false));
        port.txSync(0);
        byte[] synAck = awaitTcp(r, f -> (TinyTcp.flags(f) & (TinyTcp.SYN | TinyTcp.ACK)) == (TinyTcp.SYN | TinyTcp.ACK));
        long ack = TinyTcp.seq(synAck) + 1;
        r.send(TinyTcp.segment(r.mac, kernelMac, STACK_IP, KERNEL_IP, sport, SERVER_PORT, iss + 1, ack, TinyTcp.ACK, new byte[0], false));

        // the control: a segment whose partial sum is wrong must be dropped by the peer, or this test could not fail
        byte[] first = Arrays.copyOfRange(up, 0, 1000);
        byte[] wrong = TinyTcp.segment(r.mac, kernelMac, STACK_IP, KERNEL_IP, sport, SERVER_PORT, iss + 1, ack, TinyTcp.ACK, first, true);
        wrong[14 + 20 + 16] ^= 0x5A;
        sendLeavingTheChecksum(r, wrong);
        port.txSync(0);
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (kernelCounter("TcpInCsumErrors") == badBefore && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertEquals(badBefore + 1, kernelCounter("TcpInCsumErrors"), "the peer counted the wrongly seeded segment as a checksum error");

        for (int off = 0; off < up.length; off += 1000) {
            byte[] part = Arrays.copyOfRange(up, off, off + 1000);
            sendLeavingTheChecksum(r, TinyTcp.segment(r.mac, kernelMac, STACK_IP, KERNEL_IP, sport, SERVER_PORT,
                    iss + 1 + off, ack, TinyTcp.ACK | TinyTcp.PSH, part, true));
        }
        port.txSync(0);
        String expected = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(up));
        assertEquals(expected + " 4000", readLine(server), "the peer received every byte; port counters " + port.counters(0));
        assertEquals(badBefore + 1, kernelCounter("TcpInCsumErrors"), "no other checksum error");
        assertEquals(0, port.counters(0).txErrors, "every frame carried a checksum request the port could locate");
    }

    private void sendLeavingTheChecksum(Responder r, byte[] frame) {
        r.send(frame);
        PacketRing tx = port.txRing(0);
        tx.txOffload(tx.head() == 0 ? tx.size() - 1 : tx.head() - 1, 0);
    }
}
