package io.turnpike.observe;

import io.micrometer.core.instrument.Clock;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.turnpike.config.RouteSpec;
import io.turnpike.core.ExchangeView;
import io.turnpike.core.LoopClock;
import io.turnpike.core.Problems;
import io.turnpike.server.Serving;
import io.turnpike.upstream.Node;
import io.turnpike.upstream.Service;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * The gateway's Prometheus metrics. {@link #record} runs on event loops and only touches meters
 * resolved earlier (per route and per service, cached by id); everything that registers or removes
 * meters runs on a control thread or once per new route.
 */
public final class GatewayMetrics implements AutoCloseable {
    /** The route and service label of requests that matched no route. */
    static final String NONE = "none";

    /**
     * The registry's clock: a timer's sliding maximum and histogram read it at every record, on
     * the event loop, where {@link LoopClock} already holds the time of the event.
     */
    private static final Clock CLOCK = new Clock() {
        @Override
        public long wallTime() {
            return LoopClock.currentTimeMillis();
        }

        @Override
        public long monotonicTime() {
            return LoopClock.systemNanoTime();
        }
    };

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT,
            new PrometheusRegistry(), CLOCK);
    private final ConcurrentHashMap<String, RouteMeters> routes = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, ServiceMeters> services = new ConcurrentHashMap<>();
    private final RouteMeters unrouted;
    private final Counter[] rejections;
    private final Counter[] refusals;
    private final Counter clientAborts;
    private final Counter upstreamAborts;
    private final Counter reloadsOk;
    private final Counter reloadsFailed;
    private final LongAdder webSockets = new LongAdder();
    private final Map<Node, NodeMeters> nodes = new IdentityHashMap<>();
    private final CircuitMeters circuits = new CircuitMeters(registry);
    private final AuthMeters auth = new AuthMeters(registry);
    private final CertificateMeters certificates = new CertificateMeters(registry);
    /** Requests by route and client profile ({@code clients:}); only exchanges with a profile count. */
    private final ConcurrentHashMap<String, ConcurrentHashMap<String, Counter>> profiles = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, ConcurrentHashMap<String, Counter>> grpc = new ConcurrentHashMap<>();
    /** The service label of an aggregate route, which calls several. */
    static final String AGGREGATE = "aggregate";

    public GatewayMetrics() {
        ProcessMeters.bindTo(registry); // first: it adds meter filters, which must precede every meter
        unrouted = new RouteMeters(registry, NONE, NONE, service(NONE));
        Problems.Kind[] kinds = Problems.Kind.values();
        rejections = new Counter[kinds.length];
        refusals = new Counter[kinds.length];
        for (Problems.Kind k : kinds) {
            rejections[k.ordinal()] = Counter.builder("turnpike.rejections")
                    .description("Requests the gateway answered itself, by problem type")
                    .tag("reason", reason(k)).register(registry);
            // Refusals have no request behind them, so they are not in turnpike_requests_total.
            refusals[k.ordinal()] = Counter.builder("turnpike.connections.refused")
                    .description("Connections closed before a request could be read, by problem type")
                    .tag("reason", reason(k)).register(registry);
        }
        clientAborts = abortCounter("client-aborted");
        upstreamAborts = abortCounter("upstream-aborted");
        reloadsOk = reloadCounter("ok");
        reloadsFailed = reloadCounter("failed");
        io.micrometer.core.instrument.Gauge.builder("turnpike.websocket.connections", webSockets, LongAdder::sum)
                .description("WebSocket connections open now (past their handshake)")
                .register(registry);
    }

    /** The problem type's slug ({@code no-route}, {@code body-too-large}, ...): stable and bounded. */
    static String reason(Problems.Kind kind) {
        return kind.type().substring(Problems.TYPE_BASE.length());
    }

    private Counter abortCounter(String outcome) {
        return Counter.builder("turnpike.aborts")
                .description("Exchanges cut short after they started, by who ended them")
                .tag("outcome", outcome).register(registry);
    }

    private Counter reloadCounter(String result) {
        return Counter.builder("turnpike.config.reloads")
                .description("Config reloads, by result")
                .tag("result", result).register(registry);
    }

    MeterRegistry registry() {
        return registry;
    }

    /** Counts one finished exchange. Called on its event loop; allocates nothing once warm. */
    public void record(ExchangeView x) {
        RouteMeters r = route(x.routeId(), x.serviceId() == null ? AGGREGATE : x.serviceId());
        String profile = x.profile();
        if (profile != null && x.routeId() != null) profileCounter(x.routeId(), profile).increment();
        if (x.grpcStatus() != null) grpcCounter(x.routeId() == null ? NONE : x.routeId(), x.grpcStatus()).increment();
        r.record(x.method(), x.status(), x.totalNanos(), x.bytesIn(), x.bytesOut());
        long upstream = x.upstreamNanos();
        if (upstream >= 0) r.service.recordUpstream(upstream);
        Problems.Kind rejection = x.rejection();
        if (rejection != null) rejections[rejection.ordinal()].increment();
        if (rejection == Problems.Kind.UNAUTHORIZED || rejection == Problems.Kind.FORBIDDEN) {
            auth.record(x.routeId(), x.authDecision());
        }
        String outcome = x.outcome();
        if ("client-aborted".equals(outcome)) {
            clientAborts.increment();
        } else if ("upstream-aborted".equals(outcome)) {
            upstreamAborts.increment();
        }
    }

    /** A WebSocket tunnel opened or closed. Any thread. */
    public void webSocket(boolean opened) {
        if (opened) {
            webSockets.increment();
        } else {
            webSockets.decrement();
        }
    }

    /** Counts a connection refused before it carried a request (header timeout, ...). */
    public void refused(Problems.Kind reason) {
        refusals[reason.ordinal()].increment();
    }

    /**
     * Counts a config reload: {@code ok} when the new config was applied, false when it was
     * refused (problems in the file, or applying it failed). Any thread.
     */
    public void recordReload(boolean ok) {
        (ok ? reloadsOk : reloadsFailed).increment();
    }

    /** {@code turnpike_grpc_responses_total{route, code}}: gRPC answers by status code (0 = OK). */
    private Counter grpcCounter(String routeId, String code) {
        var byCode = grpc.get(routeId);
        if (byCode == null) byCode = grpc.computeIfAbsent(routeId, k -> new ConcurrentHashMap<>());
        Counter c = byCode.get(code);
        if (c != null) return c;
        if (byCode.size() >= 17) code = "other"; // gRPC has 17 codes: anything else is a service's mistake
        return byCode.computeIfAbsent(code, k -> Counter.builder("turnpike.grpc.responses")
                .description("gRPC answers by route and grpc-status, from the services or the gateway")
                .tags("route", routeId, "code", k).register(registry));
    }

    private Counter profileCounter(String routeId, String profile) {
        var byProfile = profiles.get(routeId);
        if (byProfile == null) byProfile = profiles.computeIfAbsent(routeId, k -> new ConcurrentHashMap<>());
        Counter c = byProfile.get(profile);
        if (c != null) return c;
        return byProfile.computeIfAbsent(profile, p -> Counter.builder("turnpike.client.profile.requests")
                .description("Requests by route and the client profile they were served as")
                .tags("route", routeId, "profile", p).register(registry));
    }

    private RouteMeters route(String routeId, String serviceId) {
        if (routeId == null) return unrouted;
        RouteMeters r = routes.get(routeId);
        if (r != null && r.serviceId.equals(serviceId)) return r;
        // Normally resolved by snapshot() already; here only when a request races a reload.
        RouteMeters fresh = new RouteMeters(registry, routeId, serviceId, service(serviceId));
        routes.put(routeId, fresh);
        return fresh;
    }

    private ServiceMeters service(String serviceId) {
        ServiceMeters s = services.get(serviceId);
        return s != null ? s : services.computeIfAbsent(serviceId, id -> new ServiceMeters(registry, id));
    }

    /**
     * Follows a new snapshot: resolves the meters of its routes (so the event loops find them
     * ready), registers gauges for nodes that joined and removes those of nodes that left. Nodes
     * kept across a reload keep their meters (and their counts).
     */
    public synchronized void snapshot(Serving snapshot) {
        for (RouteSpec r : snapshot.config().routes()) route(r.id(), r.service() == null ? AGGREGATE : r.service());
        nodes(snapshot);
        circuits.follow(snapshot);
        snapshot.rateLimiting().bindTo(registry);
        if (snapshot.quotas() != null) snapshot.quotas().bindTo(registry);
    }

    private void nodes(Serving snapshot) {
        Set<Node> live = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
        snapshot.services().values().forEach(s -> live.addAll(s.nodes()));
        // Removal first: a node re-added under the same key must get fresh meters, not the old ones.
        nodes.entrySet().removeIf(e -> {
            if (live.contains(e.getKey())) return false;
            e.getValue().remove();
            return true;
        });
        for (Service s : snapshot.services().values()) {
            service(s.id());
            for (Node n : s.nodes()) {
                nodes.computeIfAbsent(n, node -> new NodeMeters(registry, node));
            }
        }
    }

    /** Follows the TLS listener's certificates for the expiry gauge. */
    public void certificates(java.util.function.Supplier<java.util.List<io.turnpike.tls.EdgeCertificates.Served>> served) {
        certificates.follow(served);
    }

    /** Every meter in the Prometheus text format (version 0.0.4). */
    public String scrape() {
        certificates.refresh();
        return registry.scrape();
    }

    @Override
    public void close() {
        registry.close();
    }
}
