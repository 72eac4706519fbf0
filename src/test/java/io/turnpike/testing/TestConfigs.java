package io.turnpike.testing;

import io.turnpike.config.AdminSettings;
import io.turnpike.config.GatewayConfig;
import io.turnpike.config.Limits;
import io.turnpike.config.NodeSpec;
import io.turnpike.config.RouteSpec;
import io.turnpike.config.ServerSettings;
import io.turnpike.config.ServiceSpec;
import io.turnpike.config.StorageSettings;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Builds gateway configs in code for tests (the YAML loader has its own tests). */
public final class TestConfigs {
    private final Map<String, ServiceSpec> services = new LinkedHashMap<>();
    private final List<RouteSpec> routes = new ArrayList<>();
    private Limits limits = Limits.DEFAULT;
    private AdminSettings admin = AdminSettings.OFF;
    private StorageSettings storage = StorageSettings.DEFAULT;
    private int eventLoops = 1;
    private String transport = ServerSettings.EPOLL;
    private ServiceSpec.Timeouts timeouts = new ServiceSpec.Timeouts(Duration.ofSeconds(1), Duration.ofSeconds(10),
            Duration.ofSeconds(10));

    public static TestConfigs gateway() {
        return new TestConfigs();
    }

    public TestConfigs limits(Limits l) {
        this.limits = l;
        return this;
    }

    /** An admin listener on 127.0.0.1 with a free port, and where its changes persist. */
    public TestConfigs admin(String token, java.nio.file.Path dataDir) {
        this.admin = new AdminSettings(true, "127.0.0.1", 0, token);
        this.storage = new StorageSettings(dataDir);
        return this;
    }

    /** {@code server.transport}: epoll, io_uring or nio. */
    public TestConfigs transport(String name) {
        transport = name;
        return this;
    }

    public TestConfigs eventLoops(int n) {
        this.eventLoops = n;
        return this;
    }

    public TestConfigs timeouts(Duration connect, Duration request, Duration idle) {
        this.timeouts = new ServiceSpec.Timeouts(connect, request, idle);
        return this;
    }

    public TestConfigs service(String id, String... urls) {
        List<NodeSpec> nodes = new ArrayList<>();
        for (String u : urls) {
            var uri = java.net.URI.create(u);
            boolean https = "https".equals(uri.getScheme());
            nodes.add(new NodeSpec(u, uri.getHost(), uri.getPort() >= 0 ? uri.getPort() : https ? 443 : 80, 1));
        }
        ServiceSpec s = new ServiceSpec(id, nodes, "round-robin", timeouts, ServiceSpec.Pool.DEFAULT);
        services.put(id, nodes.stream().anyMatch(NodeSpec::https) ? tls(s, ServiceSpec.Tls.DEFAULT) : s);
        return this;
    }

    /** TLS settings for service {@code id}'s nodes (as its {@code tls:} block says). */
    public TestConfigs tls(String id, ServiceSpec.Tls tls) {
        services.put(id, tls(services.get(id), tls));
        return this;
    }

    private static ServiceSpec tls(ServiceSpec s, ServiceSpec.Tls tls) {
        return new ServiceSpec(s.id(), s.nodes(), s.loadBalancer(), s.timeouts(), s.pool(), s.priority(),
                s.healthCheck(), s.outlierDetection(), s.circuitBreaker(), s.retries(), s.discovery(), tls);
    }

    /** Service {@code id}'s connection pool ({@code pool:}). */
    public TestConfigs pool(String id, ServiceSpec.Pool pool) {
        ServiceSpec s = services.get(id);
        services.put(id, new ServiceSpec(id, s.nodes(), s.loadBalancer(), s.timeouts(), pool, s.priority(),
                s.healthCheck(), s.outlierDetection(), s.circuitBreaker(), s.retries(), s.discovery(), s.tls()));
        return this;
    }

    /** Adds health checks, outlier detection and a breaker (each may be null) to service {@code id}. */
    public TestConfigs resilience(String id, ServiceSpec.HealthCheck health, ServiceSpec.OutlierDetection outliers,
                                  ServiceSpec.CircuitBreaker breaker) {
        ServiceSpec s = services.get(id);
        services.put(id, new ServiceSpec(id, s.nodes(), s.loadBalancer(), s.timeouts(), s.pool(), s.priority(),
                health, outliers, breaker, s.retries(), s.discovery(), s.tls()));
        return this;
    }

    /** Gives the last route a fallback, served while its service's circuit is open. */
    public TestConfigs fallback(int status, Map<String, String> headers, String body) {
        RouteSpec r = routes.remove(routes.size() - 1);
        routes.add(new RouteSpec(r.id(), r.index(), r.match(), r.service(), r.rewrite(), r.timeout(), r.highPriority(),
                new RouteSpec.Fallback(status, headers, body)));
        return this;
    }

    /** A route: path pattern, optional methods, to service, optional rewrite. */
    public TestConfigs route(String id, String path, String service) {
        return route(id, new RouteSpec.Match(List.of(), path, List.of(), Map.of()), service, RouteSpec.Rewrite.NONE);
    }

    /** Sets the balancer and the priority settings of a service added before. */
    public TestConfigs balancing(String service, String loadBalancer, ServiceSpec.Priority priority) {
        ServiceSpec s = services.get(service);
        services.put(service, new ServiceSpec(s.id(), s.nodes(), loadBalancer, s.timeouts(), s.pool(), priority,
                s.healthCheck(), s.outlierDetection(), s.circuitBreaker(), s.retries(), s.discovery(), s.tls()));
        return this;
    }

    /** A {@code priority: high} route to a service. */
    public TestConfigs highPriorityRoute(String id, String path, String service) {
        routes.add(new RouteSpec(id, routes.size(), new RouteSpec.Match(List.of(), path, List.of(), Map.of()), service,
                RouteSpec.Rewrite.NONE, null, true, null));
        return this;
    }

    public TestConfigs route(String id, RouteSpec.Match match, String service, RouteSpec.Rewrite rewrite) {
        routes.add(new RouteSpec(id, routes.size(), match, service, rewrite, null));
        return this;
    }

    public GatewayConfig build() {
        return new GatewayConfig(null, new ServerSettings("127.0.0.1", 0, limits, eventLoops, Duration.ofSeconds(5),
                io.turnpike.config.TrustedProxies.NONE, null, true, io.turnpike.config.Http2Settings.DEFAULT, transport),
                admin, storage, services, routes);
    }
}
