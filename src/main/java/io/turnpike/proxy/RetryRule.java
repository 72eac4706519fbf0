package io.turnpike.proxy;

import io.turnpike.config.ServiceSpec;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The one rule for trying a failed request again, shared by proxied requests and aggregation
 * calls: which methods may be sent twice, and how long to wait before the next try.
 */
final class RetryRule {
    /** RFC 9110 9.2.2: methods whose repetition has the effect of one. */
    private static final Set<String> IDEMPOTENT = Set.of("GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE");

    private RetryRule() {}

    /** @param retryNonIdempotent the route allows repeating any method ({@code retryNonIdempotent: true}) */
    static boolean methodAllows(String method, boolean retryNonIdempotent) {
        return retryNonIdempotent || IDEMPOTENT.contains(method);
    }

    /** Jittered exponential backoff before try {@code n + 1}: base x 2^(n-1) x a random factor in [0.5, 1.5). */
    static long backoffNanos(ServiceSpec.Retries rules, int n) {
        long base = rules.backoff().toNanos() << Math.min(n - 1, 10);
        return (long) (base * (0.5 + ThreadLocalRandom.current().nextDouble()));
    }
}
