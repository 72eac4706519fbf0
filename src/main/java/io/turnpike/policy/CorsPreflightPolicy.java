package io.turnpike.policy;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.turnpike.config.Cors;
import io.turnpike.core.Policy;
import io.turnpike.core.PolicyCall;
import io.turnpike.core.Problems;
import io.turnpike.core.Verdict;

/**
 * A CORS preflight, answered by the gateway for the route the real request would take (the router
 * routes a preflight by its {@code Access-Control-Request-Method}): 204 with the route's rules for
 * an allowed origin, 403 otherwise. First in a CORS route's chain, so no other step (nor the
 * service) sees a preflight; every other request passes.
 */
public record CorsPreflightPolicy(Cors cors) implements Policy {
    /** A browser's preflight: OPTIONS with an Origin and the method it wants to use. */
    public static boolean isPreflight(HttpMethod method, HttpHeaders h) {
        return HttpMethod.OPTIONS.equals(method) && h.contains(HttpHeaderNames.ORIGIN)
                && h.contains(HttpHeaderNames.ACCESS_CONTROL_REQUEST_METHOD);
    }

    @Override
    public Verdict check(PolicyCall call) {
        if (!call.method().equals("OPTIONS") || !isPreflight(HttpMethod.OPTIONS, call.headers())) return Verdict.PASS;
        String origin = call.headers().get(HttpHeaderNames.ORIGIN);
        if (!cors.allowsOrigin(origin)) {
            return Verdict.answer(Problems.Kind.FORBIDDEN, "origin " + origin + " may not call this route");
        }
        HttpHeaders h = new DefaultHttpHeaders(false);
        CorsHeaders.onPreflight(h, cors, origin);
        return Verdict.reply(HttpResponseStatus.NO_CONTENT, h, null);
    }
}
