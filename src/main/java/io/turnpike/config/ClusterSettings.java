package io.turnpike.config;

import java.time.Duration;

/**
 * {@code cluster:}: how a fleet of gateways shares state. Absent = one node, all state in process.
 *
 * @param redis         the Redis URI ({@code redis://host:port}); null = no Redis
 * @param rateLimitMode how rate limits use Redis: one script per call, or leased batches of tokens
 * @param onRedisDown   while Redis cannot be reached: per-node limits, or refuse limited calls
 * @param expectedNodes how many gateways share the limits; a node's fallback limit is limit / this
 * @param redisTimeout  a Redis call not answered within this counts as Redis being down
 * @param id            this node's name in the fleet; null = host name and listen port
 * @param store         the shared admin state ({@code postgresql://user:password@host:port/db}); null = per node
 */
public record ClusterSettings(String redis, RateLimitMode rateLimitMode, OnRedisDown onRedisDown, int expectedNodes,
                              Duration redisTimeout, String id, String store) {
    public static final Duration DEFAULT_TIMEOUT = Duration.ofMillis(500);
    public static final ClusterSettings NONE = new ClusterSettings(null);

    public ClusterSettings(String redis) {
        this(redis, RateLimitMode.EXACT, OnRedisDown.LOCAL, 1, DEFAULT_TIMEOUT);
    }

    public ClusterSettings(String redis, RateLimitMode rateLimitMode, OnRedisDown onRedisDown, int expectedNodes,
                           Duration redisTimeout) {
        this(redis, rateLimitMode, onRedisDown, expectedNodes, redisTimeout, null, null);
    }

    /** {@code exact}: one atomic script per decision; {@code lease}: local decisions on tokens leased in batches. */
    public enum RateLimitMode { EXACT, LEASE }

    /** {@code local}: limit / expectedNodes per node; {@code closed}: limited routes answer 503. */
    public enum OnRedisDown { LOCAL, CLOSED }

    public boolean enabled() {
        return redis != null;
    }

    /** Admin state (overlay, circuit orders) is shared through {@link #store}. */
    public boolean shared() {
        return store != null;
    }
}
