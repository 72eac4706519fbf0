package io.turnpike.proxy;

import io.turnpike.core.Policy;
import io.turnpike.auth.Consumers;
import io.turnpike.auth.JwtVerifier;
import io.turnpike.config.GatewayConfig;
import io.turnpike.config.RouteSpec;
import io.turnpike.config.ServiceSpec;
import io.turnpike.ratelimit.RateLimiting;
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
public final class Snapshot implements io.turnpike.core.SnapshotView {
    private final GatewayConfig config;
    private final Router<ProxyRoute> router;
    private final Map<String, Service> services;
    private final Consumers consumers;
    private final JwtVerifier jwt;
    private final RateLimiting rateLimiting;
    private final Quotas quotas;

    /**
     * What a route's policy chain is built from: the config and the parts compiled from it, and
     * state that outlives snapshots: {@code rateLimiting} (counts survive reloads) and
     * {@code quotas} (null when the gateway meters nothing).
     */
    record Parts(GatewayConfig config, Consumers consumers, JwtVerifier jwt, RateLimiting rateLimiting, Quotas quotas,
                 io.turnpike.compose.ClientProfiles profiles, Policy claimHeaders) {}

    private Snapshot(Parts parts, Router<ProxyRoute> router, Map<String, Service> services) {
        this.config = parts.config();
        this.router = router;
        this.services = services;
        this.consumers = parts.consumers();
        this.jwt = parts.jwt();
        this.rateLimiting = parts.rateLimiting();
        this.quotas = parts.quotas();
    }

    /** Compiles a config; services keep the nodes (and their statistics) of {@code previous}. */
    public static Snapshot compile(GatewayConfig config, Snapshot previous) {
        return compile(config, previous, null, previous == null ? null : previous.quotas);
    }

    /**
     * @param loops  a first snapshot's gateway event loops (epoll), which Redis I/O may share; else null
     * @param quotas refuses consumers over quota (null: none)
     */
    public static Snapshot compile(GatewayConfig config, Snapshot previous, io.netty.channel.EventLoopGroup loops,
                                   Quotas quotas) {
        Map<String, Service> services = new LinkedHashMap<>();
        for (ServiceSpec spec : config.services().values()) {
            Service old = previous == null ? null : previous.services.get(spec.id());
            services.put(spec.id(), Service.build(spec, old));
        }
        RateLimiting rateLimiting = previous == null ? RateLimiting.start(config, loops) : previous.rateLimiting;
        if (previous != null) rateLimiting.configure(config);
        Parts parts = new Parts(config, new Consumers(config.consumers()), new JwtVerifier(config.auth().jwt()),
                rateLimiting, quotas, config.clients().isEmpty() ? null
                        : io.turnpike.compose.ClientProfiles.compile(config.clients()), // once, not per route
                io.turnpike.auth.ClaimHeaderStrip.of(config.auth().jwt())); // null when no issuer maps claims
        List<Router.Entry<ProxyRoute>> entries = new ArrayList<>();
        for (RouteSpec rs : config.routes()) {
            ProxyRoute route = new ProxyRoute(rs, services.get(rs.service()), PolicyChain.build(rs, parts));
            entries.add(new Router.Entry<>(route, rs.match()));
        }
        return new Snapshot(parts, Router.compile(entries), Map.copyOf(services));
    }

    @Override
    public GatewayConfig config() { return config; }
    public Router<ProxyRoute> router() { return router; }
    public Map<String, Service> services() { return services; }
    /** The consumers, indexed by credential. */
    public Consumers consumers() { return consumers; }
    /** Verifies bearer tokens against the configured issuers. */
    public JwtVerifier jwt() { return jwt; }

    /** The gateway's rate limiting: the same object in every snapshot of one gateway. */
    public RateLimiting rateLimiting() { return rateLimiting; }

    /** Every node of this snapshot (to prune pools of nodes that left). */
    public Set<Node> nodes() {
        Set<Node> all = new HashSet<>();
        services.values().forEach(s -> all.addAll(s.nodes()));
        return all;
    }
}
