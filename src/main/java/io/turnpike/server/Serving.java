package io.turnpike.server;

import io.netty.channel.EventLoopGroup;
import io.turnpike.auth.ClaimHeaderStrip;
import io.turnpike.auth.Consumers;
import io.turnpike.auth.JwtVerifier;
import io.turnpike.compose.ClientProfiles;
import io.turnpike.config.ConsumerSpec;
import io.turnpike.config.GatewayConfig;
import io.turnpike.config.RouteSpec;
import io.turnpike.config.ServiceSpec;
import io.turnpike.core.Policy;
import io.turnpike.core.SnapshotView;
import io.turnpike.metering.Quotas;
import io.turnpike.proxy.ProxyRoute;
import io.turnpike.proxy.Snapshot;
import io.turnpike.ratelimit.RateLimiting;
import io.turnpike.route.Router;
import io.turnpike.upstream.Node;
import io.turnpike.upstream.Service;
import io.turnpike.upstream.balance.Balancers;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One compiled config as the gateway serves it: the {@link Snapshot} requests read, and the state
 * that outlives snapshots ({@code rateLimiting}: counts survive reloads; {@code quotas}: null when
 * the gateway meters nothing). Compiled here, at the top, because building a route's policy chain
 * reaches every feature package; the proxy sees only the snapshot.
 */
public final class Serving implements SnapshotView {
    private final Snapshot snapshot;
    private final RateLimiting rateLimiting;
    private final Quotas quotas;
    private final Consumers consumers;

    /** What a route's policy chain is built from: the config, the parts compiled from it, and the lasting state. */
    record Parts(GatewayConfig config, Consumers consumers, JwtVerifier jwt, RateLimiting rateLimiting, Quotas quotas,
                 ClientProfiles profiles, Policy claimHeaders) {}

    private Serving(Snapshot snapshot, RateLimiting rateLimiting, Quotas quotas, Consumers consumers) {
        this.snapshot = snapshot;
        this.rateLimiting = rateLimiting;
        this.quotas = quotas;
        this.consumers = consumers;
    }

    /** Compiles a config; services keep the nodes (and their statistics) of {@code previous}. */
    public static Serving compile(GatewayConfig config, Serving previous) {
        return compile(config, previous, null, previous == null ? null : previous.quotas);
    }

    /**
     * @param loops  a first snapshot's gateway event loops (epoll), which Redis I/O may share; else null
     * @param quotas refuses consumers over quota (null: none)
     */
    public static Serving compile(GatewayConfig config, Serving previous, EventLoopGroup loops, Quotas quotas) {
        Map<String, Service> services = new LinkedHashMap<>();
        for (ServiceSpec spec : config.services().values()) {
            Service old = previous == null ? null : previous.services().get(spec.id());
            services.put(spec.id(), Service.build(spec, old, Balancers::forService));
        }
        RateLimiting rateLimiting = previous == null ? RateLimiting.start(config, loops) : previous.rateLimiting;
        if (previous != null) rateLimiting.configure(config);
        if (quotas != null) quotas.share(rateLimiting.redis(), config.cluster()); // one Redis connection for both
        // A change that left every consumer as it was (a route, a service) keeps their index: 100,000 of them take ~50 ms.
        Consumers consumers = previous != null && ConsumerSpec.same(previous.config().consumers(), config.consumers())
                ? previous.consumers : new Consumers(config.consumers());
        Parts parts = new Parts(config, consumers, new JwtVerifier(config.auth().jwt()),
                rateLimiting, quotas, config.clients().isEmpty() ? null
                        : ClientProfiles.compile(config.clients()), // once, not per route
                ClaimHeaderStrip.of(config.auth().jwt())); // null when no issuer maps claims
        List<Router.Entry<ProxyRoute>> entries = new ArrayList<>();
        for (RouteSpec rs : config.routes()) {
            ProxyRoute route = new ProxyRoute(rs, services.get(rs.service()), PolicyChain.build(rs, parts));
            entries.add(new Router.Entry<>(route, rs.match()));
        }
        return new Serving(new Snapshot(config, Router.compile(entries), services), rateLimiting, quotas, consumers);
    }

    /** What requests read. */
    public Snapshot snapshot() { return snapshot; }

    @Override
    public GatewayConfig config() { return snapshot.config(); }
    public Router<ProxyRoute> router() { return snapshot.router(); }
    public Map<String, Service> services() { return snapshot.services(); }

    /** The gateway's rate limiting: the same object in every snapshot of one gateway. */
    public RateLimiting rateLimiting() { return rateLimiting; }

    /** The gateway's quota counts (the same object in every snapshot), or null when it meters nothing. */
    public Quotas quotas() { return quotas; }

    /** Every node of this snapshot (to prune pools of nodes that left). */
    public Set<Node> nodes() { return snapshot.nodes(); }
}
