package io.turnpike.config;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Binds {@code cluster: { redis: redis://127.0.0.1:6379, rateLimitMode: exact, onRedisDown: local,
 * expectedNodes: 3, redisTimeout: 500ms }}.
 */
final class ClusterSection {
    private static final String REDIS = "a Redis URI like redis://127.0.0.1:6379";

    private ClusterSection() {}

    static ClusterSettings bind(ConfigNode cluster) {
        if (!cluster.isPresent()) return ClusterSettings.NONE;
        cluster.checkKeys(List.of("redis", "rateLimitMode", "onRedisDown", "expectedNodes", "redisTimeout"), Map.of());
        ClusterSettings.RateLimitMode mode = choice(cluster.get("rateLimitMode"), ClusterSettings.RateLimitMode.class,
                ClusterSettings.RateLimitMode.EXACT);
        ClusterSettings.OnRedisDown down = choice(cluster.get("onRedisDown"), ClusterSettings.OnRedisDown.class,
                ClusterSettings.OnRedisDown.LOCAL);
        int nodes = cluster.get("expectedNodes").integer(1, 10_000, 1);
        Duration timeout = cluster.get("redisTimeout").duration(ClusterSettings.DEFAULT_TIMEOUT, false);
        ConfigNode r = cluster.require("redis", REDIS);
        String uri = r.secret(REDIS); // may carry a password
        if (uri == null) return ClusterSettings.NONE;
        try {
            URI u = URI.create(uri.strip());
            if (("redis".equals(u.getScheme()) || "rediss".equals(u.getScheme())) && u.getHost() != null) {
                return new ClusterSettings(uri.strip(), mode, down, nodes, timeout);
            }
        } catch (IllegalArgumentException ignored) {
            // reported below
        }
        r.problem("the Redis URI (not shown: it may hold a password) is not like redis://host:port");
        return ClusterSettings.NONE;
    }

    private static <E extends Enum<E>> E choice(ConfigNode n, Class<E> type, E fallback) {
        StringBuilder names = new StringBuilder();
        for (E e : type.getEnumConstants()) {
            names.append(names.isEmpty() ? "" : " or ").append(e.name().toLowerCase(Locale.ROOT));
        }
        String word = n.choice(Leaf.words(type), null, names.toString(), names.toString());
        return word == null ? fallback : Enum.valueOf(type, word.toUpperCase(Locale.ROOT));
    }
}
