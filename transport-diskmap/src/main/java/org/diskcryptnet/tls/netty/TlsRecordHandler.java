package org.diskcryptnet.tls.netty;

import java.lang.foreign.MemorySegment;
import java.net.SocketAddress;
import java.util.List;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandler;
import io.netty.channel.ChannelPromise;
import io.netty.channel.CoalescingBufferQueue;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.UnsupportedMessageTypeException;
import io.netty.handler.ssl.SslCloseCompletionEvent;

import org.diskcryptnet.tls.CipherSuite;
import org.diskcryptnet.tls.TlsVersion;
import org.diskcryptnet.tls.record.AlertDescription;
import org.diskcryptnet.tls.record.ContentType;
import org.diskcryptnet.tls.record.RecordProtection;
import org.diskcryptnet.tls.record.TlsAlertException;

/**
 * The TLS record layer of one connection after the takeover, in {@code SslHandler}'s place in the pipeline.
 *
 * <p>Inbound: records are cut from the stream, checked (content type, length), opened in place and only then passed
 * on; alerts, close_notify, TLS 1.3 KeyUpdate (answering {@code update_requested}) and renegotiation attempts are
 * handled here. A bad tag, an oversized record or an unexpected content type ends the connection with the matching
 * fatal alert (RFC 8446 §5.2, §6.2); nothing of such a record reaches the next handler.
 *
 * <p>Outbound: buffers are coalesced into records of up to 2^14 bytes on flush; a {@link TlsFileRegion} is bound to
 * the write key and its range of sequence numbers and reaches the channel batch by batch as it is read and sealed
 * ({@link RegionFeeder}), with what was written after it kept in order behind it — or, on a channel that seals
 * records in its own transmit buffers ({@link RecordSealingChannel}), reaches the channel whole as one
 * {@link RecordsToSeal}, its sequence numbers taken here all the same. Any other message (a plain
 * {@code FileRegion} would leak plaintext) is refused. Closing sends close_notify first.
 */
public final class TlsRecordHandler extends ByteToMessageDecoder implements ChannelOutboundHandler {

    /** Handshake message types (RFC 8446 §4, RFC 5246 §7.4). */
    private static final int CLIENT_HELLO = 1, KEY_UPDATE = 24;
    /** KeyUpdate's request_update (RFC 8446 §4.6.3). */
    private static final int UPDATE_NOT_REQUESTED = 0, UPDATE_REQUESTED = 1;

    /**
     * Records sealed under one TLS 1.3 write key before we move to the next (RFC 8446 §5.5: AES-GCM keys are good
     * for 2^24.5 full-size records); about 275 GB of body, a long-lived connection's worth.
     */
    static final long KEY_UPDATE_AFTER_RECORDS = 1L << 24;

    private final TlsVersion version;
    private final CipherSuite suite;
    private final TlsStats stats;
    private final int payload;
    private final long keyUpdateAfterRecords;
    private RecordProtection read;
    private RecordProtection write;
    private CoalescingBufferQueue pending;
    private RegionFeeder feeder;
    /** Bytes of a handshake message split across records (only a KeyUpdate is ever accepted: 5 bytes). */
    private final byte[] handshake = new byte[8];
    private int handshakeLength;
    private boolean closeNotifySent;
    /** How long a close waits for close_notify to leave (SslHandler's closeNotifyFlushTimeout default). */
    static final long CLOSE_NOTIFY_TIMEOUT_MS = 3000;
    private boolean failed;
    private long buffersSealed;
    private long bufferRecordsSealed;

    /**
     * Takes over a connection whose handshake negotiated {@code suite}: {@code read} opens the client's records,
     * {@code write} seals ours, both at the sequence numbers the handshake left them at. Takes ownership of both.
     *
     * @param payload plaintext bytes per record of a {@link TlsFileRegion}, at most 2^14
     */
    public TlsRecordHandler(CipherSuite suite, RecordProtection read, RecordProtection write, TlsStats stats, int payload) {
        this(suite, read, write, stats, payload, KEY_UPDATE_AFTER_RECORDS);
    }

    TlsRecordHandler(CipherSuite suite, RecordProtection read, RecordProtection write, TlsStats stats, int payload,
            long keyUpdateAfterRecords) {
        this.keyUpdateAfterRecords = keyUpdateAfterRecords;
        this.version = suite.version();
        this.suite = suite;
        this.read = read;
        this.write = write;
        this.stats = stats;
        this.payload = payload;
    }

