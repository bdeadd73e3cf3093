package org.diskcryptnet.origin.http;

import java.time.Duration;
import java.util.List;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;

/**
 * Cross-origin access for browser players (Fetch standard, "CORS protocol"): a response to an allowed
 * {@code Origin} names it, exposes the headers a player needs to do range requests, and a preflight for
 * {@code Range} is answered without touching the content.
 */
public final class Cors {

    static final String ALLOWED_METHODS = "GET, HEAD, OPTIONS";
    static final String ALLOWED_HEADERS = "Range, If-Range, If-None-Match, If-Modified-Since, If-Match, If-Unmodified-Since";
    static final String EXPOSED_HEADERS = "Content-Range, Content-Length, Accept-Ranges, ETag, Last-Modified";

    private final boolean anyOrigin;
    private final List<String> allowedOrigins;
    private final String maxAgeSeconds;

    public Cors(List<String> allowedOrigins, Duration maxAge) {
        this.anyOrigin = allowedOrigins.contains("*");
        this.allowedOrigins = List.copyOf(allowedOrigins);
        this.maxAgeSeconds = Long.toString(maxAge.toSeconds());
    }

    public boolean enabled() {
        return anyOrigin || !allowedOrigins.isEmpty();
    }

    private boolean allows(String origin) {
        return origin != null && (anyOrigin || allowedOrigins.contains(origin));
    }

    /** Adds the CORS fields of an actual (non-preflight) response; nothing if the origin is not allowed. */
    public void decorate(String origin, HttpHeaders response) {
        if (!allows(origin)) {
            return;
        }
        if (anyOrigin) {
            response.set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_ORIGIN, "*");
        } else {
            response.set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_ORIGIN, origin);
            response.add(HttpHeaderNames.VARY, "Origin");
        }
        response.set(HttpHeaderNames.ACCESS_CONTROL_EXPOSE_HEADERS, EXPOSED_HEADERS);
    }

    /** True if this OPTIONS request is a CORS preflight (it names a method to ask about). */
    public static boolean isPreflight(HttpHeaders request) {
        return request.contains(HttpHeaderNames.ORIGIN) && request.contains(HttpHeaderNames.ACCESS_CONTROL_REQUEST_METHOD);
    }

    /** Fills a preflight's 204: allowed only for an allowed origin asking about GET or HEAD. */
    public boolean preflight(HttpHeaders request, HttpHeaders response) {
        String origin = request.get(HttpHeaderNames.ORIGIN);
        String method = request.get(HttpHeaderNames.ACCESS_CONTROL_REQUEST_METHOD);
        if (!allows(origin) || !(method.equals("GET") || method.equals("HEAD"))) {
            return false;
        }
        decorate(origin, response);
        response.remove(HttpHeaderNames.ACCESS_CONTROL_EXPOSE_HEADERS);
        response.set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_METHODS, ALLOWED_METHODS);
        response.set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_HEADERS, ALLOWED_HEADERS);
        response.set(HttpHeaderNames.ACCESS_CONTROL_MAX_AGE, maxAgeSeconds);
        return true;
    }
}
