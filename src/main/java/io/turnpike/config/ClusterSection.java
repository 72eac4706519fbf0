package io.turnpike.config;

import java.net.URI;
import java.util.List;
import java.util.Map;

/** Binds {@code cluster: { redis: redis://127.0.0.1:6379 }}. */
final class ClusterSection {
    private static final String REDIS = "a Redis URI like redis://127.0.0.1:6379";

    private ClusterSection() {}

    static ClusterSettings bind(ConfigNode cluster) {
        if (!cluster.isPresent()) return ClusterSettings.NONE;
        cluster.checkKeys(List.of("redis"), Map.of());
        ConfigNode r = cluster.require("redis", REDIS);
        String uri = r.secret(REDIS); // may carry a password
        if (uri == null) return ClusterSettings.NONE;
        try {
            URI u = URI.create(uri.strip());
            if (("redis".equals(u.getScheme()) || "rediss".equals(u.getScheme())) && u.getHost() != null) {
                return new ClusterSettings(uri.strip());
            }
        } catch (IllegalArgumentException ignored) {
            // reported below
        }
        r.problem("the Redis URI (not shown: it may hold a password) is not like redis://host:port");
        return ClusterSettings.NONE;
    }
}
