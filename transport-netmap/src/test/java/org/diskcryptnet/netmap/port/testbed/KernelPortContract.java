package org.diskcryptnet.netmap.port.testbed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.BitSet;
import java.util.concurrent.TimeUnit;

import org.diskcryptnet.netmap.port.PacketPort;
import org.diskcryptnet.netmap.port.PacketRing;
import org.diskcryptnet.netmap.port.linux.NetNamespace;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * What every kernel-facing port must do, checked against the Linux kernel in network namespaces: frames sent
 * through the port reach the kernel (it answers ARP and ping), frames from the kernel arrive in the rx ring (it
 * pings the port), rings wrap around many times under batched syncs, and the port closes and opens again.
 * Subclasses say how to build the link and open the port.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
public abstract class KernelPortContract {

    public static final int KERNEL_IP = Frames.ip("198.18.70.1");
    public static final int STACK_IP = Frames.ip("198.18.70.2");

    protected TestNet net;
    protected String stackNs;
    protected String kernelNs;
    protected PacketPort port;

    /** Checks availability (assumptions) and builds namespaces and links; sets stackNs and kernelNs. */
    protected abstract void buildLink();

    /** Opens the port under test; called with the thread inside stackNs. */
    protected abstract PacketPort openPort() throws Exception;

    /** Whether one txSync makes one system call for a whole batch (false for TAP: one write(2) per frame). */
    protected boolean batchesTxSystemCalls() {
        return true;
    }

    /** After the port is open (a TAP device exists only then): give the kernel side its address. */
    protected void configureKernelSide() {}

    @BeforeEach
    void setUp() throws Exception {
        net = TestNet.create();
        buildLink();
        port = NetNamespace.call(stackNs, this::openPort);
        configureKernelSide();
    }

    @AfterEach
    void tearDown() {
        try {
            if (port != null) {
                port.close();
            }
        } finally {
            net.close();
        }
    }

    protected byte[] resolveKernelMac(Responder r) {
        byte[][] found = new byte[1][];
        r.send(Frames.arp(1, r.mac, STACK_IP, Frames.BROADCAST, KERNEL_IP));
        port.txSync(r.queue);
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (found[0] == null && System.nanoTime() < deadline) {
            r.poll(f -> {
                if (Frames.etherType(f) == Frames.ETH_ARP && Frames.arpOp(f) == 2 && Frames.arpSenderIp(f) == KERNEL_IP) {
                    found[0] = Frames.srcMac(f);
                }
            });
        }
        assertTrue(found[0] != null, "no ARP reply from the kernel at 198.18.70.1 within 5 s via " + port.uri()
                + "; port counters: " + port.counters(0));
        return found[0];
    }

    @Test
    void kernelAnswersArpSentThroughThePort() {
        byte[] mac = resolveKernelMac(new Responder(port, 0, STACK_IP));
        assertEquals(6, mac.length);
    }

    @Test
    void kernelPingsTheAddressBehindThePort() throws Exception {
        Responder r = new Responder(port, 0, STACK_IP);
        Process ping = net.start(kernelNs, "ping", "-n", "-c", "5", "-i", "0.2", "-W", "2", "198.18.70.2");
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (ping.isAlive() && System.nanoTime() < deadline) {
            r.poll(f -> { });
        }
        assertTrue(ping.waitFor(1, TimeUnit.SECONDS), "ping did not finish");
        String out = new String(ping.getInputStream().readAllBytes());
        assertEquals(0, ping.exitValue(), "ping through " + port.uri() + " failed: " + out);
        assertTrue(r.echoAnswered >= 5, "answered " + r.echoAnswered + " echo requests");
        assertTrue(r.arpAnswered >= 1, "the kernel resolved 198.18.70.2 with ARP through the port");
    }

