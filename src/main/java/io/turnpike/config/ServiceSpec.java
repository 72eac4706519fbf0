package io.turnpike.config;

import java.time.Duration;
import java.util.List;

/**
 * A backend service ({@code services.<id>:}): its nodes and how to talk to them.
 *
 * @param loadBalancer balancer name; only {@code round-robin} exists in this version
 */
public record ServiceSpec(String id, List<NodeSpec> nodes, String loadBalancer, Timeouts timeouts, Pool pool) {
    public ServiceSpec {
        nodes = List.copyOf(nodes);
    }

    /**
     * @param connect  TCP connect to a node; past it the next node is tried, else 502
     * @param request  from sending the request to the whole response received; past it 504
     * @param idle     no bytes from the node for this long while a response is awaited; 504
     */
    public record Timeouts(Duration connect, Duration request, Duration idle) {
        public static final Timeouts DEFAULT =
                new Timeouts(Duration.ofSeconds(1), Duration.ofSeconds(30), Duration.ofSeconds(30));
    }

    /**
     * Upstream connection pool, per event loop and node.
     *
     * @param maxPerNode   connections to one node from one event loop (in use + idle)
     * @param idleTimeout  an idle pooled connection is closed after this
     */
    public record Pool(int maxPerNode, Duration idleTimeout) {
        public static final Pool DEFAULT = new Pool(256, Duration.ofSeconds(60));
    }
}
