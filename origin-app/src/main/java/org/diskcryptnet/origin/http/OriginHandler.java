package org.diskcryptnet.origin.http;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.internal.logging.InternalLogger;
import io.netty.util.internal.logging.InternalLoggerFactory;

import org.diskcryptnet.origin.accesslog.AccessLogEntry;
import org.diskcryptnet.origin.content.ContentRoot;
import org.diskcryptnet.origin.content.ContentRoot.ContentFile;
import org.diskcryptnet.origin.content.RequestPath;
import org.diskcryptnet.origin.http.range.ByteRange;
import org.diskcryptnet.origin.http.range.RangeParser;
import org.diskcryptnet.origin.http.range.RangeRequest;
import org.diskcryptnet.origin.http.validators.HttpDates;
import org.diskcryptnet.origin.http.validators.Preconditions;
import org.diskcryptnet.origin.metrics.ConnectionFailure;
import org.diskcryptnet.origin.storage.FileBodies;
import org.diskcryptnet.tls.netty.TlsRecordHandler;

/**
 * Serves the content root over HTTP/1.1 behind Netty's {@code HttpServerCodec}: GET, HEAD and OPTIONS,
 * byte ranges (RFC 9110 §14), conditional requests (§13), CORS. Responses are written in request order,
 * so pipelined requests are answered in sequence. Request bodies are never read: a GET or HEAD that
 * announces one is refused and the connection closed, since its framing cannot be trusted.
 */
public final class OriginHandler extends ChannelInboundHandlerAdapter {

    static final String SERVER = "diskcryptnet";
    static final String ALLOW = "GET, HEAD, OPTIONS";

    private static final InternalLogger LOG = InternalLoggerFactory.getInstance(OriginHandler.class);
    private static final LogThrottle LOOKUP_WARNINGS = new LogThrottle(TimeUnit.SECONDS.toNanos(10));
    private static final LogThrottle FAILURE_WARNINGS = new LogThrottle(TimeUnit.SECONDS.toNanos(10));

    private final OriginContext origin;
    private final ConnectionTimeouts timeouts;
    private FileBodies bodies;
    private String tlsDescription;
    private int multipartCounter;

