package org.diskcryptnet.netmap.channel;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.RecvByteBufAllocator;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.ChannelInputShutdownReadComplete;

import org.diskcryptnet.netmap.tcp.TcpCloseCause;
import org.diskcryptnet.netmap.tcp.TcpConnection;

/**
 * The read side of a {@link NetmapSocketChannel}, after the shape of epoll's {@code epollInReady}: a read loop
 * governed by the channel's {@link RecvByteBufAllocator.Handle}, the end of input (half-closure or close), and
 * the stack's close events. On the loop's thread only.
 */
final class SocketReader {

    private final NetmapSocketChannel channel;

    SocketReader(NetmapSocketChannel channel) {
        this.channel = channel;
    }

    /**
     * Reads what the connection holds into pooled buffers and fires them. {@code peerClosed}: the peer's FIN
     * arrived; then the bytes before it are read to the end whatever the read interest, as epoll does on
     * {@code EPOLLRDHUP}, so that half-closure events do not wait for a {@code read()}.
     */
    void read(boolean peerClosed) {
        NetmapSocketChannel ch = channel;
        AbstractNetmapChannel.AbstractNetmapUnsafe unsafe = ch.ownUnsafe();
        boolean halfClosure = ch.config().isAllowHalfClosure();
        if (ch.isInputShutdown() && (ch.inputClosedSeenErrorOnRead || !halfClosure)) {
            ch.clearReadInterest();
            return;
        }
        TcpConnection c = ch.connection();
        if (c == null) {
            return;
        }
        if (ch.isInputShutdown()) {
            // shutdownInput() by the application: discard, and report the end once the peer's FIN is in
            discard(c);
            if (c.inputShutdown()) {
                inputEnded(true);
            }
            return;
        }
        boolean rdHup = peerClosed || c.inputShutdown();
        if (!rdHup && unsafe.shouldStopReading()) {
            ch.clearReadInterest();
            return;
        }
        RecvByteBufAllocator.Handle handle = unsafe.recvBufAllocHandle();
        ChannelPipeline pipeline = ch.pipeline();
        ByteBufAllocator allocator = ch.config().getAllocator();
        handle.reset(ch.config());
        boolean allDataRead = false;
        ByteBuf buf = null;
        try {
            do {
                int available = c.readableBytes();
                if (available == 0) {
                    allDataRead = c.inputShutdown();
                    if (allDataRead) {
                        unsafe.readPending = false;
                    }
                    break;
                }
                buf = handle.allocate(allocator);
                int room = buf.writableBytes();
                handle.attemptedBytesRead(room);
                int n = copyInto(c, buf, Math.min(room, available));
                handle.lastBytesRead(n);
                handle.incMessagesRead(1);
                unsafe.readPending = false;
                ByteBuf fire = buf;
                buf = null;
                pipeline.fireChannelRead(fire);
                if (!ch.isOpen() || ch.isInputShutdown() || ch.connection() != c) {
                    break; // closed or shut down from a handler: do not touch the connection again
                }
            } while (rdHup && c.readableBytes() > 0 || handle.continueReading());
            handle.readComplete();
            pipeline.fireChannelReadComplete();
            if (allDataRead) {
                inputEnded(true);
            } else if (ch.isOpen() && ch.connection() == c && c.readableBytes() > 0 && !unsafe.shouldStopReading()) {
                // bytes are left (the allocator's message limit): read again next iteration, as epoll's
                // level-triggered EPOLLIN would
                ch.registration().readAgain();
            }
        } catch (Throwable t) {
            if (buf != null) {
                buf.release();
            }
            handle.readComplete();
            pipeline.fireChannelReadComplete();
            pipeline.fireExceptionCaught(t);
            if (t instanceof IOException || t instanceof OutOfMemoryError) {
                inputEnded(false);
            }
        } finally {
            if (unsafe.shouldStopReading() && ch.isOpen()) {
                ch.clearReadInterest();
            }
        }
    }

