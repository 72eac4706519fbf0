package io.turnpike.proxy;

import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.turnpike.core.Problems;
import java.nio.charset.StandardCharsets;

/**
 * What the exchange knows of gRPC: which calls are gRPC, their deadline ({@code grpc-timeout}), and
 * the gateway's own errors in gRPC's terms: a trailers-only answer (HTTP 200,
 * {@code content-type: application/grpc}, {@code grpc-status} and {@code grpc-message}, no body)
 * instead of problem+json, which a gRPC client could not read. The other headers of the answer
 * (X-Request-Id, Retry-After, WWW-Authenticate, RateLimit-*) stay.
 */
final class Grpc {
    static final String STATUS = "grpc-status";
    static final String TIMEOUT = "grpc-timeout";
    private static final long MAX_TIMEOUT_NANOS = java.util.concurrent.TimeUnit.DAYS.toNanos(365);

    private Grpc() {}

    /**
     * The call's {@code grpc-timeout} in nanoseconds (up to 8 digits and a unit: H, M, S, m, u, n),
     * or -1 when it has none or it cannot be read (then the route's timeout alone applies).
     */
    static long timeoutNanos(HttpHeaders request) {
        String t = request.get(TIMEOUT);
        if (t == null || t.length() < 2 || t.length() > 9) return -1;
        long value = 0;
        for (int i = 0; i < t.length() - 1; i++) {
            char c = t.charAt(i);
            if (c < '0' || c > '9') return -1;
            value = value * 10 + (c - '0');
        }
        long nanos = switch (t.charAt(t.length() - 1)) {
            case 'H' -> java.util.concurrent.TimeUnit.HOURS.toNanos(value);
            case 'M' -> java.util.concurrent.TimeUnit.MINUTES.toNanos(value);
            case 'S' -> java.util.concurrent.TimeUnit.SECONDS.toNanos(value);
            case 'm' -> java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(value);
            case 'u' -> java.util.concurrent.TimeUnit.MICROSECONDS.toNanos(value);
            case 'n' -> value;
            default -> -1;
        };
        // 99999999H saturates at Long.MAX_VALUE, which added to a start time would wrap into the past:
        // a deadline beyond any route's reach is no deadline of the caller's.
        return nanos > MAX_TIMEOUT_NANOS ? -1 : nanos;
    }

    /** A gRPC call (not grpc-web, which is answered in its own framing). */
    static boolean isGrpc(HttpHeaders request) {
        String type = request.get(HttpHeaderNames.CONTENT_TYPE);
        return type != null && type.regionMatches(true, 0, "application/grpc", 0, 16)
                && !type.regionMatches(true, 0, "application/grpc-web", 0, 20);
    }

    /** A grpc-web call in binary framing ({@code application/grpc-web}, {@code application/grpc-web+proto}). */
    static boolean isWeb(HttpHeaders request) {
        String type = request.get(HttpHeaderNames.CONTENT_TYPE);
        return type != null && type.regionMatches(true, 0, "application/grpc-web", 0, 20)
                && !type.regionMatches(true, 0, "application/grpc-web-text", 0, 25);
    }

    /** A grpc-web call in base64 text framing ({@code application/grpc-web-text}, {@code ...-text+proto}). */
    static boolean isWebText(HttpHeaders request) {
        String type = request.get(HttpHeaderNames.CONTENT_TYPE);
        return type != null && type.regionMatches(true, 0, "application/grpc-web-text", 0, 25);
    }

    /**
     * A grpc-web request becomes a gRPC one: its content type loses {@code -web} or {@code -web-text}
     * (its {@code +proto} or other suffix stays) and it asks for trailers. The body's framing is the
     * same; a text body, decoded on its way, has a length its head does not know.
     *
     * @return the client's content type, to answer with
     */
    static String fromWeb(HttpHeaders request) {
        String type = request.get(HttpHeaderNames.CONTENT_TYPE);
        boolean text = isWebText(request);
        request.set(HttpHeaderNames.CONTENT_TYPE, "application/grpc" + type.substring(text ? 25 : 20));
        request.set(HttpHeaderNames.TE, "trailers");
        if (text && request.contains(HttpHeaderNames.CONTENT_LENGTH)) {
            request.remove(HttpHeaderNames.CONTENT_LENGTH);
            request.set(HttpHeaderNames.TRANSFER_ENCODING, io.netty.handler.codec.http.HttpHeaderValues.CHUNKED);
        }
        return type;
    }

