package io.turnpike.policy;

import io.turnpike.config.Cors;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.turnpike.core.Policy;
import io.turnpike.core.PolicyCall;
import io.turnpike.core.Verdict;

/**
 * CORS on actual requests (preflights are answered by {@link CorsPreflightPolicy}): an allowed origin gets the
 * route's CORS headers on whatever the client receives; any other origin gets none, and the
 * browser does the refusing.
 */
public record CorsPolicy(Cors cors) implements Policy {
    @Override
    public Verdict check(PolicyCall call) {
        String origin = call.headers().get(HttpHeaderNames.ORIGIN);
        if (cors.allowsOrigin(origin)) CorsHeaders.onResponse(call.responseHeaders(), cors, origin);
        return Verdict.PASS;
    }
}
