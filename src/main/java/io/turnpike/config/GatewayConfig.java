package io.turnpike.config;

import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A validated gateway configuration: what the YAML file says (with admin changes applied), with
 * defaults filled in. Immutable; the server compiles it into a running snapshot.
 *
 * @param source   the file it came from (null when built in code or from text)
 * @param admin    the admin listener; {@link AdminSettings#OFF} for configs built in code
 * @param storage  where admin changes persist
 * @param observe  access log and tracing
 * @param services services by id, in file order
 * @param routes   routes in file order
 * @param consumers the callers the gateway knows, with their credentials (digests only)
 * @param auth     how credentials are read
 * @param plans    plans by id: rate limits, quotas and prices
 * @param cluster  the shared state of a fleet (Redis); {@link ClusterSettings#NONE} for one node
 * @param clients  client profiles in file order (first match wins); empty = no profiles
 * @param alerts   alert channels and rules; {@link AlertSettings#NONE} when there are none
 */
public record GatewayConfig(Path source, ServerSettings server, AdminSettings admin, StorageSettings storage,
                            ObserveSettings observe, Map<String, ServiceSpec> services, List<RouteSpec> routes,
                            List<ConsumerSpec> consumers, AuthSettings auth, Map<String, PlanSpec> plans,
                            ClusterSettings cluster, List<ClientProfileSpec> clients, AlertSettings alerts) {
    public GatewayConfig {
        clients = clients == null ? List.of() : List.copyOf(clients);
        if (alerts == null) alerts = AlertSettings.NONE;
        plans = Collections.unmodifiableMap(new LinkedHashMap<>(plans));
        if (cluster == null) cluster = ClusterSettings.NONE;
        consumers = List.copyOf(consumers);
        // Not Map.copyOf: it would lose the file order promised above.
        services = Collections.unmodifiableMap(new LinkedHashMap<>(services));
        routes = List.copyOf(routes);
    }

    public GatewayConfig(Path source, ServerSettings server, AdminSettings admin, StorageSettings storage,
                         ObserveSettings observe, Map<String, ServiceSpec> services, List<RouteSpec> routes,
                         List<ConsumerSpec> consumers, AuthSettings auth, Map<String, PlanSpec> plans,
                         ClusterSettings cluster) {
        this(source, server, admin, storage, observe, services, routes, consumers, auth, plans, cluster, List.of(),
                AlertSettings.NONE);
    }

    /** A config built in code: no admin listener, default storage, default observation. */
    public GatewayConfig(Path source, ServerSettings server, Map<String, ServiceSpec> services, List<RouteSpec> routes) {
        this(source, server, AdminSettings.OFF, StorageSettings.DEFAULT, ObserveSettings.DEFAULT, services, routes);
    }

    public GatewayConfig(Path source, ServerSettings server, AdminSettings admin, StorageSettings storage,
                         Map<String, ServiceSpec> services, List<RouteSpec> routes) {
        this(source, server, admin, storage, ObserveSettings.DEFAULT, services, routes);
    }

    public GatewayConfig(Path source, ServerSettings server, AdminSettings admin, StorageSettings storage,
                         ObserveSettings observe, Map<String, ServiceSpec> services, List<RouteSpec> routes) {
        this(source, server, admin, storage, observe, services, routes, List.of(), AuthSettings.DEFAULT);
    }

    public GatewayConfig(Path source, ServerSettings server, AdminSettings admin, StorageSettings storage,
                         ObserveSettings observe, Map<String, ServiceSpec> services, List<RouteSpec> routes,
                         List<ConsumerSpec> consumers, AuthSettings auth) {
        this(source, server, admin, storage, observe, services, routes, consumers, auth, Map.of(), ClusterSettings.NONE);
    }

    GatewayConfig withSource(Path file) {
        // Certificate paths are written relative to the config file's folder.
        Path folder = file.toAbsolutePath().getParent();
        ServerSettings resolved = folder == null ? server : server.resolvedAgainst(folder);
        return new GatewayConfig(file, resolved, admin, storage, observe, servicesNextTo(file), routes, consumers, auth,
                plans, cluster, clients, alerts);
    }

    /** Services whose TLS files, when relative, are the config file's neighbours. */
    private Map<String, ServiceSpec> servicesNextTo(Path file) {
        Path folder = file.toAbsolutePath().getParent();
        Map<String, ServiceSpec> out = new LinkedHashMap<>();
        services.forEach((id, s) -> out.put(id, s.tls() == null ? s : new ServiceSpec(s.id(), s.nodes(),
                s.loadBalancer(), s.timeouts(), s.pool(), s.priority(), s.healthCheck(), s.outlierDetection(),
                s.circuitBreaker(), s.retries(), s.discovery(), s.tls().resolvedAgainst(folder), s.protocol())));
        return out;
    }

    /** {@code 3 services, 6 nodes, 5 routes}: what a log line or a validation answer says about it. */
    public String summary() {
        int nodes = services.values().stream().mapToInt(s -> s.nodes().size()).sum();
        return services.size() + " services, " + nodes + " nodes, " + routes.size() + " routes";
    }
}