    /** The caller's grpc-web content type is the text one: the answer goes back as base64. */
    static boolean isTextType(String type) {
        return type.regionMatches(true, 0, "application/grpc-web-text", 0, 25);
    }

    /**
     * The trailers of a gRPC answer as grpc-web's last frame: flag 0x80, a 4-byte length, and the
     * trailers as {@code name:value\r\n} lines.
     */
    static io.netty.buffer.ByteBuf trailerFrame(HttpHeaders trailers, io.netty.buffer.ByteBufAllocator alloc) {
        StringBuilder block = new StringBuilder(64);
        for (var e : trailers) {
            block.append(e.getKey().toLowerCase(java.util.Locale.ROOT)).append(':').append(e.getValue()).append("\r\n");
        }
        byte[] bytes = block.toString().getBytes(StandardCharsets.UTF_8);
        return alloc.buffer(5 + bytes.length).writeByte(0x80).writeInt(bytes.length).writeBytes(bytes);
    }

    /** {@code problem} as a gRPC error; any other answer (a fallback, a preflight) is left as it is. */
    static FullHttpResponse reply(FullHttpResponse problem, Problems.Kind kind, String detail) {
        return reply(problem, kind, detail, "application/grpc");
    }

    /** As {@link #reply(FullHttpResponse, Problems.Kind, String)}, in {@code contentType} (a grpc-web caller's). */
    static FullHttpResponse reply(FullHttpResponse problem, Problems.Kind kind, String detail, String contentType) {
        if (kind == null || !"application/problem+json".equals(problem.headers().get(HttpHeaderNames.CONTENT_TYPE))) {
            return problem;
        }
        FullHttpResponse res = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK, Unpooled.EMPTY_BUFFER);
        res.headers().set(problem.headers());
        problem.release();
        res.headers().set(HttpHeaderNames.CONTENT_TYPE, contentType);
        res.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, 0);
        res.headers().setInt(STATUS, status(kind));
        res.headers().set("grpc-message", percentEncoded(detail == null ? kind.title() : detail));
        return res;
    }

    /** The gRPC status code for a problem kind (grpc/doc/statuscodes.md). */
    static int status(Problems.Kind kind) {
        return switch (kind) {
            case UNAUTHORIZED -> 16; // UNAUTHENTICATED
            case FORBIDDEN -> 7; // PERMISSION_DENIED
            case NOT_FOUND, METHOD_NOT_ALLOWED -> 12; // UNIMPLEMENTED
            case RATE_LIMITED, QUOTA_EXCEEDED, BODY_TOO_LARGE, HEADERS_TOO_LARGE, URI_TOO_LONG -> 8; // RESOURCE_EXHAUSTED
            case GATEWAY_TIMEOUT, BODY_TIMEOUT, HEADER_TIMEOUT -> 4; // DEADLINE_EXCEEDED
            case NO_NODE, CIRCUIT_OPEN, OVERLOADED, UNAVAILABLE, CHECK_UNAVAILABLE, AUTH_BUSY, BAD_GATEWAY -> 14; // UNAVAILABLE
            case MALFORMED, EXPECTATION_FAILED -> 3; // INVALID_ARGUMENT
            case TRANSFER_CODING_NOT_IMPLEMENTED, VERSION_NOT_SUPPORTED -> 12;
        };
    }

    /** grpc-message is percent-encoded UTF-8: printable ASCII but '%' as is (PROTOCOL-HTTP2.md). */
    static String percentEncoded(String s) {
        StringBuilder out = new StringBuilder(s.length());
        for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            if (c >= 0x20 && c <= 0x7e && c != '%') {
                out.append((char) c);
            } else {
                out.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(c & 0xf, 16)));
            }
        }
        return out.toString();
    }
}
