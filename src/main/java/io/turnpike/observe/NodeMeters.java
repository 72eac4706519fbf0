package io.turnpike.observe;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.turnpike.upstream.Node;
import java.util.List;

/**
 * The gauges of one node, read from the node's own counters at scrape time. They are registered
 * while a snapshot lists the node and removed when a reload drops it, so a scrape never shows a
 * node the gateway no longer sends to.
 */
final class NodeMeters {
    private final MeterRegistry registry;
    private final List<Meter> meters;

    NodeMeters(MeterRegistry registry, Node node) {
        this.registry = registry;
        Tags tags = Tags.of("service", node.serviceId(), "node", node.key());
        // The gauges hold the node weakly; the registry's list below keeps the removal exact.
        this.meters = List.of(
                Gauge.builder("turnpike.node.in.flight", node, Node::inFlight)
                        .description("Requests being served by the node now")
                        .tags(tags).register(registry),
                FunctionCounter.builder("turnpike.node.requests", node, Node::requests)
                        .description("Requests sent to the node, including failed connection attempts")
                        .tags(tags).register(registry),
                FunctionCounter.builder("turnpike.node.failures", node, Node::failures)
                        .description("Requests to the node that failed: refused, broken or timed out")
                        .tags(tags).register(registry),
                Gauge.builder("turnpike.node.connections", node, Node::openConnections)
                        .description("Pooled upstream connections to the node, by state")
                        .tags(tags).tag("state", "open").register(registry),
                Gauge.builder("turnpike.node.connections", node, Node::idleConnections)
                        .description("Pooled upstream connections to the node, by state")
                        .tags(tags).tag("state", "idle").register(registry),
                Gauge.builder("turnpike.node.latency.ewma", node, NodeMeters::latencySeconds)
                        .description("Peak-sensitive moving average of the node's response time "
                                + "(the balancers' estimate; fades over ~10 s)")
                        .baseUnit("seconds").tags(tags).register(registry));
    }

    /** The node's own average (the one its balancer uses); NaN before its first response. */
    private static double latencySeconds(Node node) {
        double nanos = node.stats().ewmaTotalNanos();
        return nanos == 0 ? Double.NaN : nanos / 1e9;
    }

    void remove() {
        meters.forEach(registry::remove);
    }
}
