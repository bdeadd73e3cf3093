package org.diskcryptnet.netmap.port.testbed;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.diskcryptnet.netmap.port.PacketPort;
import org.diskcryptnet.netmap.port.PortCounters;

/**
 * The check that a port reports the frames its kernel socket dropped (AF_XDP's XDP_STATISTICS, AF_PACKET's
 * PACKET_STATISTICS): an application that does not serve its rx ring leaves the kernel without room, the kernel
 * drops what arrives, and every echo reply the kernel says it sent ({@code IcmpOutEchoReps}) must be either
 * received or counted as dropped.
 */
public final class KernelRxDrops {

    private static final int MAX_BURSTS = 64;

    private KernelRxDrops() {}

    /**
     * Sends bursts of one tx ring of echo requests to the kernel at {@link KernelPortContract#KERNEL_IP}, leaving
     * the rx ring alone, until the port counted drops (and at least four bursts went out), then compares.
     */
    public static void assertCounted(Responder r, byte[] kernelMac, TestNet net, String kernelNs)
            throws InterruptedException {
        PacketPort port = r.port;
        port.refreshCounters(0);
        PortCounters counters = port.counters(0);
        long droppedBefore = counters.rxNoBuffer + counters.rxRingFull;
        long repliesBefore = kernelCounter(net, kernelNs, "IcmpOutEchoReps");
        int burst = port.txRing(0).size();
        byte[] payload = new byte[32];
        int requests = 0;
        for (int b = 0; b < MAX_BURSTS; b++) {
            for (int i = 0; i < burst; i++) {
                r.send(Frames.icmpEcho(8, r.mac, kernelMac, KernelPortContract.STACK_IP, KernelPortContract.KERNEL_IP,
                        0x7E59, requests++ & 0xFFFF, payload));
                if (i % 32 == 31) {
                    port.txSync(0);
                }
            }
            port.txSync(0);
            Thread.sleep(20);
            port.refreshCounters(0);
            if (b >= 3 && counters.rxNoBuffer + counters.rxRingFull > droppedBefore) {
                break;
            }
        }
        // the kernel's replies settle: its count stops moving for 200 ms
        long sent = kernelCounter(net, kernelNs, "IcmpOutEchoReps") - repliesBefore;
        long deadline = System.nanoTime() + 10_000_000_000L;
        for (long previous = -1; sent != previous && System.nanoTime() < deadline; ) {
            Thread.sleep(200);
            previous = sent;
            sent = kernelCounter(net, kernelNs, "IcmpOutEchoReps") - repliesBefore;
        }
        port.refreshCounters(0);
        long dropped = counters.rxNoBuffer + counters.rxRingFull - droppedBefore;
        int[] received = new int[1];
        while (r.poll(f -> {
            if (Frames.etherType(f) == Frames.ETH_IPV4 && Frames.ipProtocol(f) == 1 && Frames.icmpType(f) == 0) {
                received[0]++;
            }
        }) > 0) {
            // drain what waited
        }
        String state = requests + " echo requests, " + sent + " replies sent by the kernel: " + received[0]
                + " received, " + dropped + " counted as dropped; counters " + counters;
        assertTrue(dropped > 0, "the unserved rx ring overflowed and the drops were counted: " + state);
        assertTrue(received[0] + dropped >= sent, "every reply received or counted as dropped: " + state);
        // the kernel may send a frame or two of its own meanwhile (an ARP probe of its neighbour entry)
        assertTrue(received[0] + dropped <= sent + 4, "drops counted that did not happen: " + state);
    }

    /** A counter of a namespace's kernel stack ({@code nstat -asz NAME}: absolute, history untouched). */
    public static long kernelCounter(TestNet net, String namespace, String name) {
        for (String line : net.exec(namespace, "nstat", "-asz", name).split("\n")) {
            String[] f = line.trim().split("\\s+");
            if (f.length >= 2 && f[0].equals(name)) {
                return Long.parseLong(f[1]);
            }
        }
        throw new AssertionError("nstat shows no " + name + " in " + namespace);
    }
}
