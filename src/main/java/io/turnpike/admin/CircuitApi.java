package io.turnpike.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.turnpike.cluster.CircuitOrders;
import io.turnpike.cluster.Fleet;
import io.turnpike.cluster.StoreDown;
import io.turnpike.server.Gateway;
import io.turnpike.upstream.Node;
import io.turnpike.upstream.NodeHealth;
import io.turnpike.upstream.Service;
import io.turnpike.upstream.breaker.CircuitBreaker;
import io.turnpike.upstream.breaker.CircuitEvent;

/**
 * The circuit endpoints: read a breaker, and an operator's open / closed / auto orders for a
 * service's breaker or one node's. On one node orders live in this process (they survive reloads
 * because breakers do); in a fleet they go through the shared store, every node gives them to its
 * own breaker, and they survive restarts in each node's copy.
 */
final class CircuitApi {
    private final Gateway gateway;
    private final Fleet fleet; // null: one node

    CircuitApi(Gateway gateway, Fleet fleet) {
        this.gateway = gateway;
        this.fleet = fleet;
    }

    /** GET: state, window counts, recent transitions. {@code nodeKey} null = the service's breaker. */
    AdminReply get(String serviceId, String nodeKey) {
        CircuitBreaker b = find(serviceId, nodeKey);
        return b == null ? missing(serviceId, nodeKey) : AdminReply.ok(describe(b, io.netty.util.concurrent.Ticker.systemTicker().nanoTime()));
    }

    /** PUT {"state":"open|closed|auto","reason":"..."}. */
    AdminReply put(String serviceId, String nodeKey, String body) {
        CircuitBreaker b = find(serviceId, nodeKey);
        if (b == null) return missing(serviceId, nodeKey);
        JsonNode req;
        try {
            req = body == null || body.isBlank() ? null : AdminReply.JSON.readTree(body);
        } catch (java.io.IOException e) {
            req = null;
        }
        String stateText = req != null && req.path("state").isTextual() ? req.path("state").asText() : null;
        CircuitBreaker.Manual manual = CircuitBreaker.Manual.parse(stateText);
        if (manual == null) {
            return AdminReply.problem(HttpResponseStatus.BAD_REQUEST, "bad-circuit-state", "Bad circuit state",
                    "state: " + (stateText == null ? "missing" : "\"" + stateText + "\"")
                            + " (expected: {\"state\": \"open|closed|auto\", \"reason\": \"...\"})");
        }
        String reason = req.path("reason").isTextual() && !req.path("reason").asText().isBlank()
                ? req.path("reason").asText().strip() : "no reason given";
        if (reason.length() > 200) reason = reason.substring(0, 200);
        if (fleet != null) {
            // Every node, this one included, applies the order when it comes back from the store.
            try {
                fleet.write(CircuitOrders.KIND, CircuitOrders.key(serviceId, nodeKey),
                        CircuitOrders.body(manual, reason, "admin@" + fleet.id()), null);
            } catch (StoreDown e) {
                return EntityWrites.storeDown(fleet, e);
            }
            return AdminReply.ok(describe(b, io.netty.util.concurrent.Ticker.systemTicker().nanoTime()));
        }
        b.override(manual, "admin", reason);
        return AdminReply.ok(describe(b, io.netty.util.concurrent.Ticker.systemTicker().nanoTime()));
    }

    private CircuitBreaker find(String serviceId, String nodeKey) {
        Service s = gateway.snapshot().services().get(serviceId);
        if (s == null) return null;
        if (nodeKey == null) return s.guard().breaker().circuit();
        for (Node n : s.nodes()) {
            if (n.key().equals(nodeKey)) return n.health().breaker();
        }
        return null;
    }

    private static AdminReply missing(String serviceId, String nodeKey) {
        return AdminReply.problem(HttpResponseStatus.NOT_FOUND, "not-found", "Not found", nodeKey == null
                ? "no service \"" + serviceId + "\" in the running config"
                : "no node \"" + nodeKey + "\" in service \"" + serviceId + "\" (expected: host:port as GET "
                        + "/admin/services/" + serviceId + "/nodes lists it)");
    }

    static ObjectNode describe(CircuitBreaker b, long now) {
        ObjectNode o = AdminReply.JSON.createObjectNode();
        o.put("state", b.state().label());
        o.put("traffic", b.state().effect());
        long until = b.openUntilNanos();
        if (until != 0) o.put("retryAfterMs", Math.max(0, (until - now) / 1_000_000));
        int[] w = b.windowCounts();
        o.putObject("window").put("calls", w[0]).put("failures", w[1]).put("slow", w[2]);
        var events = o.putArray("events");
        for (CircuitEvent e : b.events()) {
            events.addObject().put("at", e.at().toString()).put("from", e.from().label()).put("to", e.to().label())
                    .put("who", e.who()).put("reason", e.reason());
        }
        return o;
    }

    /** The health fields of one node in the nodes listing. */
    static void health(ObjectNode into, NodeHealth h, long now) {
        boolean ejected = h.ejected(now);
        into.put("health", h.checkedDown() ? "unhealthy" : ejected ? "ejected" : "healthy");
        if (ejected) {
            into.put("ejectedUntil", java.time.Instant.now().plusNanos(h.ejectedUntil() - now).toString());
        } else {
            into.putNull("ejectedUntil");
        }
        into.put("ejections", h.ejections());
        into.put("breaker", h.breaker() == null ? "closed" : h.breaker().state().label());
    }
}
