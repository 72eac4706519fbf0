package io.turnpike.demo;

import io.turnpike.config.AdminSettings;
import io.turnpike.config.AggregateSpec;
import io.turnpike.config.AlertSettings;
import io.turnpike.config.ClientProfileSpec;
import io.turnpike.config.ClusterSettings;
import io.turnpike.config.TransformSpec;
import io.turnpike.config.AuthSettings;
import io.turnpike.config.ConsumerSpec;
import io.turnpike.config.GatewayConfig;
import io.turnpike.config.ObserveSettings;
import io.turnpike.config.PlanSpec;
import io.turnpike.config.RateLimitSpec;
import io.turnpike.config.Limits;
import io.turnpike.config.NodeSpec;
import io.turnpike.config.RouteSpec;
import io.turnpike.config.ServerSettings;
import io.turnpike.config.ServiceSpec;
import io.turnpike.config.StorageSettings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The demo's gateway config: the three sample services and the public {@code /api/...} routes
 * onto them. Built as records for the in-process demo and rendered as YAML for {@code --config-out},
 * so a user can start from the same file with {@code turnpike run -c}.
 */
public final class DemoConfig {
    /** Short, so Ctrl-C on the demo does not hang around. */
    static final Duration DRAIN = Duration.ofSeconds(5);

    private DemoConfig() {}

    /** @param ports node ports by service id ({@code users}, {@code orders}, {@code catalog}) */
    public static GatewayConfig build(String host, int port, Map<String, List<Integer>> ports) {
        return build(host, port, AdminSettings.DEFAULT.port(), StorageSettings.DEFAULT.dataDir(), ports);
    }

    /**
     * @param adminPort the admin listener's port on 127.0.0.1 (no token: loopback only)
     * @param dataDir   where admin changes persist
     */
    public static GatewayConfig build(String host, int port, int adminPort, Path dataDir,
                                      Map<String, List<Integer>> ports) {
        Map<String, ServiceSpec> services = new LinkedHashMap<>();
        ports.forEach((id, nodePorts) -> services.put(id, service(id, nodePorts)));
        List<RouteSpec> routes = new ArrayList<>();
        // A mobile client (X-Client: mobile) gets a compact user: only id and name.
        TransformSpec compact = new TransformSpec(Map.of(MOBILE, new TransformSpec.ProfileTransform(null,
                new TransformSpec.Response(TransformSpec.Headers.NONE, List.of("id", "name"), List.of(), Map.of(),
                        Map.of(), null, null, 1024 * 1024))));
        routes.add(new RouteSpec("users-read", routes.size(),
                new RouteSpec.Match(List.of(), "/api/users/{id}", List.of("GET"), Map.of()), "users",
                new RouteSpec.Rewrite("/users/{id}", null), null, false, null, false, List.of(), null, false,
                io.turnpike.config.RoutePolicies.NONE, List.of(), 1, compact, null));
        route(routes, "users", "/api/users", List.of("GET", "POST"), "users",
                new RouteSpec.Rewrite("/users", null));
        route(routes, "orders-by-user", "/api/orders", List.of("GET"), "orders",
                new RouteSpec.Rewrite(null, "/api"));
        route(routes, "orders", "/api/orders/**", List.of("GET"), "orders",
                new RouteSpec.Rewrite(null, "/api"));
        route(routes, "catalog", "/api/catalog/**", List.of("GET"), "catalog",
                new RouteSpec.Rewrite(null, "/api/catalog"));
        // A partner API: only consumers in group "partners", with their API key.
        routes.add(new RouteSpec("partner-orders", routes.size(),
                new RouteSpec.Match(List.of(), "/api/partner/orders/**", List.of("GET"), Map.of()), "orders",
                new RouteSpec.Rewrite(null, "/api/partner"), null, false, null, false, List.of("apiKey"),
                new RouteSpec.Acl(List.of("partners"), List.of()), false));
        routes.add(dashboard(routes.size()));
        ServerSettings server = new ServerSettings(host, port, Limits.DEFAULT, 0, DRAIN);
        AdminSettings admin = new AdminSettings(true, "127.0.0.1", adminPort, null);
        List<ConsumerSpec> consumers = List.of(new ConsumerSpec("demo-partner", List.of("partners"), PARTNER_PLAN,
                List.of(sha256(PARTNER_KEY)), List.of()));
        Map<String, PlanSpec> plans = Map.of(PARTNER_PLAN, new PlanSpec(PARTNER_PLAN,
                List.of(new RateLimitSpec(20, Duration.ofSeconds(1), 20,
                        List.of(new RateLimitSpec.KeyPart(RateLimitSpec.KeyPart.Kind.CONSUMER, null)))),
                new PlanSpec.Quota(10_000, PlanSpec.Period.DAY, 1),
                new PlanSpec.Price(new java.math.BigDecimal("0.01"), "USD", null),
                PlanSpec.Overage.BLOCK, PlanSpec.BillOn.REACHED));
        List<ClientProfileSpec> clients = List.of(
                new ClientProfileSpec(MOBILE, Map.of("x-client", MOBILE), null, null, Map.of()));
        return new GatewayConfig(null, server, admin, new StorageSettings(dataDir), ObserveSettings.DEFAULT, services,
                routes, consumers, AuthSettings.DEFAULT, plans, ClusterSettings.NONE, clients, AlertSettings.NONE);
    }

