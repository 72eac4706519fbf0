package io.turnpike.policy;

import io.turnpike.config.Cors;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;

/** The CORS headers the gateway adds, for preflights it answers and for proxied responses. */
public final class CorsHeaders {
    private CorsHeaders() {}

    public static void onPreflight(HttpHeaders h, Cors cors, String origin) {
        common(h, cors, origin);
        h.set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_METHODS, String.join(", ", cors.methods()));
        if (!cors.headers().isEmpty()) {
            h.set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_HEADERS, String.join(", ", cors.headers()));
        }
        h.set(HttpHeaderNames.ACCESS_CONTROL_MAX_AGE, cors.maxAge().toSeconds());
        h.set(HttpHeaderNames.CONTENT_LENGTH, 0);
    }

    public static void onResponse(HttpHeaders h, Cors cors, String origin) {
        common(h, cors, origin);
        if (!cors.exposeHeaders().isEmpty()) {
            h.set(HttpHeaderNames.ACCESS_CONTROL_EXPOSE_HEADERS, String.join(", ", cors.exposeHeaders()));
        }
    }

    private static void common(HttpHeaders h, Cors cors, String origin) {
        h.set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_ORIGIN, cors.allowOriginFor(origin));
        if (cors.credentials()) h.set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_CREDENTIALS, "true");
        if (cors.variesByOrigin()) h.add(HttpHeaderNames.VARY, HttpHeaderNames.ORIGIN);
    }
}
