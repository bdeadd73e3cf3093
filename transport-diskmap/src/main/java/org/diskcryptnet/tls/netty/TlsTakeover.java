package org.diskcryptnet.tls.netty;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;

import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.ssl.NotSslRecordException;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.ReferenceCountedOpenSslContext;
import io.netty.handler.ssl.ReferenceCountedOpenSslEngine;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeTimeoutException;
import io.netty.internal.tcnative.SSL;
import io.netty.internal.tcnative.SSLContext;

import org.diskcryptnet.tls.CipherSuite;
import org.diskcryptnet.tls.TlsVersion;
import org.diskcryptnet.tls.crypto.AeadAlgorithm;
import org.diskcryptnet.tls.crypto.AeadEngine;
import org.diskcryptnet.tls.crypto.AeadEngines;
import org.diskcryptnet.tls.keys.KeyLogLine;
import org.diskcryptnet.tls.keys.Tls12Prf;
import org.diskcryptnet.tls.record.RecordProtection;

/**
 * Hands connections over from netty-tcnative's BoringSSL to the project's record layer once their handshake is done.
 * One per listener: it registers the key log callback on the listener's {@code SSL_CTX} (tcnative's
 * {@code SSLContext.setKeyLogCallback}, BoringSSL only) and {@link #install installs} a record gate in front of each
 * connection's {@code SslHandler}.
 *
 * <p>The gate passes the client's bytes to {@code SslHandler} one whole record at a time and looks at the handshake
 * after each: when it has completed, BoringSSL has read exactly up to the client's Finished, and everything after it
 * is still in the gate. Tickets are disabled on the connection ({@code SSL_OP_NO_TICKET}), so BoringSSL wrote nothing
 * after its own Finished. The gate derives the traffic keys, replaces {@code SslHandler} with a
 * {@link TlsRecordHandler} at the known sequence numbers and hands it the remaining bytes.
 *
 * <p>The key log itself is written to a file only when {@code keyLogFile} is given: a debugging aid that lets anyone
 * with the file decrypt the traffic, so the caller must warn about it.
 */
public final class TlsTakeover implements AutoCloseable {

    private final Map<AeadAlgorithm, AeadEngine> engines = new EnumMap<>(AeadAlgorithm.class);
    private final TlsStats stats;
    private final int payload;
    private final OutputStream keyLog;