    static final String MOBILE = "mobile";

    /** {@code config} with an HTTPS listener on {@code host:tlsPort} serving {@code cert}. */
    public static GatewayConfig withTls(GatewayConfig config, int tlsPort, DemoCertificate cert) {
        ServerSettings s = config.server();
        io.turnpike.config.TlsSettings tls = new io.turnpike.config.TlsSettings(s.host(), tlsPort,
                List.of(new io.turnpike.config.TlsSettings.Certificate(cert.certFile(), cert.keyFile(), List.of())), 0,
                null, null, null, false);
        return new GatewayConfig(config.source(), new ServerSettings(s.host(), s.port(), s.limits(), s.eventLoops(),
                s.drainTimeout(), s.trustedProxies(), tls, true), config.admin(), config.storage(), config.observe(),
                config.services(), config.routes(), config.consumers(), config.auth(), config.plans(), config.cluster(),
                config.clients(), config.alerts());
    }

    /**
     * One call in, three out: the user, their orders (optional, 800 ms) and the catalog's
     * recommendations for the user's segment, which wait for the user.
     */
    private static RouteSpec dashboard(int index) {
        Map<String, AggregateSpec.Call> calls = new LinkedHashMap<>();
        calls.put("profile", new AggregateSpec.Call("profile", "users", "/users/{userId}", "GET", null, null, false,
                null, List.of(), null, List.of()));
        calls.put("orders", new AggregateSpec.Call("orders", "orders", "/orders?user={userId}", "GET", null,
                Duration.ofMillis(800), true, "/orders", List.of(), null, List.of()));
        calls.put("recs", new AggregateSpec.Call("recs", "catalog", "/recommendations/{profile.segment}", "GET", null,
                null, true, "/items", List.of(), null, List.of("profile")));
        return new RouteSpec("dashboard", index,
                new RouteSpec.Match(List.of(), "/api/dashboard/{userId}", List.of("GET"), Map.of()), null,
                RouteSpec.Rewrite.NONE, null, false, null, false, List.of(), null, false,
                io.turnpike.config.RoutePolicies.NONE, List.of(), 1, null,
                new AggregateSpec(calls, AggregateSpec.Merge.GROUP, List.of(), Duration.ofSeconds(2),
                        AggregateSpec.DEFAULT_MAX_BODY));
    }

    /** The demo partner's API key: public, like everything in the demo. */
    public static final String PARTNER_KEY = "demo-partner-key-not-a-secret";
    /** The demo partner's plan: 20 calls/s, 10,000 per day, 0.01 USD a call. */
    static final String PARTNER_PLAN = "partner";

