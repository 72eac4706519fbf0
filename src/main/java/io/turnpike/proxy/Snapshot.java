package io.turnpike.proxy;

import io.turnpike.auth.Consumers;
import io.turnpike.auth.JwtVerifier;
import io.turnpike.config.GatewayConfig;
import io.turnpike.config.RouteSpec;
import io.turnpike.config.ServiceSpec;
import io.turnpike.metering.Quotas;
import io.turnpike.route.Router;
import io.turnpike.upstream.Node;
import io.turnpike.upstream.Service;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One immutable, compiled config: the router and the services behind it. Built on a control
 * thread and published through one volatile reference; a request keeps the snapshot it started with.
 */
public final class Snapshot {
    private final GatewayConfig config;
    private final Router<ProxyRoute> router;
    private final Map<String, Service> services;
    private final Consumers consumers;
    private final JwtVerifier jwt;
    private final Quotas quotas;

    /**
     * What a route's policy chain is built from: the config and the parts compiled from it, and
     * state that outlives snapshots ({@code quotas}: null when the gateway meters nothing).
     */
    record Parts(GatewayConfig config, Consumers consumers, JwtVerifier jwt, Quotas quotas) {}

    private Snapshot(Parts parts, Router<ProxyRoute> router, Map<String, Service> services) {
        this.config = parts.config();
        this.router = router;
        this.services = services;
        this.consumers = parts.consumers();
        this.jwt = parts.jwt();
        this.quotas = parts.quotas();
    }

    /** Compiles a config; services keep the nodes (and their statistics) of {@code previous}. */
    public static Snapshot compile(GatewayConfig config, Snapshot previous) {
        return compile(config, previous, previous == null ? null : previous.quotas);
    }

    /** Compiles a config whose routes refuse consumers over quota by {@code quotas} (null: none). */
    public static Snapshot compile(GatewayConfig config, Snapshot previous, Quotas quotas) {
        Map<String, Service> services = new LinkedHashMap<>();
        for (ServiceSpec spec : config.services().values()) {
            Service old = previous == null ? null : previous.services.get(spec.id());
            services.put(spec.id(), Service.build(spec, old));
        }
        Parts parts = new Parts(config, new Consumers(config.consumers()), new JwtVerifier(config.auth().jwt()),
                quotas);
        List<Router.Entry<ProxyRoute>> entries = new ArrayList<>();
        for (RouteSpec rs : config.routes()) {
            ProxyRoute route = new ProxyRoute(rs, services.get(rs.service()), PolicyChain.build(rs, parts));
            entries.add(new Router.Entry<>(route, rs.match()));
        }
        return new Snapshot(parts, Router.compile(entries), Map.copyOf(services));
    }

    public GatewayConfig config() { return config; }
    public Router<ProxyRoute> router() { return router; }
    public Map<String, Service> services() { return services; }
    /** The consumers, indexed by credential. */
    public Consumers consumers() { return consumers; }
    /** Verifies bearer tokens against the configured issuers. */
    public JwtVerifier jwt() { return jwt; }

    /** Every node of this snapshot (to prune pools of nodes that left). */
    public Set<Node> nodes() {
        Set<Node> all = new HashSet<>();
        services.values().forEach(s -> all.addAll(s.nodes()));
        return all;
    }
}
