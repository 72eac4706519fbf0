package io.turnpike.config;

import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A validated gateway configuration: what the YAML file says, with defaults filled in.
 * Immutable; the server compiles it into a running snapshot.
 *
 * @param source   the file it came from (null when built in code or from text)
 * @param services services by id, in file order
 * @param routes   routes in file order
 */
public record GatewayConfig(Path source, ServerSettings server, Map<String, ServiceSpec> services,
                            List<RouteSpec> routes) {
    public GatewayConfig {
        // Not Map.copyOf: it would lose the file order promised above.
        services = Collections.unmodifiableMap(new LinkedHashMap<>(services));
        routes = List.copyOf(routes);
    }
}