    public OriginHandler(OriginContext origin, ConnectionTimeouts timeouts) {
        this.origin = origin;
        this.timeouts = timeouts;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        boolean encrypted = ctx.pipeline().get(SslHandler.class) != null;
        bodies = encrypted ? origin.encryptedBodies() : origin.plainBodies();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        try {
            if (msg instanceof HttpRequest request) {
                timeouts.requestStarted();
                handle(ctx, request);
            }
            // Request bodies (OPTIONS or a refused method may carry one) are read and dropped by the codec.
        } finally {
            if (msg instanceof HttpContent content) {
                content.release();
            }
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) throws Exception {
        // Back-pressure: stop reading pipelined requests while the socket cannot take our responses.
        ctx.channel().config().setAutoRead(ctx.channel().isWritable());
        super.channelWritabilityChanged(ctx);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ConnectionFailure kind = ConnectionFailure.of(cause);
        origin.metrics().connectionFailed(kind);
        if (kind == ConnectionFailure.OTHER && FAILURE_WARNINGS.permits()) {
            LOG.warn("closing {} on an unexpected error", ctx.channel(), cause); // a bug, not a client's doing
        }
        ctx.close();
    }

    private void handle(ChannelHandlerContext ctx, HttpRequest request) {
        HttpHeaders headers = request.headers();
        Exchange ex = new Exchange(request.method().name(), request.uri(), request.protocolVersion().text(),
                headers.get(HttpHeaderNames.RANGE));
        DecoderResult decoded = request.decoderResult();
        if (decoded.isFailure()) {
            Throwable cause = decoded.cause();
            HttpResponseStatus status = cause instanceof TooLongHttpLineException ? HttpResponseStatus.REQUEST_URI_TOO_LONG
                    : cause instanceof TooLongHttpHeaderException ? HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE
                    : HttpResponseStatus.BAD_REQUEST;
            // The decoder has lost the message framing: nothing after this can be trusted (RFC 9112 §2.2).
            simple(ctx, ex, status, false, false);
            return;
        }
        if (request.protocolVersion().majorVersion() != 1) {
            // RFC 9110 §15.6.6: the major version is not one this server speaks.
            simple(ctx, ex, HttpResponseStatus.HTTP_VERSION_NOT_SUPPORTED, false, false);
            return;
        }
        if (request.uri().length() > origin.maxTargetBytes()) {
            simple(ctx, ex, HttpResponseStatus.REQUEST_URI_TOO_LONG, false, false);
            return;
        }
        HttpMethod method = request.method();
        boolean keepAlive = HttpUtil.isKeepAlive(request) && !origin.draining().getAsBoolean();
        if (method.equals(HttpMethod.GET) || method.equals(HttpMethod.HEAD)) {
            if (HttpUtil.getContentLength(request, 0L) > 0 || headers.contains(HttpHeaderNames.TRANSFER_ENCODING)) {
                // A body on GET/HEAD has no defined meaning (RFC 9110 §9.3.1); refusing it and closing means a
                // smuggled second request hidden in it is never parsed.
                simple(ctx, ex, HttpResponseStatus.BAD_REQUEST, false, method.equals(HttpMethod.HEAD));
                return;
            }
            serve(ctx, request, ex, keepAlive, method.equals(HttpMethod.HEAD));
        } else if (method.equals(HttpMethod.OPTIONS)) {
            options(ctx, request, ex, keepAlive);
        } else {
            // RFC 9110 §15.5.6: 405 carries Allow.
            FullHttpResponse response = errorResponse(HttpResponseStatus.METHOD_NOT_ALLOWED, false);
            response.headers().set(HttpHeaderNames.ALLOW, ALLOW);
            send(ctx, ex, response, keepAlive && !headers.contains(HttpHeaderNames.TRANSFER_ENCODING));
        }
    }

    private void serve(ChannelHandlerContext ctx, HttpRequest request, Exchange ex, boolean keepAlive, boolean head) {
        RequestPath.Result path = RequestPath.parse(request.uri());
        if (!path.ok()) {
            HttpResponseStatus status = path.refusal() == RequestPath.Refusal.NOT_FOUND
                    ? HttpResponseStatus.NOT_FOUND : HttpResponseStatus.BAD_REQUEST;
            simple(ctx, ex, status, keepAlive, head);
            return;
        }
        ContentFile file;
        try {
            file = origin.content().lookup(path.segments());
        } catch (ContentRoot.LookupFailed e) {
            lookupFailed(ctx, ex, e, head);
            return;
        }
        if (file == null) {
            simple(ctx, ex, HttpResponseStatus.NOT_FOUND, keepAlive, head);
            return;
        }
        try (file) { // the bodies hold their own descriptors of it
            respond(ctx, request, ex, file, keepAlive, head);
        }
    }

    private void respond(ChannelHandlerContext ctx, HttpRequest request, Exchange ex, ContentFile file,
                         boolean keepAlive, boolean head) {
        HttpHeaders in = request.headers();
        Preconditions.Outcome pre = Preconditions.evaluate(true, file.etag(), file.lastModifiedSeconds(),
                in.get(HttpHeaderNames.IF_MATCH), in.get(HttpHeaderNames.IF_UNMODIFIED_SINCE),
                in.get(HttpHeaderNames.IF_NONE_MATCH), in.get(HttpHeaderNames.IF_MODIFIED_SINCE));
        if (pre == Preconditions.Outcome.NOT_MODIFIED) {
            // RFC 9110 §15.4.5: 304 repeats the validators and carries no content.
            HttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.NOT_MODIFIED);
            validators(response.headers(), file);
            origin.cors().decorate(in.get(HttpHeaderNames.ORIGIN), response.headers());
            send(ctx, ex, response, keepAlive);
            return;
        }
        if (pre == Preconditions.Outcome.PRECONDITION_FAILED) {
            simple(ctx, ex, HttpResponseStatus.PRECONDITION_FAILED, keepAlive, head);
            return;
        }
        String rangeField = head ? null : in.get(HttpHeaderNames.RANGE); // §14.2: ranges are defined for GET only
        RangeRequest ranges = rangeField != null
                && Preconditions.ifRangeHolds(in.get(HttpHeaderNames.IF_RANGE), file.etag(), file.lastModifiedSeconds())
                ? RangeParser.parse(rangeField, file.size()) : RangeRequest.WHOLE;

        switch (ranges) {
            case RangeRequest.Unsatisfiable u -> {
                // §15.5.17: 416 says how long the representation is.
                FullHttpResponse response = errorResponse(HttpResponseStatus.REQUESTED_RANGE_NOT_SATISFIABLE, false);
                response.headers().set(HttpHeaderNames.CONTENT_RANGE, "bytes */" + file.size());
                validators(response.headers(), file);
                origin.cors().decorate(in.get(HttpHeaderNames.ORIGIN), response.headers());
                send(ctx, ex, response, keepAlive);
            }
            case RangeRequest.Partial p when p.single() -> {
                ByteRange r = p.ranges().getFirst();
                HttpResponse response = entityHeaders(HttpResponseStatus.PARTIAL_CONTENT, file, in, r.length());
                response.headers().set(HttpHeaderNames.CONTENT_RANGE, r.contentRange(file.size()));
                sendFile(ctx, ex, response, file, List.of(r), null, keepAlive);
            }
            case RangeRequest.Partial p -> sendMultipart(ctx, ex, file, in, p.ranges(), keepAlive);
            case RangeRequest.Whole w -> {
                HttpResponse response = entityHeaders(HttpResponseStatus.OK, file, in, file.size());
                List<ByteRange> whole = head || file.size() == 0 ? List.of() : List.of(new ByteRange(0, file.size() - 1));
                sendFile(ctx, ex, response, file, whole, null, keepAlive);
            }
        }
    }

