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
 * What a client gets when a service refuses a call before any node is tried: the route's
 * fallback while the breaker is open, else 503 problem+json with Retry-After.
 */
final class Refusals {
    private Refusals() {}

    static Problems.Kind kind(Admission admission) {
        return admission.reason() == Admission.Reason.CIRCUIT_OPEN ? Problems.Kind.CIRCUIT_OPEN : Problems.Kind.OVERLOADED;
    }

    static FullHttpResponse response(ByteBufAllocator alloc, HttpVersion version, Admission admission,
                                     RouteSpec.Fallback fallback, String serviceId, String requestId) {
        if (fallback != null && admission.reason() == Admission.Reason.CIRCUIT_OPEN) {
            byte[] body = fallback.body() == null ? new byte[0] : fallback.body().getBytes(StandardCharsets.UTF_8);
            FullHttpResponse res = new DefaultFullHttpResponse(version, HttpResponseStatus.valueOf(fallback.status()),
                    alloc.buffer(body.length).writeBytes(body));
            fallback.headers().forEach(res.headers()::set);
            res.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, body.length);
            res.headers().set(ProxyHeaders.X_REQUEST_ID, requestId);
            return res;
        }
        Problems.Kind kind = kind(admission);
        FullHttpResponse res = Problems.response(alloc, version, kind, kind == Problems.Kind.CIRCUIT_OPEN
                ? "the circuit of service " + serviceId + " is open: calls are stopped for now"
                : "service " + serviceId + " is at its limit; high-priority calls go first", requestId);
        long seconds = Math.max(1, (admission.retryAfterNanos() + 999_999_999L) / 1_000_000_000L);
        res.headers().set(HttpHeaderNames.RETRY_AFTER, seconds);
        return res;
    }
}
