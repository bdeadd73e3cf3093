package org.diskcryptnet.netmap.stack;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

import org.diskcryptnet.netmap.port.PacketPort;
import org.diskcryptnet.netmap.port.PacketRing;
import org.diskcryptnet.netmap.wire.MacAddress;

/** The far end of a pipe, driven frame by frame by a test: writes raw frames, collects what arrives. */
final class RawEnd {

    final PacketPort port;
    final long mac;

    RawEnd(PacketPort port) {
        this.port = port;
        this.mac = MacAddress.of(port.macAddress());
    }

    /** Sends one frame written by {@code writer} into a tx slot (returns its length). */
    void send(FrameWriter writer) {
        PacketRing tx = port.txRing(0);
        int slot = tx.head();
        int len = writer.write(tx.memory(), tx.offset(slot));
        tx.length(slot, len);
        tx.advance(tx.next(slot));
        port.txSync(0);
    }

    /** Every frame that arrived, as byte arrays. */
    List<byte[]> receive() {
        port.rxSync(0);
        PacketRing rx = port.rxRing(0);
        List<byte[]> out = new ArrayList<>();
        int head = rx.head();
        while (head != rx.tail()) {
            out.add(rx.memory().asSlice(rx.offset(head), rx.length(head)).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE));
            head = rx.next(head);
        }
        rx.advance(head);
        port.rxSync(0);
        return out;
    }

    @FunctionalInterface
    interface FrameWriter {
        int write(MemorySegment m, long offset);
    }
}
