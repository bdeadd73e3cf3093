package org.diskcryptnet.netmap.port.testbed;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.function.Consumer;

import org.diskcryptnet.netmap.port.PacketPort;
import org.diskcryptnet.netmap.port.PacketRing;

/**
 * A minimal host on a port for the port tests: answers ARP requests and ICMP echo requests for its address and hands
 * every other frame to a consumer. It stands in for the userspace stack, which the port tests do not depend on.
 */
public final class Responder {

    public final PacketPort port;
    public final int queue;
    public final byte[] mac;
    public final int ip;
    public int arpAnswered;
    public int echoAnswered;

    public Responder(PacketPort port, int queue, int ip) {
        this.port = port;
        this.queue = queue;
        this.mac = port.macAddress();
        this.ip = ip;
    }

    /** Copies the frames waiting in the rx ring out, releases them, answers what is for us; returns frames seen. */
    public int poll(Consumer<byte[]> others) {
        port.rxSync(queue);
        PacketRing rx = port.rxRing(queue);
        int n = 0;
        int head = rx.head();
        while (head != rx.tail()) {
            byte[] f = new byte[rx.length(head)];
            MemorySegment.copy(rx.memory(), ValueLayout.JAVA_BYTE, rx.offset(head), f, 0, f.length);
            head = rx.next(head);
            n++;
            if (Frames.etherType(f) == Frames.ETH_ARP && Frames.arpOp(f) == 1 && Frames.arpTargetIp(f) == ip) {
                send(Frames.arp(2, mac, ip, Frames.srcMac(f), Frames.arpSenderIp(f)));
                arpAnswered++;
            } else if (Frames.etherType(f) == Frames.ETH_IPV4 && Frames.ipProtocol(f) == 1
                    && Frames.ipDestination(f) == ip && Frames.icmpType(f) == 8) {
                int ihl = Frames.ipHeaderLength(f);
                int total = Frames.ipTotalLength(f);
                byte[] payload = java.util.Arrays.copyOfRange(f, 14 + ihl + 8, 14 + total);
                int id = Frames.u16(f, 14 + ihl + 4);
                send(Frames.icmpEcho(0, mac, Frames.srcMac(f), ip, Frames.ipSource(f), id, Frames.icmpSequence(f), payload));
                echoAnswered++;
            } else {
                others.accept(f);
            }
        }
        rx.advance(head);
        port.txSync(queue);
        return n;
    }

    /** Puts one frame into the tx ring (syncing until there is room, at most 5 s); the caller syncs to send it. */
    public void send(byte[] frame) {
        PacketRing tx = port.txRing(queue);
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (tx.space() == 0) {
            port.txSync(queue);
            if (System.nanoTime() > deadline) {
                throw new AssertionError("tx ring of " + port.uri() + " stayed full for 5 s");
            }
            Thread.onSpinWait();
        }
        int slot = tx.head();
        MemorySegment.copy(frame, 0, tx.memory(), ValueLayout.JAVA_BYTE, tx.offset(slot), frame.length);
        tx.length(slot, frame.length);
        tx.advance(tx.next(slot));
    }
}