    /** As {@code SSLSession.getProtocol()} names it, e.g. {@code TLSv1.3}. */
    public String protocol() {
        return version.javaName();
    }

    /** As {@code SSLSession.getCipherSuite()} names it (IANA). */
    public String cipherSuite() {
        return suite.name();
    }

    public CipherSuite suite() {
        return suite;
    }

    /** The next write sequence number (for tests and diagnostics). */
    public long writeSequence() {
        return write == null ? -1 : write.sequence();
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) throws Exception {
        pending = new CoalescingBufferQueue(ctx.channel());
        feeder = new RegionFeeder(ctx, cause -> {
            failed = true; // the records after the broken body would not open: end the connection without more
            ctx.close();
        });
        super.handlerAdded(ctx);
    }

    // ---------------------------------------------------------------- inbound

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (failed) {
            in.skipBytes(in.readableBytes());
            return;
        }
        try {
            while (in.readableBytes() >= RecordProtection.HEADER) {
                int start = in.readerIndex();
                int type = in.getUnsignedByte(start);
                int length = in.getUnsignedShort(start + 3);
                if (in.getUnsignedByte(start + 1) != 3) {
                    throw new TlsAlertException(AlertDescription.DECODE_ERROR, "record version "
                            + Integer.toHexString(in.getUnsignedShort(start + 1)) + " is not TLS");
                }
                if (length > RecordProtection.MAX_CIPHERTEXT) {
                    throw new TlsAlertException(AlertDescription.RECORD_OVERFLOW, "record of " + length + " bytes");
                }
                checkOuterType(type);
                if (in.readableBytes() < RecordProtection.HEADER + length) {
                    return;
                }
                ByteBuf record = nativeRecord(ctx, in, RecordProtection.HEADER + length);
                try {
                    MemorySegment memory = MemorySegment.ofAddress(record.memoryAddress()).reinterpret(record.readableBytes());
                    long opened = read.open(memory, 0, record.readableBytes());
                    int inner = (int) (opened >>> 32);
                    int plain = (int) opened;
                    int at = record.readerIndex() + read.headerLength();
                    switch (inner) {
                        case ContentType.APPLICATION_DATA -> {
                            if (plain > 0) {
                                out.add(record.retainedSlice(at, plain));
                            }
                        }
                        case ContentType.ALERT -> onAlert(ctx, record, at, plain);
                        case ContentType.HANDSHAKE -> onHandshake(ctx, record, at, plain);
                        default -> throw new TlsAlertException(AlertDescription.UNEXPECTED_MESSAGE,
                                "content type " + inner + " after the handshake");
                    }
                } finally {
                    record.release();
                }
                if (failed || !ctx.channel().isActive()) {
                    in.skipBytes(in.readableBytes());
                    return;
                }
            }
        } catch (TlsAlertException e) {
            in.skipBytes(in.readableBytes());
            fail(ctx, e);
        }
    }

    /** RFC 8446 §5: after the handshake every TLS 1.3 record is application_data on the outside. */
    private void checkOuterType(int type) throws TlsAlertException {
        boolean ok = version == TlsVersion.TLS_1_3 ? type == ContentType.APPLICATION_DATA
                : type == ContentType.APPLICATION_DATA || type == ContentType.ALERT || type == ContentType.HANDSHAKE;
        if (!ok) {
            throw new TlsAlertException(AlertDescription.UNEXPECTED_MESSAGE, "record of content type " + type
                    + " after the handshake");
        }
    }

    /** The record as a retained buffer with a native address, sliced from the cumulation when it has one. */
    private static ByteBuf nativeRecord(ChannelHandlerContext ctx, ByteBuf in, int length) {
        if (in.hasMemoryAddress()) {
            return in.readRetainedSlice(length);
        }
        ByteBuf copy = ctx.alloc().directBuffer(length);
        copy.writeBytes(in, length);
        return copy;
    }

    private void onAlert(ChannelHandlerContext ctx, ByteBuf record, int at, int length) throws TlsAlertException {
        if (length != 2) {
            throw new TlsAlertException(AlertDescription.DECODE_ERROR, "alert of " + length + " bytes");
        }
        int level = record.getUnsignedByte(at);
        AlertDescription alert = AlertDescription.of(record.getUnsignedByte(at + 1));
        if (alert != null) {
            stats.alert(alert, false);
        }
        if (alert == AlertDescription.CLOSE_NOTIFY) {
            // RFC 8446 §6.1: answer close_notify with close_notify, then close.
            ctx.fireUserEventTriggered(SslCloseCompletionEvent.SUCCESS);
            close(ctx, ctx.newPromise());
            failed = true; // nothing after close_notify is read (RFC 8446 §6.1)
            return;
        }
        if (alert == AlertDescription.USER_CANCELED || (version == TlsVersion.TLS_1_2 && level == AlertDescription.WARNING
                && alert != null)) {
            return; // warnings carry on (RFC 5246 §7.2); user_canceled is followed by close_notify (RFC 8446 §6.1)
        }
        failed = true;
        ctx.fireExceptionCaught(new TlsAlertException(alert == null ? AlertDescription.DECODE_ERROR : alert, true,
                "from the peer"));
        ctx.close();
    }

    private void onHandshake(ChannelHandlerContext ctx, ByteBuf record, int at, int length) throws TlsAlertException {
        for (int i = 0; i < length; i++) {
            if (handshakeLength == handshake.length) {
                throw new TlsAlertException(AlertDescription.UNEXPECTED_MESSAGE, "post-handshake message too long");
            }
            handshake[handshakeLength++] = record.getByte(at + i);
            if (handshakeLength == 1) {
                int type = handshake[0] & 0xff;
                if (version == TlsVersion.TLS_1_2) {
                    if (type == CLIENT_HELLO) {
                        throw new TlsAlertException(AlertDescription.NO_RENEGOTIATION, "renegotiation is not supported");
                    }
                    throw new TlsAlertException(AlertDescription.UNEXPECTED_MESSAGE, "handshake message " + type
                            + " after the handshake");
                }
                if (type != KEY_UPDATE) {
                    throw new TlsAlertException(AlertDescription.UNEXPECTED_MESSAGE, "post-handshake message " + type);
                }
            }
            if (handshakeLength == 5) {
                int bodyLength = (handshake[1] & 0xff) << 16 | (handshake[2] & 0xff) << 8 | (handshake[3] & 0xff);
                if (bodyLength != 1) {
                    throw new TlsAlertException(AlertDescription.DECODE_ERROR, "KeyUpdate of " + bodyLength + " bytes");
                }
                if (i != length - 1) {
                    // RFC 8446 §5.1: a message that changes keys must end its record.
                    throw new TlsAlertException(AlertDescription.UNEXPECTED_MESSAGE, "data after KeyUpdate in its record");
                }
                handshakeLength = 0;
                onKeyUpdate(ctx, handshake[4] & 0xff);
            }
        }
    }

    /** RFC 8446 §4.6.3: switch the read key; if asked, say KeyUpdate(update_not_requested) and switch the write key. */
    private void onKeyUpdate(ChannelHandlerContext ctx, int requestUpdate) throws TlsAlertException {
        if (requestUpdate != UPDATE_NOT_REQUESTED && requestUpdate != UPDATE_REQUESTED) {
            throw new TlsAlertException(AlertDescription.ILLEGAL_PARAMETER, "KeyUpdate request_update " + requestUpdate);
        }
        RecordProtection next = read.nextGeneration();
        read.release();
        read = next;
        stats.keyUpdate(true);
        if (requestUpdate == UPDATE_REQUESTED) {
            sealPending(ctx);
            updateWriteKey(ctx);
            ctx.flush();
        }
    }

    /** Before sealing {@code records} more: a TLS 1.3 write key that would pass its limit is replaced first. */
    private void updateWriteKeyIfWorn(ChannelHandlerContext ctx, long records) {
        if (version == TlsVersion.TLS_1_3 && write.sequence() + records > keyUpdateAfterRecords) {
            updateWriteKey(ctx);
        }
    }

    /** RFC 8446 §4.6.3: KeyUpdate(update_not_requested) under the old key, everything after it under the next. */
    private void updateWriteKey(ChannelHandlerContext ctx) {
        ByteBuf body = ctx.alloc().directBuffer(4).writeByte(KEY_UPDATE).writeMedium(1).writeByte(UPDATE_NOT_REQUESTED);
        writeRecord(ctx, ContentType.HANDSHAKE, body, ctx.newPromise());
        RecordProtection nextWrite = write.nextGeneration();
        write.release();
        write = nextWrite;
        stats.keyUpdate(false);
    }

    private void fail(ChannelHandlerContext ctx, TlsAlertException e) {
        if (failed) {
            return;
        }
        failed = true;
        if (!e.received() && ctx.channel().isActive()) {
            sendAlert(ctx, e.alert());
        }
        ctx.fireExceptionCaught(e);
        ctx.close();
    }

    /** Seals and flushes an alert record after everything written before it; the future completes when it is out. */
    private ChannelFuture sendAlert(ChannelHandlerContext ctx, AlertDescription alert) {
        sealPending(ctx);
        int level = alert == AlertDescription.CLOSE_NOTIFY ? AlertDescription.WARNING : AlertDescription.FATAL;
        ByteBuf body = ctx.alloc().directBuffer(2).writeByte(level).writeByte(alert.code());
        ChannelPromise written = ctx.newPromise();
        writeRecord(ctx, ContentType.ALERT, body, written);
        stats.alert(alert, true);
        ctx.flush();
        return written;
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof SslCloseCompletionEvent e && !e.isSuccess()) {
            return; // SslHandler's farewell when it was replaced by us: not a close
        }
        super.userEventTriggered(ctx, evt);
    }

    // ---------------------------------------------------------------- outbound

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (msg instanceof ByteBuf buf) {
            if (failed || write == null) {
                buf.release();
                promise.setFailure(new IllegalStateException("TLS connection is closed"));
            } else {
                pending.add(buf, promise);
            }
        } else if (msg instanceof TlsFileRegion region) {
            if (failed || write == null) {
                region.release();
                promise.setFailure(new IllegalStateException("TLS connection is closed"));
                return;
            }
            sealPending(ctx);
            RecordSealingChannel sealer = sealer(ctx, region);
            int bodyPayload = sealer == null ? payload : recordPayload(sealer);
            long records = region.records(bodyPayload, write.overhead());
            updateWriteKeyIfWorn(ctx, records);
            if (sealer != null && version == TlsVersion.TLS_1_3 && write.sequence() + records > keyUpdateAfterRecords) {
                // RFC 8446 §5.5: the channel seals long after this handler moved on, and a key that must change in
                // the middle of the body could not; a body too long even for a fresh key (over 2^24 records) is
                // sealed batch by batch here instead, as before.
                sealer = null;
                bodyPayload = payload;
                records = region.records(bodyPayload, write.overhead());
            }
            boolean inChannel = sealer != null;
            long first = write.reserve(records);
            region.bind(write, first, bodyPayload, stats, feeder.readyCallback());
            if (inChannel) {
                // Counted as sealed when handed over: the channel seals each record at least once while the
                // connection lives, and again (not counted here) for every retransmission.
                stats.sealed(records, region.plaintextLength());
                feeder.write(new RecordsToSeal(region), promise);
            } else {
                feeder.write(region, promise);
            }
        } else {
            // Anything else would reach the socket unencrypted.
            UnsupportedMessageTypeException e = new UnsupportedMessageTypeException(msg, ByteBuf.class, TlsFileRegion.class);
            io.netty.util.ReferenceCountUtil.safeRelease(msg);
            promise.setFailure(e);
        }
    }

    /** The channel, if it seals {@code region}'s records itself ({@link RecordSealingChannel}); else null. */
    private static RecordSealingChannel sealer(ChannelHandlerContext ctx, TlsFileRegion region) {
        return ctx.channel() instanceof RecordSealingChannel channel && channel.sealsRecordsOf(region.source())
                ? channel : null;
    }

    /** The channel's record size for a body it seals (e.g. one record per segment), within this handler's. */
    private int recordPayload(RecordSealingChannel channel) {
        int p = channel.recordPayload(write.overhead());
        return p > 0 ? Math.min(p, payload) : payload;
    }

    @Override
    public void flush(ChannelHandlerContext ctx) {
        sealPending(ctx);
        ctx.flush();
    }

    /** Seals the buffers written since the last flush into records of up to 2^14 bytes each. */
    private void sealPending(ChannelHandlerContext ctx) {
        while (pending != null && !pending.isEmpty()) {
            ChannelPromise promise = ctx.newPromise();
            ByteBuf plain = pending.remove(ctx.alloc(), Math.min(pending.readableBytes(), RecordProtection.MAX_PLAINTEXT),
                    promise);
            updateWriteKeyIfWorn(ctx, 1);
            writeRecord(ctx, ContentType.APPLICATION_DATA, plain, promise);
        }
        if (bufferRecordsSealed > 0) {
            stats.sealed(bufferRecordsSealed, buffersSealed);
            bufferRecordsSealed = 0;
            buffersSealed = 0;
        }
    }

    /** Copies {@code plain} (released here) into a record buffer, seals it in place and writes it. */
    private void writeRecord(ChannelHandlerContext ctx, int contentType, ByteBuf plain, ChannelPromise promise) {
        int n = plain.readableBytes();
        ByteBuf record = ctx.alloc().directBuffer(n + write.overhead());
        try {
            record.writerIndex(write.headerLength());
            record.writeBytes(plain);
        } finally {
            plain.release();
        }
        MemorySegment memory = MemorySegment.ofAddress(record.memoryAddress()).reinterpret(record.capacity());
        int length = write.seal(memory, 0, n, contentType, write.reserve(1));
        record.setIndex(0, length);
        buffersSealed += n;
        bufferRecordsSealed++;
        feeder.write(record, promise);
    }

    @Override
    public void close(ChannelHandlerContext ctx, ChannelPromise promise) {
        if (!closeNotifySent && !failed && write != null && ctx.channel().isActive()) {
            closeNotifySent = true;
            // RFC 8446 §6.1: close_notify goes after everything already written. Closing at once would fail it (and
            // whatever still waits in the outbound buffer, e.g. a region whose disk read has not completed), so the
            // socket closes when the alert is out — or after CLOSE_NOTIFY_TIMEOUT_MS, as SslHandler bounds it, when a
            // peer that stopped reading would hold it forever.
            ChannelFuture alert = sendAlert(ctx, AlertDescription.CLOSE_NOTIFY);
            boolean[] closed = {false};
            Runnable closeOnce = () -> {
                if (!closed[0]) {
                    closed[0] = true;
                    ctx.close(promise);
                }
            };
            ScheduledFuture<?> timeout =
                    ctx.executor().schedule(closeOnce, CLOSE_NOTIFY_TIMEOUT_MS, TimeUnit.MILLISECONDS);
            alert.addListener(f -> {
                timeout.cancel(false);
                closeOnce.run();
            });
            return;
        }
        ctx.close(promise);
    }

    @Override
    public void bind(ChannelHandlerContext ctx, SocketAddress localAddress, ChannelPromise promise) {
        ctx.bind(localAddress, promise);
    }

    @Override
    public void connect(ChannelHandlerContext ctx, SocketAddress remote, SocketAddress local, ChannelPromise promise) {
        ctx.connect(remote, local, promise);
    }

    @Override
    public void disconnect(ChannelHandlerContext ctx, ChannelPromise promise) {
        close(ctx, promise);
    }

    @Override
    public void deregister(ChannelHandlerContext ctx, ChannelPromise promise) {
        ctx.deregister(promise);
    }

    @Override
    public void read(ChannelHandlerContext ctx) {
        ctx.read();
    }

    // ---------------------------------------------------------------- lifecycle

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        failed = true; // decodeLast must not open what is left: the connection is gone
        super.channelInactive(ctx);
        releaseKeys(new java.nio.channels.ClosedChannelException());
    }

    @Override
    protected void handlerRemoved0(ChannelHandlerContext ctx) {
        releaseKeys(new IllegalStateException("TLS record layer removed"));
    }

    /** Drops our references to the keys; regions still sealing hold theirs, and the last one out zeroes. */
    private void releaseKeys(Throwable cause) {
        if (pending != null) {
            pending.releaseAndFailAll(cause);
        }
        if (feeder != null) {
            feeder.failAll(cause);
        }
        if (read != null) {
            read.release();
            read = null;
        }
        if (write != null) {
            write.release();
            write = null;
        }
    }
}