    @Test
    void ringsWrapAroundUnderBatchedSyncs() {
        Responder r = new Responder(port, 0, STACK_IP);
        byte[] kernelMac = resolveKernelMac(r);
        int ring = Math.max(port.txRing(0).size(), port.rxRing(0).size());
        int total = 4 * ring + 7;
        BitSet replies = new BitSet(total);
        byte[] payload = new byte[200];
        int sent = 0;
        long txKicksBefore = port.counters(0).txKicks;
        int syncs = 0;
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (replies.cardinality() < total && System.nanoTime() < deadline) {
            if (sent < total && sent - replies.cardinality() < 128) {
                int batch = Math.min(Math.min(32, port.txRing(0).size()), total - sent); // what the tx ring holds
                for (int i = 0; i < batch; i++) {
                    payload[0] = (byte) sent;
                    r.send(Frames.icmpEcho(8, r.mac, kernelMac, STACK_IP, KERNEL_IP, 0x7E57, sent, payload));
                    sent++;
                }
                port.txSync(0); // one sync per batch
                syncs++;
            }
            r.poll(f -> {
                if (Frames.etherType(f) == Frames.ETH_IPV4 && Frames.ipProtocol(f) == 1 && Frames.icmpType(f) == 0
                        && Frames.ipSource(f) == KERNEL_IP) {
                    assertTrue(Frames.ipChecksumOk(f), "IPv4 header checksum of a reply");
                    replies.set(Frames.icmpSequence(f));
                }
            });
        }
        assertEquals(total, replies.cardinality(), "echo replies for " + total + " requests through rings of "
                + ring + " slots; counters " + port.counters(0));
        assertTrue(port.counters(0).txFrames >= total, "tx counted");
        assertTrue(port.counters(0).rxFrames >= total, "rx counted");
        assertTrue(syncs < total, "frames went out in batches");
        assertTrue(!batchesTxSystemCalls() || port.counters(0).txKicks - txKicksBefore <= 2L * (syncs + r.echoAnswered + r.arpAnswered) + 64,
                "kicks per batch, not per frame: " + (port.counters(0).txKicks - txKicksBefore));
    }

    /**
     * The application keeps most of the rx ring for a while (as a stack does while it works through a batch) and
     * releases it in halves: frames are never handed over twice nor changed while held, however the port maps its
     * slots onto kernel memory (blocks retired by a timer, in the AF_PACKET case, can wrap around held frames).
     */
    @Test
    void heldFramesAreNeitherRepeatedNorOverwritten() throws Exception {
        Responder r = new Responder(port, 0, STACK_IP);
        byte[] kernelMac = resolveKernelMac(r);
        PacketRing rx = port.rxRing(0);
        int total = 3 * rx.size();
        int[] seen = new int[total];
        byte[] payload = new byte[64];
        int sent = 0;
        int checked = 0; // slots from head up to here are already checked
        long deadline = System.nanoTime() + 60_000_000_000L;
        java.util.BitSet done = new java.util.BitSet();
        while (done.cardinality() < total && System.nanoTime() < deadline) {
            if (sent < total && sent - done.cardinality() < rx.size() / 2) {
                payload[0] = (byte) sent;
                r.send(Frames.icmpEcho(8, r.mac, kernelMac, STACK_IP, KERNEL_IP, 0x7E58, sent, payload));
                port.txSync(0);
                sent++;
                Thread.sleep(0, 200_000); // slow enough that timer-retired blocks hold few frames each
            }
            port.rxSync(0);
            // check the new frames, but hold them
            int tail = rx.tail();
            for (int s = checked; s != tail; s = rx.next(s)) {
                byte[] f = new byte[rx.length(s)];
                java.lang.foreign.MemorySegment.copy(rx.memory(), java.lang.foreign.ValueLayout.JAVA_BYTE, rx.offset(s), f, 0, f.length);
                if (Frames.etherType(f) == Frames.ETH_IPV4 && Frames.ipProtocol(f) == 1 && Frames.icmpType(f) == 0) {
                    assertTrue(Frames.ipChecksumOk(f), "a held reply was changed");
                    int seq = Frames.icmpSequence(f);
                    seen[seq]++;
                    done.set(seq);
                }
                checked = rx.next(s);
            }
            // release the older half once three quarters of the ring are held, re-reading it first
            if (rx.space() > rx.size() * 3 / 4) {
                int release = rx.space() / 2;
                int s = rx.head();
                for (int i = 0; i < release; i++, s = rx.next(s)) {
                    byte[] f = new byte[rx.length(s)];
                    java.lang.foreign.MemorySegment.copy(rx.memory(), java.lang.foreign.ValueLayout.JAVA_BYTE, rx.offset(s), f, 0, f.length);
                    if (Frames.etherType(f) == Frames.ETH_IPV4 && Frames.ipProtocol(f) == 1 && Frames.icmpType(f) == 0) {
                        assertTrue(Frames.ipChecksumOk(f), "a reply changed while it was held");
                    }
                }
                rx.advance(s);
            }
        }
        assertEquals(total, done.cardinality(), "replies seen; counters " + port.counters(0));
        for (int i = 0; i < total; i++) {
            assertEquals(1, seen[i], "reply " + i + " handed over " + seen[i] + " times");
        }
    }

