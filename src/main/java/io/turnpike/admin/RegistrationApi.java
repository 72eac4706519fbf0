package io.turnpike.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.turnpike.cluster.Fleet;
import io.turnpike.cluster.StoreDown;
import io.turnpike.server.Gateway;
import io.turnpike.upstream.discovery.Discovery;

/**
 * {@code /admin/services/{id}/registrations}: nodes registering themselves, heartbeating by
 * registering again within the service's {@code registration.ttl}, and leaving.
 */
final class RegistrationApi {
    private final Gateway gateway;
    private final Fleet fleet; // null: one node

    RegistrationApi(Gateway gateway, Fleet fleet) {
        this.gateway = gateway;
        this.fleet = fleet;
    }

    AdminReply list(String serviceId) {
        Discovery d = gateway.discovery();
        if (!d.acceptsRegistrations(serviceId)) return notAccepted(serviceId);
        ArrayNode out = AdminReply.JSON.createArrayNode();
        long now = System.nanoTime();
        d.registrations(serviceId).values().forEach(r -> out.add(describe(r, now)));
        return AdminReply.ok(out);
    }

    /** Body {@code {"url": "http://host:port", "weight": 1}}; registering again is the heartbeat. */
    AdminReply register(String serviceId, String body) {
        Discovery d = gateway.discovery();
        if (!d.acceptsRegistrations(serviceId)) return notAccepted(serviceId);
        JsonNode req;
        try {
            req = AdminReply.JSON.readTree(body == null ? "" : body);
        } catch (Exception e) {
            req = null;
        }
        if (req == null || !req.path("url").isTextual()) {
            return AdminReply.problem(HttpResponseStatus.BAD_REQUEST, "bad-registration", "Bad registration",
                    "expected a JSON body like {\"url\": \"http://10.0.0.7:8080\", \"weight\": 1}");
        }
        try {
            if (fleet == null) {
                Discovery.Registration r = d.register(serviceId, req.get("url").asText(), req.path("weight").asInt(1));
                return AdminReply.ok(describe(r, System.nanoTime()));
            }
            // In a fleet the registration (and each heartbeat) goes through the store, so every gateway sends to the node.
            Discovery.Registration r = d.parse(serviceId, req.get("url").asText(), req.path("weight").asInt(1));
            fleet.register(serviceId, r, d.registrationTtl(serviceId).toMillis());
            Discovery.Registration kept = d.registrations(serviceId).get(r.host() + ":" + r.port());
            return AdminReply.ok(describe(kept != null ? kept : r, System.nanoTime()));
        } catch (IllegalArgumentException e) {
            return AdminReply.problem(HttpResponseStatus.BAD_REQUEST, "bad-registration", "Bad registration",
                    "url: " + e.getMessage());
        } catch (StoreDown e) {
            return EntityWrites.storeDown(fleet, e);
        }
    }

    /** Idempotent: a node that is not registered (any more) is as good as deregistered. */
    AdminReply deregister(String serviceId, String hostPort) {
        Discovery d = gateway.discovery();
        if (!d.acceptsRegistrations(serviceId)) return notAccepted(serviceId);
        if (fleet == null) {
            d.deregister(serviceId, hostPort);
            return AdminReply.noContent();
        }
        try {
            fleet.deregister(serviceId, hostPort);
        } catch (StoreDown e) {
            return EntityWrites.storeDown(fleet, e);
        }
        return AdminReply.noContent();
    }

    private static ObjectNode describe(Discovery.Registration r, long now) {
        return AdminReply.JSON.createObjectNode()
                .put("url", r.url())
                .put("weight", r.weight())
                .put("expiresInMs", Math.max(0, (r.expiresAtNanos() - now) / 1_000_000));
    }

    private static AdminReply notAccepted(String serviceId) {
        return AdminReply.problem(HttpResponseStatus.NOT_FOUND, "not-found", "Not found",
                "service " + serviceId + " does not take registrations (expected: registration: { ttl: 30s } on it)");
    }
}
