package io.turnpike.config;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Binds {@code cluster: { redis: redis://127.0.0.1:6379, rateLimitMode: exact, onRedisDown: local,
 * expectedNodes: 3, redisTimeout: 500ms, id: gw-a, store: postgresql://turnpike@db:5432/turnpike }}.
 * Either {@code redis} or {@code store} (or both) is needed.
 */
final class ClusterSection {
    private static final String REDIS = "a Redis URI like redis://127.0.0.1:6379";
    private static final String STORE = "a URL like postgresql://user:password@host:5432/turnpike";
    private static final String ID = "a node name of letters, digits and .:_- (at most 100)";

    private ClusterSection() {}

    static ClusterSettings bind(ConfigNode cluster) {
        if (!cluster.isPresent()) return ClusterSettings.NONE;
        cluster.checkKeys(List.of("redis", "rateLimitMode", "onRedisDown", "expectedNodes", "redisTimeout", "id", "store"),
                Map.of());
        ClusterSettings.RateLimitMode mode = choice(cluster.get("rateLimitMode"), ClusterSettings.RateLimitMode.class,
                ClusterSettings.RateLimitMode.EXACT);
        ClusterSettings.OnRedisDown down = choice(cluster.get("onRedisDown"), ClusterSettings.OnRedisDown.class,
                ClusterSettings.OnRedisDown.LOCAL);
        int nodes = cluster.get("expectedNodes").integer(1, 10_000, 1);
        Duration timeout = cluster.get("redisTimeout").duration(ClusterSettings.DEFAULT_TIMEOUT, false);
        String id = id(cluster.get("id"));
        String store = store(cluster.get("store"));
        ConfigNode r = cluster.get("store").isPresent() ? cluster.get("redis") : cluster.require("redis", REDIS);
        String redis = redis(r);
        if (redis == null && store == null) return ClusterSettings.NONE;
        return new ClusterSettings(redis, mode, down, nodes, timeout, id, store);
    }

    private static String redis(ConfigNode r) {
        String uri = r.secret(REDIS); // may carry a password
        if (uri == null) return null;
        try {
            URI u = URI.create(uri.strip());
            if (("redis".equals(u.getScheme()) || "rediss".equals(u.getScheme())) && u.getHost() != null) {
                return uri.strip();
            }
        } catch (IllegalArgumentException ignored) {
            // reported below
        }
        r.problem("the Redis URI (not shown: it may hold a password) is not like redis://host:port");
        return null;
    }

    private static String store(ConfigNode s) {
        String url = s.secret(STORE); // may carry a password
        if (url == null) return null;
        try {
            URI u = URI.create(url.strip());
            if ("postgresql".equals(u.getScheme()) && u.getHost() != null && u.getPath() != null
                    && u.getPath().length() > 1) {
                return url.strip();
            }
        } catch (IllegalArgumentException ignored) {
            // reported below
        }
        s.problem("the store URL (not shown: it may hold a password) is not like " + STORE);
        return null;
    }

    private static String id(ConfigNode n) {
        String id = n.text(ID);
        if (id == null) return null;
        if (id.isEmpty() || id.length() > 100 || !id.matches("[A-Za-z0-9.:_-]+")) {
            n.expected(ID);
            return null;
        }
        return id;
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