    /**
     * A kernel TCP sender's segments arrive intact: every TCP checksum verifies (completed by the port where the
     * kernel left it partial) and the bytes arrive in order, with the test acknowledging by hand.
     */
    @Test
    void kernelTcpSegmentsArriveWithValidChecksums() throws Exception {
        Responder r = new Responder(port, 0, STACK_IP);
        byte[] kernelMac = resolveKernelMac(r);
        int down = 4 << 20;
        Process server = net.start(kernelNs, "python3", "-c", String.join("\n",
                "import socket",
                "s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)",
                "s.bind(('198.18.70.1', 18702)); s.listen(1); print('listening', flush=True)",
                "c,_=s.accept(); c.sendall(bytes(range(256))*" + (down / 256) + "); c.close()"));
        byte[] first = server.getInputStream().readNBytes(10);
        assertEquals("listening\n", new String(first), "the kernel peer started");
        int sport = 40001;
        r.send(TinyTcp.segment(r.mac, kernelMac, STACK_IP, KERNEL_IP, sport, 18702, 5000, 0, TinyTcp.SYN, new byte[0], false));
        port.txSync(0);
        long[] next = {-1};
        long[] received = {0};
        int[] bad = {0};
        int[] maxFrame = {0};
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (received[0] < down && System.nanoTime() < deadline) {
            r.poll(f -> {
                if (!TinyTcp.isTcp(f) || TinyTcp.sourcePort(f) != 18702) {
                    return;
                }
                if (!TinyTcp.checksumOk(f)) {
                    bad[0]++;
                    return;
                }
                maxFrame[0] = Math.max(maxFrame[0], f.length);
                if ((TinyTcp.flags(f) & TinyTcp.SYN) != 0) {
                    next[0] = (TinyTcp.seq(f) + 1) & 0xFFFF_FFFFL;
                } else {
                    byte[] data = TinyTcp.payload(f);
                    int from = TinyTcp.newFrom(f, data.length, next[0]);
                    if (from < 0) {
                        return;
                    }
                    for (int i = from; i < data.length; i++) {
                        if (data[i] != (byte) (received[0] + i - from)) {
                            throw new AssertionError("byte " + (received[0] + i - from) + " is " + data[i]);
                        }
                    }
                    received[0] += data.length - from;
                    next[0] = (next[0] + data.length - from) & 0xFFFF_FFFFL;
                }
                r.send(TinyTcp.segment(r.mac, kernelMac, STACK_IP, KERNEL_IP, sport, 18702, 5001, next[0], TinyTcp.ACK,
                        new byte[0], false));
            });
        }
        assertEquals(0, bad[0], "segments with a bad TCP checksum; counters " + port.counters(0));
        assertEquals(down, received[0], "bytes in order from the kernel; counters " + port.counters(0));
        assertTrue(maxFrame[0] <= port.features().maxSegmentSize() || port.features().segmentationOffload(),
                "no frame beyond what the port said it takes: " + maxFrame[0]);
    }

    @Test
    void closesAndOpensAgain() throws Exception {
        resolveKernelMac(new Responder(port, 0, STACK_IP));
        port.close();
        port = null;
        port = NetNamespace.call(stackNs, this::openPort);
        configureKernelSide();
        resolveKernelMac(new Responder(port, 0, STACK_IP));
    }

    protected byte[] awaitTcp(Responder r, java.util.function.Predicate<byte[]> match) {
        byte[][] found = new byte[1][];
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (found[0] == null && System.nanoTime() < deadline) {
            r.poll(f -> {
                if (found[0] == null && TinyTcp.isTcp(f) && match.test(f)) {
                    found[0] = f;
                }
            });
        }
        assertTrue(found[0] != null, "no TCP answer from the kernel in 5 s; counters " + port.counters(0));
        return found[0];
    }

    protected static void waitForLine(Process p, String expected) throws Exception {
        String line = readLine(p);
        assertEquals(expected, line, "the kernel peer started");
    }

    protected static String readLine(Process p) throws Exception {
        StringBuilder b = new StringBuilder();
        long deadline = System.nanoTime() + 20_000_000_000L;
        var in = p.getInputStream();
        while (System.nanoTime() < deadline) {
            if (in.available() > 0) {
                int c = in.read();
                if (c == '\n' || c < 0) {
                    return b.toString();
                }
                b.append((char) c);
            } else if (!p.isAlive() && in.available() == 0) {
                return b.append(new String(in.readAllBytes(), StandardCharsets.UTF_8)).toString();
            } else {
                Thread.sleep(5);
            }
        }
        return b.toString();
    }
}