    /**
     * @param context    the listener's context: netty-tcnative with BoringSSL
     * @param engine     AEAD engine preference: "auto" or an engine name ({@link AeadEngines})
     * @param keyLogFile where to append the NSS key log (debugging only), or null for never
     * @param stats      where handshakes, alerts and sealed bytes are reported
     * @param payload    plaintext bytes per record of a file body, at most 2^14
     */
    public TlsTakeover(SslContext context, String engine, Path keyLogFile, TlsStats stats, int payload)
            throws IOException {
        requireTakeable(context);
        for (AeadAlgorithm a : AeadAlgorithm.values()) {
            engines.put(a, AeadEngines.select(engine, a));
        }
        this.stats = stats;
        this.payload = payload;
        if (payload <= 0 || payload > RecordProtection.MAX_PLAINTEXT) {
            throw new IllegalArgumentException("record payload " + payload);
        }
        OutputStream log = null;
        if (keyLogFile != null) {
            if (!Files.exists(keyLogFile)) {
                Files.createFile(keyLogFile, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            }
            log = Files.newOutputStream(keyLogFile, StandardOpenOption.APPEND);
        }
        this.keyLog = log;
        attach(context);
    }

    /**
     * Takes over the connections of {@code context} too, a context that replaces the listener's (a reloaded
     * certificate): the record layer learns each connection's traffic secrets from the context's key log callback,
     * so a context installed without it would fail every handshake.
     *
     * @throws IllegalArgumentException if {@code context} cannot be taken over from ({@link #unavailabilityCause})
     */
    public void attach(SslContext context) {
        requireTakeable(context);
        if (!SSLContext.setKeyLogCallback(tcnativeContext(context), this::onKeyLog)) {
            throw new IllegalStateException("netty-tcnative refused the key log callback");
        }
    }

    /**
     * tcnative's own context handle, which its {@code SSLContext} functions take (not the raw {@code SSL_CTX*} that
     * {@code sslCtxPointer()} returns). Netty keeps it in a protected field and offers no key log option, so this
     * reads the field.
     */
    private static long tcnativeContext(SslContext context) {
        try {
            java.lang.reflect.Field f = ReferenceCountedOpenSslContext.class.getDeclaredField("ctx");
            f.setAccessible(true);
            long ctx = f.getLong(context);
            if (ctx == 0) {
                throw new IllegalStateException("the SslContext is already released");
            }
            return ctx;
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new IllegalStateException("cannot reach netty-tcnative's context handle in this Netty version", e);
        }
    }

    private static void requireTakeable(SslContext context) {
        String unavailable = unavailabilityCause(context);
        if (unavailable != null) {
            throw new IllegalArgumentException(unavailable);
        }
    }

    /** Why {@code context} cannot be taken over from, or null if it can. */
    public static String unavailabilityCause(SslContext context) {
        if (!OpenSsl.isAvailable()) {
            return "netty-tcnative is not available: " + OpenSsl.unavailabilityCause();
        }
        if (!"BoringSSL".equals(OpenSsl.versionString())) {
            return "the key log callback needs BoringSSL, but netty-tcnative runs " + OpenSsl.versionString();
        }
        if (!(context instanceof ReferenceCountedOpenSslContext)) {
            return "the SslContext is not netty-tcnative's (" + context.getClass().getName() + ")";
        }
        if (!context.isServer()) {
            return "the takeover is for servers";
        }
        return null;
    }

    /** The engine each AEAD runs on. */
    public Map<AeadAlgorithm, AeadEngine> engines() {
        return Map.copyOf(engines);
    }

    /**
     * Adds the gate and {@code ssl} (named {@code name}) to the end of {@code pipeline}. After the handshake a
     * {@link TlsRecordHandler} takes the name {@code name}.
     */
    public void install(ChannelPipeline pipeline, String name, SslHandler ssl) {
        pipeline.addLast(name + "-gate", new Gate(ssl, name));
        pipeline.addLast(name, ssl);
    }

    /** Called by BoringSSL on the thread running the handshake, once per secret. */
    private void onKeyLog(long ssl, byte[] line) {
        try {
            if (keyLog != null) {
                synchronized (keyLog) {
                    keyLog.write(line);
                    keyLog.write('\n');
                    keyLog.flush();
                }
            }
            KeyCapture capture = KeyCapture.of(ssl);
            if (capture != null) {
                KeyLogLine parsed = KeyLogLine.parse(line);
                if (parsed != null) {
                    capture.accept(parsed);
                }
            }
        } catch (IOException ignored) {
            // the debug key log is best effort; the handshake must not fail because of it
        } finally {
            Arrays.fill(line, (byte) 0);
        }
    }

    @Override
    public void close() throws IOException {
        if (keyLog != null) {
            keyLog.close();
        }
    }

    /** A short, bounded name for why a handshake failed, for metrics. */
    static String failureReason(Throwable cause) {
        if (cause instanceof SslHandshakeTimeoutException) {
            return "timeout";
        }
        if (cause instanceof NotSslRecordException) {
            return "not_tls";
        }
        for (Throwable t = cause; t != null; t = t.getCause()) {
            String m = t.getMessage();
            if (m == null) {
                continue;
            }
            // BoringSSL: "error:10000416:SSL routines:OPENSSL_internal:SSLV3_ALERT_CERTIFICATE_UNKNOWN"
            for (String prefix : new String[] {"SSLV3_ALERT_", "TLSV1_ALERT_"}) {
                int i = m.indexOf(prefix);
                if (i >= 0) {
                    String name = m.substring(i + prefix.length()).split("[^A-Z0-9_]")[0].toLowerCase(Locale.ROOT);
                    return "received_" + name;
                }
            }
            if (m.contains("NO_SHARED_CIPHER") || m.contains("NO_SHARED_GROUP") || m.contains("NO_COMMON_SIGNATURE")) {
                return "handshake_failure";
            }
            if (m.contains("UNSUPPORTED_PROTOCOL") || m.contains("WRONG_VERSION_NUMBER") || m.contains("TLSV1_ALERT_PROTOCOL")) {
                return "protocol_version";
            }
            if (m.contains("DECODE_ERROR") || m.contains("BAD_PACKET_LENGTH")) {
                return "decode_error";
            }
            if (m.contains("closed") || m.contains("ClosedChannel")) {
                return "closed";
            }
        }
        if (cause instanceof java.nio.channels.ClosedChannelException) {
            return "closed";
        }
        return "other";
    }

    /** Feeds {@code SslHandler} whole records, one at a time, until the handshake is done; then takes over. */
    private final class Gate extends ChannelInboundHandlerAdapter {
        private final SslHandler ssl;
        private final String name;
        private final KeyCapture capture = new KeyCapture();
        private ByteBuf cumulation;
        private long sslPointer;
        private boolean passThrough;

        Gate(SslHandler ssl, String name) {
            this.ssl = ssl;
            this.name = name;
        }

        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            sslPointer = ((ReferenceCountedOpenSslEngine) ssl.engine()).sslPointer();
            // No session tickets on a connection that will be taken over: after its Finished the engine must
            // write nothing, or the write sequence number would be unknown (RFC 8446 §4.6.1).
            SSL.setOptions(sslPointer, SSL.SSL_OP_NO_TICKET);
            KeyCapture.register(sslPointer, capture);
            ssl.handshakeFuture().addListener(f -> {
                if (!f.isSuccess()) {
                    stats.handshakeFailed(failureReason(f.cause()));
                }
            });
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
            if (passThrough || !(msg instanceof ByteBuf in)) {
                ctx.fireChannelRead(msg);
                return;
            }
            cumulation = cumulation == null ? in : ctx.alloc().compositeBuffer(Integer.MAX_VALUE)
                    .addComponents(true, cumulation, in);
            while (!passThrough && cumulation != null && cumulation.readableBytes() >= 5) {
                int at = cumulation.readerIndex();
                int type = cumulation.getUnsignedByte(at);
                int length = cumulation.getUnsignedShort(at + 3);
                if (type < 20 || type > 24 || cumulation.getUnsignedByte(at + 1) != 3
                        || length > RecordProtection.MAX_CIPHERTEXT + 2048) {
                    // Not TLS records we can cut: let SslHandler say so with its alert.
                    passThrough(ctx);
                    return;
                }
                if (cumulation.readableBytes() < 5 + length) {
                    break;
                }
                ctx.fireChannelRead(cumulation.readRetainedSlice(5 + length));
                if (ssl.handshakeFuture().isDone()) {
                    if (ssl.handshakeFuture().isSuccess()) {
                        takeOver(ctx);
                    } else {
                        passThrough(ctx);
                    }
                    return;
                }
            }
            if (cumulation != null && !cumulation.isReadable()) {
                cumulation.release();
                cumulation = null;
            }
        }

        private void passThrough(ChannelHandlerContext ctx) {
            passThrough = true;
            forget();
            ByteBuf rest = cumulation;
            cumulation = null;
            if (rest != null && rest.isReadable()) {
                ctx.fireChannelRead(rest);
            } else if (rest != null) {
                rest.release();
            }
        }

        private void takeOver(ChannelHandlerContext ctx) {
            TlsRecordHandler layer;
            try {
                layer = recordLayer();
            } catch (SSLException | RuntimeException e) {
                stats.handshakeFailed("takeover");
                passThrough(ctx);
                ctx.fireExceptionCaught(e);
                ctx.close();
                return;
            } finally {
                forget();
            }
            ctx.pipeline().replace(ssl, name, layer);
            // SslHandler flushes its last flight (TLS 1.2: our ChangeCipherSpec and Finished) on read-complete,
            // which it will no longer see: flush it now.
            ctx.flush();
            stats.handshakeCompleted(layer.suite());
            ByteBuf rest = cumulation;
            cumulation = null;
            passThrough = true;
            ctx.pipeline().remove(this);
            if (rest.isReadable()) {
                ctx.fireChannelRead(rest);
                ctx.fireChannelReadComplete();
            } else {
                rest.release();
            }
        }

        /** Derives both directions' keys from the captured secrets at the sequence numbers the handshake left. */
        private TlsRecordHandler recordLayer() throws SSLException {
            var session = ssl.engine().getSession();
            TlsVersion version = TlsVersion.ofJavaName(session.getProtocol());
            CipherSuite suite = CipherSuite.ofName(session.getCipherSuite());
            if (version == null || suite == null || suite.version() != version) {
                throw new SSLHandshakeException("negotiated " + session.getProtocol() + " " + session.getCipherSuite()
                        + ", which the record layer does not run");
            }
            AeadEngine engine = engines.get(suite.aead());
            RecordProtection read, write;
            if (version == TlsVersion.TLS_1_3) {
                if (capture.clientTrafficSecret == null || capture.serverTrafficSecret == null) {
                    throw new SSLHandshakeException("BoringSSL's key log did not deliver the traffic secrets");
                }
                // RFC 8446 §5.3: application data starts at sequence number 0 in both directions.
                read = RecordProtection.tls13(suite, engine, capture.clientTrafficSecret, 0);
                write = RecordProtection.tls13(suite, engine, capture.serverTrafficSecret, 0);
            } else {
                byte[] master = capture.masterSecret;
                if (master == null) {
                    throw new SSLHandshakeException("BoringSSL's key log did not deliver the master secret");
                }
                byte[] clientRandom = SSL.getClientRandom(sslPointer);
                byte[] serverRandom = SSL.getServerRandom(sslPointer);
                int k = suite.aead().keyLength(), iv = suite.fixedIvLength();
                byte[] block = Tls12Prf.keyBlock(suite.hash(), master, clientRandom, serverRandom, k, iv);
                byte[] clientKey = Arrays.copyOfRange(block, 0, k), serverKey = Arrays.copyOfRange(block, k, 2 * k);
                byte[] clientIv = Arrays.copyOfRange(block, 2 * k, 2 * k + iv);
                byte[] serverIv = Arrays.copyOfRange(block, 2 * k + iv, 2 * k + 2 * iv);
                try {
                    // RFC 5246 §6.1: each side's Finished was record 0 under the new keys.
                    read = RecordProtection.tls12(suite, engine, clientKey, clientIv, 1);
                    write = RecordProtection.tls12(suite, engine, serverKey, serverIv, 1);
                } finally {
                    for (byte[] b : new byte[][] {block, clientKey, serverKey, clientIv, serverIv}) {
                        Arrays.fill(b, (byte) 0);
                    }
                }
            }
            return new TlsRecordHandler(suite, read, write, stats, payload);
        }

        private void forget() {
            if (sslPointer != 0) {
                KeyCapture.unregister(sslPointer);
                sslPointer = 0;
            }
            capture.clear();
        }

        @Override
        public void handlerRemoved(ChannelHandlerContext ctx) {
            forget();
            if (cumulation != null) {
                cumulation.release();
                cumulation = null;
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            forget();
            ctx.fireChannelInactive();
        }
    }
}