    private static String sha256(String key) {
        try {
            return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                    .digest(key.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static ServiceSpec service(String id, List<Integer> nodePorts) {
        List<NodeSpec> nodes = nodePorts.stream()
                .map(p -> new NodeSpec("http://127.0.0.1:" + p, "127.0.0.1", p, 1))
                .toList();
        return new ServiceSpec(id, nodes, "round-robin", ServiceSpec.Timeouts.DEFAULT, ServiceSpec.Pool.DEFAULT);
    }

    private static void route(List<RouteSpec> routes, String id, String path, List<String> methods,
                              String service, RouteSpec.Rewrite rewrite) {
        RouteSpec.Match match = new RouteSpec.Match(List.of(), path, methods, Map.of());
        routes.add(new RouteSpec(id, routes.size(), match, service, rewrite, null));
    }

    /**
     * The config as YAML in the shape docs/CONFIG.md describes. Covers what {@link #build} sets;
     * everything else is left to the loader's defaults.
     */
    public static String yaml(GatewayConfig config) {
        StringBuilder y = new StringBuilder();
        y.append("# Turnpike demo config. The sample services' ports are chosen when the demo starts,\n")
         .append("# so this file works while that demo process runs.\n");
        ServerSettings server = config.server();
        y.append("server:\n")
         .append("  listen: ").append(server.host()).append(':').append(server.port()).append('\n')
         .append("  drainTimeout: ").append(duration(server.drainTimeout())).append('\n');
        if (server.tls() != null) {
            io.turnpike.config.TlsSettings tls = server.tls();
            y.append("  tls:                   # HTTPS with a certificate made when the demo started\n")
             .append("    listen: ").append(tls.host()).append(':').append(tls.port()).append('\n')
             .append("    certificates:\n");
            for (io.turnpike.config.TlsSettings.Certificate c : tls.certificates()) {
                y.append("      - { cert: \"").append(c.cert().toString().replace("\\", "/"))
                 .append("\", key: \"").append(c.key().toString().replace("\\", "/")).append("\" }\n");
            }
        }
        y.append('\n');
        AdminSettings admin = config.admin();
        y.append("admin:                   # no token: the admin API is reachable from this machine only\n")
         .append("  listen: ").append(admin.enabled() ? admin.host() + ":" + admin.port() : "off").append('\n')
         .append("storage:\n")
         .append("  dataDir: \"").append(config.storage().dataDir().toString().replace("\\", "/")).append("\"\n\n");
        y.append("services:\n");
        for (ServiceSpec service : inRouteOrder(config)) {
            y.append("  ").append(service.id()).append(":\n")
             .append("    loadBalancer: ").append(service.loadBalancer()).append('\n')
             .append("    nodes:\n");
            for (NodeSpec node : service.nodes()) {
                y.append("      - ").append(node.url()).append('\n');
            }
        }
        if (!config.plans().isEmpty()) {
            y.append("\nplans:                   # rate limits, quotas and prices of consumers\n");
            for (PlanSpec plan : config.plans().values()) {
                y.append("  ").append(plan.id()).append(": { rateLimit: [")
                 .append(String.join(", ", plan.rateLimits().stream().map(RateLimitSpec::rate).toList())).append(']');
                if (plan.quota() != null) {
                    y.append(", quota: ").append(plan.quota().units()).append('/')
                     .append(plan.quota().period().name().toLowerCase(java.util.Locale.ROOT));
                }
                if (plan.price() != null) {
                    y.append(", price: { perUnit: \"").append(plan.price().perUnit().toPlainString())
                     .append("\", currency: ").append(plan.price().currency()).append(" }");
                }
                y.append(" }\n");
            }
        }
        if (!config.consumers().isEmpty()) {
            y.append("\nconsumers:\n");
            for (ConsumerSpec c : config.consumers()) {
                y.append("  - id: ").append(c.id()).append('\n')
                 .append("    groups: [").append(String.join(", ", c.groups())).append("]\n");
                if (c.plan() != null) y.append("    plan: ").append(c.plan()).append('\n');
                y.append("    credentials:\n");
                for (String digest : c.apiKeyDigests()) {
                    y.append("      - apiKeyHash: \"sha256:").append(digest).append("\"\n");
                }
            }
        }
        if (!config.clients().isEmpty()) {
            y.append("\nclients:                 # client profiles, first match wins\n");
            for (ClientProfileSpec c : config.clients()) {
                y.append("  ").append(c.name()).append(": { when: { header: { ");
                List<String> pairs = new ArrayList<>();
                c.headers().forEach((h, v) -> pairs.add(h + ": " + v));
                y.append(String.join(", ", pairs)).append(" } } }\n");
            }
        }
        y.append("\nroutes:\n");
        for (RouteSpec route : config.routes()) {
            RouteSpec.Match match = route.match();
            y.append("  - id: ").append(route.id()).append('\n')
             .append("    match: { path: \"").append(match.path()).append('"');
            if (!match.methods().isEmpty()) {
                y.append(", methods: [").append(String.join(", ", match.methods())).append(']');
            }
            y.append(" }\n");
            if (route.service() != null) y.append("    service: ").append(route.service()).append('\n');
            aggregateYaml(y, route.aggregate());
            transformYaml(y, route.transform());
            RouteSpec.Rewrite rewrite = route.rewrite();
            if (rewrite.path() != null) {
                y.append("    rewrite: { path: \"").append(rewrite.path()).append("\" }\n");
            } else if (rewrite.stripPrefix() != null) {
                y.append("    rewrite: { stripPrefix: ").append(rewrite.stripPrefix()).append(" }\n");
            }
            if (!route.auth().isEmpty()) {
                y.append("    auth: [").append(String.join(", ", route.auth())).append("]\n");
            }
            if (route.acl() != null) {
                y.append("    acl: { allow: [").append(String.join(", ", route.acl().allow())).append("] }\n");
            }
        }
        return y.toString();
    }

    private static void aggregateYaml(StringBuilder y, AggregateSpec a) {
        if (a == null) return;
        y.append("    aggregate:\n      calls:\n");
        a.calls().forEach((name, c) -> {
            y.append("        ").append(name).append(": { service: ").append(c.service())
             .append(", path: \"").append(c.path()).append('"');
            if (c.timeout() != null) y.append(", timeout: ").append(duration(c.timeout()));
            if (c.optional()) y.append(", optional: true");
            if (c.select() != null) y.append(", select: ").append(c.select());
            y.append(" }\n");
        });
        y.append("      merge: ").append(a.merge().name().toLowerCase(java.util.Locale.ROOT)).append('\n')
         .append("      timeout: ").append(duration(a.timeout())).append('\n');
    }

    private static void transformYaml(StringBuilder y, TransformSpec t) {
        if (t == null) return;
        y.append("    transform:\n");
        t.byProfile().forEach((profile, pt) -> {
            if (pt.response() == null) return;
            y.append("      ").append(profile).append(": { response: { keep: [")
             .append(String.join(", ", pt.response().keep())).append("] } }\n");
        });
    }

    /** Services in the order routes first name them (the config's map keeps no order), then the rest. */
    private static List<ServiceSpec> inRouteOrder(GatewayConfig config) {
        Map<String, ServiceSpec> ordered = new LinkedHashMap<>();
        config.routes().forEach(r -> {
            if (r.service() == null) return;
            ServiceSpec s = config.services().get(r.service());
            if (s != null) ordered.putIfAbsent(s.id(), s);
        });
        config.services().values().stream()
                .sorted(Comparator.comparing(ServiceSpec::id))
                .forEach(s -> ordered.putIfAbsent(s.id(), s));
        return List.copyOf(ordered.values());
    }

    private static String duration(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + "s" : d.toMillis() + "ms";
    }
}
