package io.turnpike.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.turnpike.server.Gateway;
import io.turnpike.upstream.Node;
import io.turnpike.upstream.Service;
import io.turnpike.upstream.breaker.CircuitBreaker;
import java.io.IOException;

/**
 * An operator's circuit order shared by the fleet, applied by each node to its own breaker. The
 * key is {@code service} (the service's breaker) or {@code service/host:port} (one node's).
 */
public final class CircuitOrders {
    public static final String KIND = "circuit";
    private static final ObjectMapper JSON = new ObjectMapper();

    private CircuitOrders() {}

    /** The store key of the breaker of a service ({@code nodeKey} null) or of one of its nodes. */
    public static String key(String serviceId, String nodeKey) {
        return nodeKey == null ? serviceId : serviceId + "/" + nodeKey;
    }

    /** The breaker a key names on this node, or null. */
    public static CircuitBreaker find(Gateway gateway, String key) {
        int slash = key.indexOf('/');
        String serviceId = slash < 0 ? key : key.substring(0, slash);
        Service s = gateway.snapshot().services().get(serviceId);
        if (s == null) return null;
        if (slash < 0) return s.guard().breaker().circuit();
        String nodeKey = key.substring(slash + 1);
        for (Node n : s.nodes()) {
            if (n.key().equals(nodeKey)) return n.health().breaker();
        }
        return null;
    }

    /** The order as stored: {@code {state, reason, who, at}}. */
    public static String body(CircuitBreaker.Manual manual, String reason, String who) {
        return JSON.createObjectNode().put("state", manual.name().toLowerCase(java.util.Locale.ROOT)).put("reason", reason)
                .put("who", who).put("at", java.time.Instant.now().toString()).toString();
    }

    /** Gives the order to this node's breaker; null when done, else why not (one line). */
    static String apply(Gateway gateway, StoreChange order) {
        CircuitBreaker b = find(gateway, order.key());
        if (b == null) return "circuit " + order.key() + ": no such service or node on this node";
        if (order.body() == null) {
            b.override(CircuitBreaker.Manual.AUTO, "fleet", "order withdrawn");
            return null;
        }
        JsonNode o;
        try {
            o = JSON.readTree(order.body());
        } catch (IOException e) {
            return "circuit " + order.key() + ": the order is not JSON";
        }
        CircuitBreaker.Manual manual = CircuitBreaker.Manual.parse(o.path("state").asText(null));
        if (manual == null) return "circuit " + order.key() + ": unknown state " + o.path("state");
        b.override(manual, o.path("who").asText("fleet"), o.path("reason").asText("no reason given"));
        return null;
    }
}
