package io.turnpike.ratelimit;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;
import io.turnpike.core.Consumer;
import io.turnpike.core.Policy;
import io.turnpike.core.PolicyCall;
import io.turnpike.core.Problems;
import io.turnpike.core.Verdict;
import java.util.Map;

/**
 * A route's rate-limit step (after authentication and the ACL): the route's own limits and those
 * of the caller's plan, all of which must let the call in. Every answer carries
 * {@code RateLimit-Limit}, {@code -Remaining}, {@code -Reset} (of the limit closest to refusing)
 * and {@code RateLimit-Policy} (every limit that applied); a refusal is 429 with {@code Retry-After}.
 */
final class RateLimitPolicy implements Policy {
    // Byte strings: their hash is kept, and they are written to the wire as they are.
    static final AsciiString LIMIT = AsciiString.cached("RateLimit-Limit");
    static final AsciiString REMAINING = AsciiString.cached("RateLimit-Remaining");
    static final AsciiString RESET = AsciiString.cached("RateLimit-Reset");
    static final AsciiString POLICY = AsciiString.cached("RateLimit-Policy");
    static final AsciiString RETRY_AFTER = HttpHeaderNames.RETRY_AFTER;
    private static final long SECOND = 1_000_000_000L;

    private final RateLimiting limiting;
    /** The route's limits alone (anonymous callers, and consumers whose plan has none). */
    private final Limit[] routeOnly;
    private final AsciiString routePolicy;
    /** Per plan: the route's limits followed by the plan's, and their policy header. */
    private final Map<String, Limit[]> byPlan;
    private final Map<String, AsciiString> planPolicy;

    RateLimitPolicy(RateLimiting limiting, Limit[] routeOnly, Map<String, Limit[]> byPlan) {
        this.limiting = limiting;
        this.routeOnly = routeOnly;
        this.routePolicy = policy(routeOnly);
        this.byPlan = byPlan;
        this.planPolicy = new java.util.HashMap<>();
        byPlan.forEach((plan, limits) -> planPolicy.put(plan, policy(limits)));
    }

    private static AsciiString policy(Limit[] limits) {
        StringBuilder b = new StringBuilder();
        for (Limit l : limits) b.append(b.isEmpty() ? "" : ", ").append(l.policy);
        return new AsciiString(b);
    }

    @Override
    public Verdict check(PolicyCall call) {
        Limit[] limits = routeOnly;
        AsciiString policy = routePolicy;
        Consumer c = call.consumer();
        if (c != null && c.plan() != null) {
            Limit[] withPlan = byPlan.get(c.plan());
            if (withPlan != null) {
                limits = withPlan;
                policy = planPolicy.get(c.plan());
            }
        }
        if (limits.length == 0) return Verdict.PASS;
        String[] keys = new String[limits.length];
        for (int i = 0; i < limits.length; i++) keys[i] = limits[i].key(call);
        Decision d = limiting.limiter().decide(limits, keys);
        if (d instanceof LimitOutcome o) return verdict(call, o, policy);
        AsciiString p = policy;
        // Headers are the request's: they are written on its event loop (at once when the Redis
        // reply arrives there, as it does when Redis shares the gateway's loops).
        io.netty.util.concurrent.EventExecutor loop = call.executor();
        java.util.concurrent.CompletableFuture<Verdict> v = new java.util.concurrent.CompletableFuture<>();
        ((Decision.Later) d).outcome().whenComplete((o, e) -> {
            if (loop.inEventLoop()) {
                settle(v, call, o, e, p);
            } else {
                loop.execute(() -> settle(v, call, o, e, p));
            }
        });
        return Verdict.later(v);
    }

    private void settle(java.util.concurrent.CompletableFuture<Verdict> v, PolicyCall call, LimitOutcome o, Throwable e,
                        AsciiString policy) {
        if (e != null) {
            v.completeExceptionally(e);
        } else {
            v.complete(verdict(call, o, policy));
        }
    }

    private Verdict verdict(PolicyCall call, LimitOutcome o, AsciiString policy) {
        if (o == LimitOutcome.CLOSED) {
            call.responseHeaders().set(RETRY_AFTER, "1");
            return Verdict.answer(Problems.Kind.CHECK_UNAVAILABLE,
                    "rate limits cannot be checked while Redis is unreachable (cluster.onRedisDown: closed)");
        }
        HttpHeaders h = call.responseHeaders();
        h.set(LIMIT, o.limit().limitText);
        h.set(REMAINING, Long.toString(o.remaining()));
        h.set(RESET, Long.toString(seconds(o.resetNanos())));
        h.set(POLICY, policy);
        if (o.allowed()) {
            limiting.stats.allowed.increment();
            return Verdict.PASS;
        }
        limiting.stats.limited.increment();
        long retry = Math.max(1, seconds(o.retryNanos()));
        h.set(RETRY_AFTER, Long.toString(retry));
        return Verdict.answer(Problems.Kind.RATE_LIMITED, "rate limit " + o.limit().spec.rate()
                + " exceeded; retry in " + retry + " s");
    }

    /** Whole seconds, rounded up: a client that waits that long is not refused for the same reason. */
    static long seconds(long nanos) {
        return nanos <= 0 ? 0 : (nanos + SECOND - 1) / SECOND;
    }
}
