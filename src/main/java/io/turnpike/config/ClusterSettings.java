package io.turnpike.config;

/**
 * {@code cluster:}: how a fleet of gateways shares state. Absent = one node, all state in process.
 *
 * @param redis the Redis URI ({@code redis://host:port}); null = no Redis
 */
public record ClusterSettings(String redis) {
    public static final ClusterSettings NONE = new ClusterSettings(null);

    public boolean enabled() {
        return redis != null;
    }
}
