package io.turnpike.auth;

import io.turnpike.core.Consumer;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.turnpike.config.AuthSettings;
import io.turnpike.core.Policy;
import io.turnpike.core.PolicyCall;
import io.turnpike.core.Problems;
import io.turnpike.core.Verdict;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Authentication: finds the consumer behind the first credential kind of the route's list that
 * yields one (client certificate, API key, JWT, Basic, introspected token); none = 401 with a challenge per accepted
 * scheme. The same answer for an unknown credential and a wrong one, so a failure teaches nothing;
 * the reason goes to the log and metrics only ({@link PolicyCall#authDecision}). Unless the route
 * forwards credentials, the one the client sent is removed before the upstream sees the request.
 *
 * <p>Checks that take time happen off the event loop and answer {@link Verdict#later}: a Basic
 * password not seen lately (bcrypt), a token the introspection endpoint must judge, a JWT naming a
 * key id the issuer's JWKS is being fetched again for. What they decide is applied to the request
 * back on its event loop.
 */
public final class AuthPolicy implements Policy {
    private static final String BAD_PASSWORD = "bad-password";
    private static final String UNKNOWN_USER = "unknown-user";

    private final boolean apiKey;
    private final boolean jwtKind;
    private final boolean basic;
    private final boolean introspection;
    private final boolean mtls;
    private final boolean forwardCredentials;
    private final AuthSettings settings;
    private final Consumers consumers;
    private final JwtVerifier jwt;
    private final Introspector introspector;
    private final List<String> challenges;

    public AuthPolicy(List<String> kinds, boolean forwardCredentials, AuthSettings settings, Consumers consumers,
                      JwtVerifier jwt) {
        this.apiKey = kinds.contains("apiKey");
        this.jwtKind = kinds.contains("jwt");
        this.basic = kinds.contains("basic");
        this.introspection = kinds.contains("introspection") && settings.introspection() != null;
        this.mtls = kinds.contains("mtls");
        this.forwardCredentials = forwardCredentials;
        this.settings = settings;
        this.consumers = consumers;
        this.jwt = jwt;
        this.introspector = introspection ? Introspector.of(settings.introspection()) : null;
        this.challenges = Credentials.challenges(kinds, settings);
    }

    @Override
    public Verdict check(PolicyCall call) {
        return check(call, true);
    }

    private Verdict check(PolicyCall call, boolean mayWait) {
        HttpHeaders h = call.headers();
        String reason = null;
        if (mtls) {
            // verified in the handshake already: finding its consumer is one lookup
            io.turnpike.core.ClientCertificate cert = call.clientCertificate();
            Consumer c = cert == null ? null : consumers.byCertificate(cert);
            if (c != null) return accept(call, c, Map.of(), null, null, false);
            if (cert != null) reason = "unknown-certificate";
        }
        Credentials.Credential key = null;
        if (apiKey) {
            key = Credentials.apiKey(h, call.query(), settings);
            if (key != null) {
                Consumer c = key.key().isEmpty() ? null : consumers.byApiKey(key.key());
                if (c != null) return accept(call, c, Map.of(), key, null, false);
                reason = "unknown-credential";
            }
        }
        String bearer = jwtKind || introspection ? Credentials.bearer(h) : null;
        if (jwtKind && bearer != null) {
            JwtVerifier.Outcome o = jwt.check(bearer, mayWait);
            if (o.keysPending() != null) {
                return Verdict.later(o.keysPending().thenApplyAsync(v -> check(call, false), call.executor()));
            }
            if (o.verified() != null) {
                Consumer c = consumers.byJwt(o.verified().issuer().issuer(), o.verified().subject());
                if (c != null) return accept(call, c, o.verified().claims().getClaims(), null, o.verified(), true);
                if (reason == null) reason = "unknown-consumer";
            } else if (reason == null) {
                reason = o.failure();
            }
        }
        if (basic) {
            BasicVerifier.Offered offered = BasicVerifier.offered(h);
            if (offered != null) {
                Consumers.BasicUser user = consumers.byBasicUser(offered.user());
                Boolean known = BasicVerifier.cached(offered, user);
                if (known != null) {
                    if (known) return accept(call, user.consumer(), Map.of(), null, null, true);
                    if (reason == null) reason = user == null ? UNKNOWN_USER : BAD_PASSWORD;
                } else {
                    String why = reason != null ? reason : user == null ? UNKNOWN_USER : BAD_PASSWORD;
                    CompletableFuture<Boolean> checked = BasicVerifier.check(offered, user, call.clientIp());
                    if (checked == null) return busy(call);
                    return Verdict.later(checked.thenApplyAsync(ok -> ok
                            ? accept(call, user.consumer(), Map.of(), null, null, true)
                            : refuse(call, why), call.executor()));
                }
            }
        }
        if (introspection && bearer != null) {
            Introspector.TokenInfo cached = introspector.cached(bearer);
            if (cached != null) return introspected(call, cached, reason);
            String before = reason;
            CompletableFuture<Introspector.TokenInfo> asked = introspector.introspect(bearer)
                    .orTimeout(settings.introspection().timeout().toMillis() + 500, java.util.concurrent.TimeUnit.MILLISECONDS);
            return Verdict.later(asked.thenApplyAsync(a -> introspected(call, a, before), call.executor()));
        }
        if (reason == null) {
            boolean offered = key != null || h.contains(HttpHeaderNames.AUTHORIZATION);
            reason = offered ? "unknown-credential" : "no-credential";
        }
        return refuse(call, reason);
    }

    private Verdict introspected(PolicyCall call, Introspector.TokenInfo a, String earlier) {
        if (!a.active()) return refuse(call, earlier != null ? earlier : "inactive-token");
        Consumer c = consumers.byOAuthClient(a.clientId());
        if (c == null) return refuse(call, earlier != null ? earlier : "unknown-consumer");
        return accept(call, c, a.claims(), null, null, true);
    }

    private Verdict refuse(PolicyCall call, String reason) {
        call.authDecision(reason);
        for (String challenge : challenges) call.responseHeaders().add(HttpHeaderNames.WWW_AUTHENTICATE, challenge);
        return Verdict.answer(Problems.Kind.UNAUTHORIZED, "this route needs a valid credential");
    }

    /** No room to check a password now: 503 with Retry-After, so the client knows to come back (never a 401). */
    private static Verdict busy(PolicyCall call) {
        call.authDecision("busy");
        call.responseHeaders().set(HttpHeaderNames.RETRY_AFTER, BasicVerifier.retryAfterSeconds());
        return Verdict.answer(Problems.Kind.AUTH_BUSY, "too many password checks are waiting; retry later");
    }

    /**
     * The consumer is known: record it and its claims, remove the credential unless the route
     * forwards it, and pass the claims the issuer forwards as headers.
     */
    private Verdict accept(PolicyCall call, Consumer consumer, Map<String, Object> claims,
                           Credentials.Credential key, JwtVerifier.Verified token, boolean viaAuthorization) {
        HttpHeaders h = call.headers();
        call.authDecision("ok");
        call.authenticated(consumer, claims);
        if (!forwardCredentials) {
            h.remove(settings.apiKeyHeader());
            if (key != null && key.inQuery()) call.query(Credentials.withoutParam(call.query(), settings.apiKeyQuery()));
            if (viaAuthorization) h.remove(HttpHeaderNames.AUTHORIZATION);
        }
        if (token != null) Credentials.claimsToHeaders(token, h);
        return Verdict.PASS;
    }
}
