package io.turnpike.demo;

import io.turnpike.config.AdminSettings;
import io.turnpike.config.AuthSettings;
import io.turnpike.config.ConsumerSpec;
import io.turnpike.config.GatewayConfig;
import io.turnpike.config.ObserveSettings;
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
        route(routes, "users-read", "/api/users/{id}", List.of("GET"), "users",
                new RouteSpec.Rewrite("/users/{id}", null));
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
        ServerSettings server = new ServerSettings(host, port, Limits.DEFAULT, 0, DRAIN);
        AdminSettings admin = new AdminSettings(true, "127.0.0.1", adminPort, null);
        List<ConsumerSpec> consumers = List.of(new ConsumerSpec("demo-partner", List.of("partners"), null,
                List.of(sha256(PARTNER_KEY)), List.of()));
        return new GatewayConfig(null, server, admin, new StorageSettings(dataDir), ObserveSettings.DEFAULT, services,
                routes, consumers, AuthSettings.DEFAULT);
    }

    /** The demo partner's API key: public, like everything in the demo. */
    public static final String PARTNER_KEY = "demo-partner-key-not-a-secret";

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
         .append("  drainTimeout: ").append(duration(server.drainTimeout())).append("\n\n");
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
        if (!config.consumers().isEmpty()) {
            y.append("\nconsumers:\n");
            for (ConsumerSpec c : config.consumers()) {
                y.append("  - id: ").append(c.id()).append('\n')
                 .append("    groups: [").append(String.join(", ", c.groups())).append("]\n")
                 .append("    credentials:\n");
                for (String digest : c.apiKeyDigests()) {
                    y.append("      - apiKeyHash: \"sha256:").append(digest).append("\"\n");
                }
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
            y.append(" }\n")
             .append("    service: ").append(route.service()).append('\n');
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

    /** Services in the order routes first name them (the config's map keeps no order), then the rest. */
    private static List<ServiceSpec> inRouteOrder(GatewayConfig config) {
        Map<String, ServiceSpec> ordered = new LinkedHashMap<>();
        config.routes().forEach(r -> {
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
