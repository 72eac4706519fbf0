package io.turnpike.proxy;

import io.turnpike.core.Problems;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.turnpike.config.RouteSpec;
import io.turnpike.upstream.Admission;
import java.nio.charset.StandardCharsets;

/**
 * The answers the gateway makes itself, as whole responses: problems, a policy's own reply, and
 * what a client gets when a service refuses a call before any node is tried (the route's fallback
 * while the breaker is open, else 503 problem+json with Retry-After). The downstream sets the
 * protocol version; the exchange adds the policies' response headers.
 */
final class LocalReplies {
    private LocalReplies() {}

    static FullHttpResponse problem(ByteBufAllocator alloc, Problems.Kind kind, String detail, String requestId) {
        return Problems.response(alloc, HttpVersion.HTTP_1_1, kind, detail, requestId);
    }

    /** 405 with the methods the path takes. */
    static FullHttpResponse methodNotAllowed(ByteBufAllocator alloc, String method, java.util.Set<String> allowed,
            String requestId) {
        FullHttpResponse res = problem(alloc, Problems.Kind.METHOD_NOT_ALLOWED, method + " is not allowed here", requestId);
        res.headers().set(HttpHeaderNames.ALLOW, String.join(", ", new java.util.TreeSet<>(allowed)));
        return res;
    }

    /** A policy's own answer ({@link io.turnpike.core.Verdict.Reply}, a CORS preflight). */
    static FullHttpResponse of(io.turnpike.core.Verdict.Reply r, String requestId) {
        FullHttpResponse res = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, r.status(),
                r.body() == null ? io.netty.buffer.Unpooled.EMPTY_BUFFER : io.netty.buffer.Unpooled.wrappedBuffer(r.body()));
        res.headers().set(r.headers());
        if (r.body() != null) res.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, r.body().length);
        res.headers().set(ProxyHeaders.X_REQUEST_ID, requestId);
        return res;
    }

    static Problems.Kind refusalKind(Admission admission) {
        return admission.reason() == Admission.Reason.CIRCUIT_OPEN ? Problems.Kind.CIRCUIT_OPEN : Problems.Kind.OVERLOADED;
    }

    static FullHttpResponse refusal(ByteBufAllocator alloc, Admission admission,
                                     RouteSpec.Fallback fallback, String serviceId, String requestId) {
        if (fallback != null && admission.reason() == Admission.Reason.CIRCUIT_OPEN) {
            byte[] body = fallback.body() == null ? new byte[0] : fallback.body().getBytes(StandardCharsets.UTF_8);
            FullHttpResponse res = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(fallback.status()),
                    alloc.buffer(body.length).writeBytes(body));
            fallback.headers().forEach(res.headers()::set);
            res.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, body.length);
            res.headers().set(ProxyHeaders.X_REQUEST_ID, requestId);
            return res;
        }
        Problems.Kind kind = refusalKind(admission);
        FullHttpResponse res = Problems.response(alloc, HttpVersion.HTTP_1_1, kind, kind == Problems.Kind.CIRCUIT_OPEN
                ? "the circuit of service " + serviceId + " is open: calls are stopped for now"
                : "service " + serviceId + " is at its limit; high-priority calls go first", requestId);
        long seconds = Math.max(1, (admission.retryAfterNanos() + 999_999_999L) / 1_000_000_000L);
        res.headers().set(HttpHeaderNames.RETRY_AFTER, seconds);
        return res;
    }
}
