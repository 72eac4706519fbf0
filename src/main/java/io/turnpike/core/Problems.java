package io.turnpike.core;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.AsciiString;
import java.nio.charset.StandardCharsets;

/**
 * RFC 9457 problem+json answers for errors the gateway itself makes. Each kind has a stable
 * {@code type} URI so clients can branch on it.
 */
public final class Problems {
    public static final String TYPE_BASE = "https://turnpike.dev/problems/";
    /** The request id header a problem carries (and the gateway forwards). */
    public static final AsciiString X_REQUEST_ID = AsciiString.cached("x-request-id");

    private Problems() {}

    /** A problem kind: its status, stable type slug and human title. */
    public enum Kind {
        MALFORMED(400, "malformed-request", "Malformed request"),
        UNAUTHORIZED(401, "unauthorized", "Authentication required"),
        FORBIDDEN(403, "forbidden", "Not allowed"),
        NOT_FOUND(404, "no-route", "No route matches"),
        METHOD_NOT_ALLOWED(405, "method-not-allowed", "Method not allowed"),
        HEADER_TIMEOUT(408, "request-timeout", "Request header timeout"),
        BODY_TIMEOUT(408, "body-timeout", "Request body too slow"),
        EXPECTATION_FAILED(417, "expectation-failed", "Expectation failed"),
        BODY_TOO_LARGE(413, "body-too-large", "Request body too large"),
        URI_TOO_LONG(414, "uri-too-long", "Request line too long"),
        HEADERS_TOO_LARGE(431, "headers-too-large", "Request header fields too large"),
        RATE_LIMITED(429, "rate-limited", "Too many requests"),
        QUOTA_EXCEEDED(429, "quota-exceeded", "Quota exhausted"),
        TRANSFER_CODING_NOT_IMPLEMENTED(501, "transfer-coding-not-implemented", "Transfer coding not implemented"),
        VERSION_NOT_SUPPORTED(505, "http-version-not-supported", "HTTP version not supported"),
        BAD_GATEWAY(502, "upstream-failed", "Upstream failed"),
        NO_NODE(503, "no-healthy-node", "No node available"),
        CIRCUIT_OPEN(503, "circuit-open", "Circuit open: calls to the service are stopped"),
        OVERLOADED(503, "overloaded", "Service overloaded"),
        UNAVAILABLE(503, "shutting-down", "Gateway is shutting down"),
        CHECK_UNAVAILABLE(503, "check-unavailable", "A required check could not be made"),
        AUTH_BUSY(503, "auth-busy", "Too many credential checks waiting"),
        GATEWAY_TIMEOUT(504, "upstream-timeout", "Upstream timed out");

        final HttpResponseStatus status;
        final String type;
        final String title;

        Kind(int code, String slug, String title) {
            this.status = HttpResponseStatus.valueOf(code);
            this.type = TYPE_BASE + slug;
            this.title = title;
        }

        public HttpResponseStatus status() { return status; }
        public String type() { return type; }
        public String title() { return title; }
    }

    /** The full response; headers beyond content type/length are the caller's to add. */
    public static FullHttpResponse response(ByteBufAllocator alloc, HttpVersion version, Kind kind, String detail,
                                            String requestId) {
        StringBuilder json = new StringBuilder(200);
        json.append("{\"type\":\"").append(kind.type)
            .append("\",\"title\":\"").append(kind.title)
            .append("\",\"status\":").append(kind.status.code())
            .append(",\"detail\":\"");
        escape(json, detail);
        json.append("\",\"requestId\":\"");
        escape(json, requestId == null ? "" : requestId);
        json.append("\"}");
        byte[] bytes = json.toString().getBytes(StandardCharsets.UTF_8);
        ByteBuf body = alloc.buffer(bytes.length).writeBytes(bytes);
        FullHttpResponse res = new DefaultFullHttpResponse(version, kind.status, body);
        res.headers()
           .set(HttpHeaderNames.CONTENT_TYPE, "application/problem+json")
           .setInt(HttpHeaderNames.CONTENT_LENGTH, bytes.length);
        if (requestId != null) {
            res.headers().set(X_REQUEST_ID, requestId);
        }
        return res;
    }

    static void escape(StringBuilder out, String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
    }
}
