package io.turnpike.proxy;

import io.turnpike.config.GatewayConfig;
import io.turnpike.route.Router;
import io.turnpike.upstream.Node;
import io.turnpike.upstream.Service;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * One immutable, compiled config as a request reads it: the router and the services behind it.
 * Compiled at the top (server), published through one volatile reference; a request keeps the
 * snapshot it started with.
 */
public final class Snapshot implements io.turnpike.core.SnapshotView {
    private final GatewayConfig config;
    private final Router<ProxyRoute> router;
    private final Map<String, Service> services;

    public Snapshot(GatewayConfig config, Router<ProxyRoute> router, Map<String, Service> services) {
        this.config = config;
        this.router = router;
        this.services = Map.copyOf(services);
    }

    @Override
    public GatewayConfig config() { return config; }
    public Router<ProxyRoute> router() { return router; }
    public Map<String, Service> services() { return services; }

    /** Every node of this snapshot (to prune pools of nodes that left). */
    public Set<Node> nodes() {
        Set<Node> all = new HashSet<>();
        services.values().forEach(s -> all.addAll(s.nodes()));
        return all;
    }
}
