package io.turnpike.auth;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.turnpike.config.AuthSettings;
import io.turnpike.proxy.Policy;
import io.turnpike.proxy.PolicyCall;
import io.turnpike.proxy.Problems;
import io.turnpike.proxy.Verdict;
import java.util.List;
import java.util.Map;

/**
 * Authentication: finds the consumer behind the first credential kind of the route's list that
 * yields one; none = 401 with a challenge per accepted scheme. The same answer for an unknown
 * credential and a wrong one, so a failure teaches nothing. Unless the route forwards
 * credentials, the one the client sent is removed before the upstream sees the request.
 */
public final class AuthPolicy implements Policy {
    private final List<String> kinds;
    private final boolean forwardCredentials;
    private final AuthSettings settings;
    private final Consumers consumers;
    private final JwtVerifier jwt;
    private final List<String> challenges;

    public AuthPolicy(List<String> kinds, boolean forwardCredentials, AuthSettings settings, Consumers consumers,
                      JwtVerifier jwt) {
        this.kinds = List.copyOf(kinds);
        this.forwardCredentials = forwardCredentials;
        this.settings = settings;
        this.consumers = consumers;
        this.jwt = jwt;
        this.challenges = Credentials.challenges(kinds, settings);
    }

    @Override
    public Verdict check(PolicyCall call) {
        HttpHeaders h = call.headers();
        Credentials.Credential key = null;
        Consumer consumer = null;
        JwtVerifier.Verified token = null;
        if (kinds.contains("apiKey")) {
            key = Credentials.apiKey(h, call.query(), settings);
            if (key != null && !key.key().isEmpty()) consumer = consumers.byApiKey(key.key());
        }
        String bearer = null;
        if (consumer == null && kinds.contains("jwt")) {
            bearer = Credentials.bearer(h);
            token = bearer == null ? null : jwt.verify(bearer);
            if (token != null) consumer = consumers.byJwt(token.issuer().issuer(), token.subject());
        }
        if (consumer == null) {
            boolean offered = key != null || (bearer != null || Credentials.bearer(h) != null);
            call.authDecision(offered ? "unknown-credential" : "no-credential");
            for (String challenge : challenges) call.responseHeaders().add(HttpHeaderNames.WWW_AUTHENTICATE, challenge);
            return Verdict.answer(Problems.Kind.UNAUTHORIZED, "this route needs a valid credential");
        }
        call.authDecision("ok");
        call.authenticated(consumer, token == null ? Map.of() : token.claims().getClaims());
        if (!forwardCredentials) {
            h.remove(settings.apiKeyHeader());
            if (key != null && key.inQuery()) call.query(Credentials.withoutParam(call.query(), settings.apiKeyQuery()));
            if (token != null) h.remove(HttpHeaderNames.AUTHORIZATION);
        }
        if (token != null) Credentials.claimsToHeaders(token, h);
        return Verdict.PASS;
    }
}
