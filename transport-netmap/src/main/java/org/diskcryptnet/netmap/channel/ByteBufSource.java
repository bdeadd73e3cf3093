package org.diskcryptnet.netmap.channel;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;

import io.netty.buffer.ByteBuf;

import org.diskcryptnet.netmap.tcp.ProduceCompletion;
import org.diskcryptnet.netmap.tcp.SendSource;

/**
 * A written {@link ByteBuf} handed to TCP by reference: TCP copies its bytes straight into the transmit slot of
 * each segment that carries them (and again on retransmission), so the buffer is copied once instead of twice
 * (into a send buffer, then into the slot). The buffer is retained until TCP releases the source (all of it
 * acknowledged, or the connection gone); the source object then returns to its channel's pool.
 */
final class ByteBufSource implements SendSource {

    private final StreamWriter owner;
    private ByteBuf buf;
    private int base;
    ByteBufSource nextFree;

    ByteBufSource(StreamWriter owner) {
        this.owner = owner;
    }

    /** Takes over one reference of {@code buf}; the bytes are {@code [readerIndex, readerIndex + length)}. */
    ByteBufSource init(ByteBuf buf) {
        this.buf = buf;
        this.base = buf.readerIndex();
        return this;
    }

    @Override
    public int produce(long position, int length, MemorySegment destination, long destinationOffset,
                       ProduceCompletion completion, long ticket) {
        ByteBuf b = buf;
        int index = base + (int) position;
        if (b.hasMemoryAddress()) {
            MemorySegment.copy(NetmapIoHandler.EVERYTHING, b.memoryAddress() + index, destination, destinationOffset, length);
        } else if (b.hasArray()) {
            MemorySegment.copy(b.array(), b.arrayOffset() + index, destination, ValueLayout.JAVA_BYTE, destinationOffset, length);
        } else {
            // composite and other buffers: let the buffer copy itself into a view of the frame
            ByteBuffer view = owner.view(destination);
            view.limit((int) destinationOffset + length).position((int) destinationOffset);
            b.getBytes(index, view);
        }
        return length;
    }

    @Override
    public void acknowledged(long position) {
        // the buffer is released whole, when TCP is done with all of it
    }

    @Override
    public void release() {
        ByteBuf b = buf;
        buf = null;
        if (b != null) {
            b.release();
        }
        owner.recycle(this);
    }
}
