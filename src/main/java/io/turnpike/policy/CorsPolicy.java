package io.turnpike.policy;

import io.turnpike.config.Cors;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.turnpike.core.Policy;
import io.turnpike.core.PolicyCall;
import io.turnpike.core.Verdict;

/**
 * CORS on actual requests (preflights are answered by {@link CorsPreflightPolicy}): an allowed origin gets the
 * route's CORS headers on whatever the client receives; any other origin gets none, and the
 * browser does the refusing. When the allowed answer names the origin, every answer of the route
 * says {@code Vary: Origin}, the refused and the origin-less too: a shared cache that stored one of
 * those without it would hand it to an allowed origin's page as well, which the browser then refuses.
 */
public record CorsPolicy(Cors cors) implements Policy {
    @Override
    public Verdict check(PolicyCall call) {
        String origin = call.headers().get(HttpHeaderNames.ORIGIN);
        if (cors.allowsOrigin(origin)) {
            CorsHeaders.onResponse(call.responseHeaders(), cors, origin);
        } else if (cors.variesByOrigin()) {
            call.responseHeaders().add(HttpHeaderNames.VARY, HttpHeaderNames.ORIGIN);
        }
        return Verdict.PASS;
    }
}
