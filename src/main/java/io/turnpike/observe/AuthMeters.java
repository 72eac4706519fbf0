package io.turnpike.observe;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@code turnpike_auth_failures_total{route,reason}}: why authentication or authorization refused
 * (no-credential, unknown-credential, expired, bad-signature, bad-password, inactive-token,
 * scope-missing, acl-denied, ...). The reason never reaches the client; it is here, and in the
 * access log. Reasons are a fixed set of labels, so the series stay bounded.
 */
final class AuthMeters {
    private final MeterRegistry registry;
    private final ConcurrentHashMap<String, Counter> counters = new ConcurrentHashMap<>();

    AuthMeters(MeterRegistry registry) {
        this.registry = registry;
    }

    /** Counts a refusal; a successful decision ({@code ok}) or none (an open route) counts nothing. */
    void record(String routeId, String decision) {
        if (decision == null || decision.equals("ok")) return;
        String route = routeId == null ? GatewayMetrics.NONE : routeId;
        String key = route + '\n' + decision;
        Counter c = counters.get(key);
        if (c == null) {
            c = counters.computeIfAbsent(key, k -> Counter.builder("turnpike.auth.failures")
                    .description("Requests refused by authentication or authorization, by route and reason")
                    .tag("route", route).tag("reason", decision).register(registry));
        }
        c.increment();
    }
}