    /** RFC 9110 §14.6: several ranges travel as multipart/byteranges, each part with its own Content-Range. */
    private void sendMultipart(ChannelHandlerContext ctx, Exchange ex, ContentFile file, HttpHeaders in,
                               List<ByteRange> ranges, boolean keepAlive) {
        String boundary = "dcn" + Long.toHexString(System.nanoTime()) + Integer.toHexString(++multipartCounter);
        ByteBuf[] framing = new ByteBuf[ranges.size() + 1];
        long length = 0;
        for (int i = 0; i < ranges.size(); i++) {
            ByteRange r = ranges.get(i);
            String partHeader = (i == 0 ? "" : "\r\n") + "--" + boundary + "\r\n"
                    + "Content-Type: " + file.contentType() + "\r\n"
                    + "Content-Range: " + r.contentRange(file.size()) + "\r\n\r\n";
            framing[i] = Unpooled.copiedBuffer(partHeader, StandardCharsets.US_ASCII);
            length += framing[i].readableBytes() + r.length();
        }
        framing[ranges.size()] = Unpooled.copiedBuffer("\r\n--" + boundary + "--\r\n", StandardCharsets.US_ASCII);
        length += framing[ranges.size()].readableBytes();
        HttpResponse response = entityHeaders(HttpResponseStatus.PARTIAL_CONTENT, file, in, length);
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, "multipart/byteranges; boundary=" + boundary);
        sendFile(ctx, ex, response, file, ranges, framing, keepAlive);
    }

    /**
     * Writes the header section, then each range of the file (preceded by {@code framing[i]} when given, and
     * followed by the last framing buffer), then ends the exchange when the last byte is out. No ranges: no body.
     */
    private void sendFile(ChannelHandlerContext ctx, Exchange ex, HttpResponse response, ContentFile file,
                          List<ByteRange> ranges, ByteBuf[] framing, boolean keepAlive) {
        ex.status = response.status().code();
        setConnection(response, keepAlive);
        ctx.write(response).addListener(ex);
        if (!ranges.isEmpty()) {
            for (int i = 0; i < ranges.size(); i++) {
                if (framing != null) {
                    ex.countOnSuccess(ctx.write(framing[i]), framing[i].readableBytes());
                }
                ByteRange r = ranges.get(i);
                Object body;
                try {
                    body = bodies.body(ctx.channel(), file, r.first(), r.length(), i == ranges.size() - 1);
                } catch (IOException e) {
                    // The open file could not be read this way (out of descriptors, or a filesystem without
                    // direct I/O): the header is out, so the only honest ending is to cut the connection (the
                    // client sees a short body, never wrong bytes).
                    releaseFrom(framing, i + 1);
                    finish(ctx, ex, ctx.newFailedFuture(e), false);
                    return;
                }
                ctx.write(body, ex.bodyPart(ctx, r.length()));
            }
            if (framing != null) {
                ByteBuf closing = framing[ranges.size()];
                ex.countOnSuccess(ctx.write(closing), closing.readableBytes());
            }
        }
        ChannelFuture last = ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
        last.addListener(f -> finish(ctx, ex, f, keepAlive));
    }

    private static void releaseFrom(ByteBuf[] framing, int from) {
        if (framing != null) {
            for (int i = from; i < framing.length; i++) {
                framing[i].release();
            }
        }
    }

    private void options(ChannelHandlerContext ctx, HttpRequest request, Exchange ex, boolean keepAlive) {
        HttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.NO_CONTENT);
        HttpHeaders in = request.headers();
        if (Cors.isPreflight(in)) {
            origin.cors().preflight(in, response.headers());
        }
        response.headers().set(HttpHeaderNames.ALLOW, ALLOW);
        send(ctx, ex, response, keepAlive);
    }

    /**
     * The file could not be looked at, which says nothing of whether it is there: 503 with Retry-After when the
     * process is out of descriptors or memory (RFC 9110 §15.6.4, §10.2.3), else 500. Never 404, which caches would
     * keep. The connection closes, which also gives a descriptor back.
     */
    private void lookupFailed(ChannelHandlerContext ctx, Exchange ex, ContentRoot.LookupFailed e, boolean head) {
        HttpResponseStatus status = e.overload() ? HttpResponseStatus.SERVICE_UNAVAILABLE
                : HttpResponseStatus.INTERNAL_SERVER_ERROR;
        FullHttpResponse response = errorResponse(status, head);
        if (e.overload()) {
            response.headers().set(HttpHeaderNames.RETRY_AFTER, 1);
        }
        if (LOOKUP_WARNINGS.permits()) {
            LOG.warn("answering {}: {}{}", status.code(), e.getMessage(), e.overload()
                    ? " (raise the open-file limit, RLIMIT_NOFILE, or lower server.max_connections)" : "");
        }
        send(ctx, ex, response, false);
    }

    /** A short text response for statuses without a representation of their own. */
    private void simple(ChannelHandlerContext ctx, Exchange ex, HttpResponseStatus status, boolean keepAlive, boolean head) {
        send(ctx, ex, errorResponse(status, head), keepAlive);
    }

    private static FullHttpResponse errorResponse(HttpResponseStatus status, boolean head) {
        byte[] text = (status.code() + " " + status.reasonPhrase() + "\n").getBytes(StandardCharsets.US_ASCII);
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
                head ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(text));
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8");
        response.headers().set(HttpHeaderNames.CONTENT_LENGTH, text.length);
        return response;
    }

    private void send(ChannelHandlerContext ctx, Exchange ex, HttpResponse response, boolean keepAlive) {
        ex.status = response.status().code();
        response.headers().set(HttpHeaderNames.SERVER, SERVER);
        response.headers().set(HttpHeaderNames.DATE, HttpDates.format(ex.startMillis / 1000));
        if (response.status().code() != 204 && response.status().code() != 304
                && !response.headers().contains(HttpHeaderNames.CONTENT_LENGTH)) {
            response.headers().set(HttpHeaderNames.CONTENT_LENGTH, 0);
        }
        setConnection(response, keepAlive);
        long bodyLength = response instanceof FullHttpResponse full ? full.content().readableBytes() : 0;
        ChannelFuture write = ctx.writeAndFlush(response);
        if (bodyLength > 0) {
            ex.countOnSuccess(write, bodyLength);
        }
        write.addListener(f -> finish(ctx, ex, f, keepAlive));
    }

    private static void setConnection(HttpResponse response, boolean keepAlive) {
        if (!keepAlive) {
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        }
    }

    private HttpResponse entityHeaders(HttpResponseStatus status, ContentFile file, HttpHeaders in, long contentLength) {
        HttpResponse response = new DefaultHttpResponse(HttpVersion.HTTP_1_1, status);
        HttpHeaders h = response.headers();
        h.set(HttpHeaderNames.SERVER, SERVER);
        h.set(HttpHeaderNames.DATE, HttpDates.format(System.currentTimeMillis() / 1000));
        h.set(HttpHeaderNames.CONTENT_TYPE, file.contentType());
        h.set(HttpHeaderNames.CONTENT_LENGTH, contentLength);
        h.set(HttpHeaderNames.ACCEPT_RANGES, HttpHeaderValues.BYTES);
        validators(h, file);
        origin.cors().decorate(in.get(HttpHeaderNames.ORIGIN), h);
        return response;
    }

    private static void validators(HttpHeaders h, ContentFile file) {
        h.set(HttpHeaderNames.ETAG, file.etag());
        h.set(HttpHeaderNames.LAST_MODIFIED, HttpDates.format(file.lastModifiedSeconds()));
    }

    private void finish(ChannelHandlerContext ctx, Exchange ex, io.netty.util.concurrent.Future<?> written, boolean keepAlive) {
        boolean complete = written.isSuccess();
        timeouts.responseFinished();
        long end = System.nanoTime();
        long duration = end - ex.startNanos;
        origin.metrics().requestCompleted(ex.method, ex.status, ex.route, ex.bodyBytesSent(), ex.firstByteNanos(end),
                duration);
        if (origin.accessLog() != null) {
            origin.accessLog().log(new AccessLogEntry(clientOf(ctx.channel()), ex.startMillis, ex.method, ex.target,
                    ex.version, ex.status, ex.bodyBytesSent(), ex.range, duration, tls(ctx), complete));
        }
        if (!complete || !keepAlive || origin.draining().getAsBoolean()) {
            ctx.close();
        }
    }

    private String tls(ChannelHandlerContext ctx) {
        if (tlsDescription == null) {
            TlsRecordHandler inPlace = ctx.pipeline().get(TlsRecordHandler.class);
            if (inPlace != null) {
                // after the takeover the record layer knows what the handshake negotiated
                tlsDescription = inPlace.protocol() + "/" + inPlace.cipherSuite();
                return tlsDescription;
            }
            SslHandler ssl = ctx.pipeline().get(SslHandler.class);
            if (ssl == null) {
                return null;
            }
            var session = ssl.engine().getSession();
            tlsDescription = session.getProtocol() + "/" + session.getCipherSuite();
        }
        return tlsDescription;
    }

    private static String clientOf(Channel channel) {
        SocketAddress remote = channel.remoteAddress();
        if (remote instanceof InetSocketAddress inet && inet.getAddress() != null) {
            return inet.getAddress().getHostAddress();
        }
        return String.valueOf(remote);
    }
}
