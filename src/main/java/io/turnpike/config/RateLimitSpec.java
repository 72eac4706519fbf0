package io.turnpike.config;

import java.time.Duration;
import java.util.List;

/**
 * One rate limit ({@code rateLimit: { limit: 50/s, burst: 10, key: consumer }}): at most
 * {@code limit} calls per {@code period} for each key, with up to {@code burst} calls at once.
 *
 * @param burst calls that may arrive at once on an idle key; at least 1 (default: {@code limit})
 * @param key   what one budget belongs to: parts such as {@code consumer}, {@code ip},
 *              {@code route}, {@code header:X-Tenant}, {@code claim:tenant}; several = their combination
 */
public record RateLimitSpec(long limit, Duration period, long burst, List<KeyPart> key) {
    public RateLimitSpec {
        key = List.copyOf(key);
    }

    /** One part of a limit's key. @param name the header or claim name; null for the others */
    public record KeyPart(Kind kind, String name) {
        public enum Kind { CONSUMER, IP, ROUTE, HEADER, CLAIM }

        @Override
        public String toString() {
            return name == null ? kind.name().toLowerCase(java.util.Locale.ROOT)
                    : kind.name().toLowerCase(java.util.Locale.ROOT) + ":" + name;
        }
    }

    /** {@code 50/s}, {@code 1000/min}: the limit as written. */
    public String rate() {
        return limit + "/" + RateLimitSection.unit(period);
    }
}
