package org.diskcryptnet.netmap.port.xdp;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.diskcryptnet.netmap.port.PortCounters;
import org.diskcryptnet.netmap.port.PortOptions;
import org.diskcryptnet.netmap.port.PortOptions.XdpMode;
import org.diskcryptnet.netmap.port.PortUri;
import org.diskcryptnet.netmap.port.testbed.Frames;
import org.diskcryptnet.netmap.port.testbed.KernelPortContract;
import org.diskcryptnet.netmap.port.testbed.Responder;
import org.junit.jupiter.api.Test;

/** The kernel-port contract for {@code xdp:} on the stack's end of {@link XdpVethLink}, one queue. */
abstract class XdpPortContract extends KernelPortContract {

    @Override
    protected void buildLink() {
        stackNs = net.namespace("s");
        kernelNs = net.namespace("k");
        XdpVethLink.build(net, stackNs, kernelNs, 1);
    }

    /**
     * An application that does not serve its rx ring leaves the kernel without buffers: the kernel drops what
     * arrives, and the port reports those drops from XDP_STATISTICS. Four rings' worth of echo requests go out
     * while the rx ring is left alone; of the replies the kernel sent (its own count, IcmpOutEchoReps), at most one
     * ring's worth can wait, and every other one must be counted as dropped.
     */
    @Test
    void kernelDropsForWantOfRxBuffersAreCounted() throws Exception {
        Responder r = new Responder(port, 0, STACK_IP);
        byte[] kernelMac = resolveKernelMac(r);
        port.refreshCounters(0);
        PortCounters counters = port.counters(0);
        long droppedBefore = counters.rxNoBuffer + counters.rxRingFull;
        long repliesBefore = kernelCounter("IcmpOutEchoReps");
        int ring = port.rxRing(0).size();
        int requests = 4 * ring;
        byte[] payload = new byte[32];
        for (int i = 0; i < requests; i++) {
            r.send(Frames.icmpEcho(8, r.mac, kernelMac, STACK_IP, KERNEL_IP, 0x7E59, i, payload));
            if (i % 32 == 31) {
                port.txSync(0);
            }
        }
        port.txSync(0);
        long deadline = System.nanoTime() + 10_000_000_000L;
        long sent;
        long dropped;
        do {
            Thread.sleep(50);
            sent = kernelCounter("IcmpOutEchoReps") - repliesBefore;
            port.refreshCounters(0);
            dropped = counters.rxNoBuffer + counters.rxRingFull - droppedBefore;
        } while (dropped < sent - ring && System.nanoTime() < deadline);
        Thread.sleep(200); // the last replies on their way: counted below, whatever became of them
        sent = kernelCounter("IcmpOutEchoReps") - repliesBefore;
        port.refreshCounters(0);
        dropped = counters.rxNoBuffer + counters.rxRingFull - droppedBefore;
        int[] received = new int[1];
        while (r.poll(f -> {
            if (Frames.etherType(f) == Frames.ETH_IPV4 && Frames.ipProtocol(f) == 1 && Frames.icmpType(f) == 0) {
                received[0]++;
            }
        }) > 0) {
            // drain what waited
        }
        String state = sent + " echo replies sent by the kernel into " + ring + " rx buffers: " + received[0]
                + " received, " + dropped + " counted as dropped; counters " + counters;
        assertTrue(sent > 2L * ring, state);
        assertTrue(received[0] <= ring, state);
        assertTrue(received[0] + dropped >= sent, "every reply received or counted as dropped: " + state);
        // the kernel may send a frame or two of its own meanwhile (an ARP probe of its neighbour entry)
        assertTrue(received[0] + dropped <= sent + 4, "drops counted that did not happen: " + state);
    }

    /** A counter of the kernel namespace's stack ({@code nstat -asz NAME}: absolute, history untouched). */
    protected long kernelCounter(String name) {
        for (String line : net.exec(kernelNs, "nstat", "-asz", name).split("\n")) {
            String[] f = line.trim().split("\\s+");
            if (f.length >= 2 && f[0].equals(name)) {
                return Long.parseLong(f[1]);
            }
        }
        throw new AssertionError("nstat shows no " + name + " in " + kernelNs);
    }

    /** Opens the stack's end with 256-slot rings, the program attached in {@code mode}, and extra UMEM flags. */
    protected static XdpPort open(XdpMode mode, int umemFlags) {
        return XdpPort.open(PortUri.parse("xdp:dcnps0"), PortOptions.defaults().withRingSize(256).withXdpMode(mode),
                umemFlags);
    }
}