    /** Copies {@code n} readable bytes of {@code c} into {@code buf} and consumes them; the number copied. */
    private int copyInto(TcpConnection c, ByteBuf buf, int n) {
        int copied = 0;
        while (copied < n) {
            int span = c.readSpan();
            if (span == 0) {
                break;
            }
            int k = Math.min(span, n - copied);
            MemorySegment src = c.readMemory();
            long offset = c.readMemoryOffset();
            int w = buf.writerIndex();
            if (buf.hasMemoryAddress()) {
                MemorySegment.copy(src, offset, NetmapIoHandler.EVERYTHING, buf.memoryAddress() + w, k);
            } else if (buf.hasArray()) {
                MemorySegment.copy(src, ValueLayout.JAVA_BYTE, offset, buf.array(), buf.arrayOffset() + w, k);
            } else {
                NetmapIoHandler loop = channel.loop();
                k = (int) Math.min(k, loop.staging().byteSize());
                MemorySegment.copy(src, offset, loop.staging(), 0, k);
                ByteBuffer sb = loop.stagingBuffer();
                sb.clear().limit(k);
                buf.setBytes(w, sb);
            }
            buf.writerIndex(w + k);
            c.consume(k);
            copied += k;
        }
        return copied;
    }

    /** After shutdownInput(): received bytes are dropped so the peer is not stalled by a closed window. */
    void discardInput() {
        TcpConnection c = channel.connection();
        if (c != null) {
            discard(c);
        }
    }

    private static void discard(TcpConnection c) {
        int n;
        while ((n = c.readSpan()) > 0) {
            c.consume(n);
        }
    }

    /**
     * The end of input was reached, as epoll's {@code shutdownInput(boolean)}: with half-closure the pipeline
     * hears {@link ChannelInputShutdownEvent} (and, once everything was read, {@link
     * ChannelInputShutdownReadComplete}); without it the channel closes.
     */
    void inputEnded(boolean allDataRead) {
        NetmapSocketChannel ch = channel;
        if (!ch.isInputShutdown()) {
            if (ch.config().isAllowHalfClosure()) {
                ch.markInputShutdown();
                if (ch.ownUnsafe().shouldStopReading()) {
                    ch.clearReadInterest();
                }
                ch.pipeline().fireUserEventTriggered(ChannelInputShutdownEvent.INSTANCE);
            } else {
                ch.unsafe().close(ch.unsafe().voidPromise());
                return;
            }
        }
        if (allDataRead && !ch.inputClosedSeenErrorOnRead) {
            ch.inputClosedSeenErrorOnRead = true;
            ch.pipeline().fireUserEventTriggered(ChannelInputShutdownReadComplete.INSTANCE);
        }
    }

    /** The stack ended the connection (the CLOSED_ events). */
    void closedByStack(NetmapIoEvent event) {
        NetmapSocketChannel ch = channel;
        if (!ch.isOpen()) {
            return;
        }
        TcpCloseCause cause = event.closeCause();
        if (ch.connectPending()) {
            ch.connectFailed(cause);
            return;
        }
        if (cause == TcpCloseCause.NORMAL) {
            // both FINs exchanged: what was readable has been or is now read; the channel stays open (with
            // half-closure) until the application closes it, as a socket whose both halves are shut down does
            TcpConnection c = ch.connection();
            if (c != null && !ch.inputClosedSeenErrorOnRead && (c.readableBytes() > 0 || c.inputShutdown())) {
                read(true);
            }
            return;
        }
        IOException e = switch (cause) {
            case RESET -> new IOException("Connection reset by peer");
            case TIMED_OUT -> new IOException("Connection timed out: the peer stopped acknowledging");
            case SOURCE_FAILED -> new IOException("Connection aborted: a file region could not be read");
            default -> new IOException("Connection aborted");
        };
        ch.pipeline().fireExceptionCaught(e);
        ch.unsafe().close(ch.unsafe().voidPromise());
    }
}
