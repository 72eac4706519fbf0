package io.turnpike.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.turnpike.server.Gateway;
import io.turnpike.upstream.discovery.Discovery;

/**
 * {@code /admin/services/{id}/registrations}: nodes registering themselves, heartbeating by
 * registering again within the service's {@code registration.ttl}, and leaving.
 */
final class RegistrationApi {
    private final Gateway gateway;

    RegistrationApi(Gateway gateway) {
        this.gateway = gateway;
    }

    Answer list(String serviceId) {
        Discovery d = gateway.discovery();
        if (!d.acceptsRegistrations(serviceId)) return notAccepted(serviceId);
        ArrayNode out = Answer.JSON.createArrayNode();
        long now = System.nanoTime();
        d.registrations(serviceId).values().forEach(r -> out.add(describe(r, now)));
        return Answer.ok(out);
    }

    /** Body {@code {"url": "http://host:port", "weight": 1}}; registering again is the heartbeat. */
    Answer register(String serviceId, String body) {
        Discovery d = gateway.discovery();
        if (!d.acceptsRegistrations(serviceId)) return notAccepted(serviceId);
        JsonNode req;
        try {
            req = Answer.JSON.readTree(body == null ? "" : body);
        } catch (Exception e) {
            req = null;
        }
        if (req == null || !req.path("url").isTextual()) {
            return Answer.problem(HttpResponseStatus.BAD_REQUEST, "bad-registration", "Bad registration",
                    "expected a JSON body like {\"url\": \"http://10.0.0.7:8080\", \"weight\": 1}");
        }
        try {
            Discovery.Registration r = d.register(serviceId, req.get("url").asText(), req.path("weight").asInt(1));
            return Answer.ok(describe(r, System.nanoTime()));
        } catch (IllegalArgumentException e) {
            return Answer.problem(HttpResponseStatus.BAD_REQUEST, "bad-registration", "Bad registration",
                    "url: " + e.getMessage());
        }
    }

    /** Idempotent: a node that is not registered (any more) is as good as deregistered. */
    Answer deregister(String serviceId, String hostPort) {
        Discovery d = gateway.discovery();
        if (!d.acceptsRegistrations(serviceId)) return notAccepted(serviceId);
        d.deregister(serviceId, hostPort);
        return Answer.noContent();
    }

    private static ObjectNode describe(Discovery.Registration r, long now) {
        return Answer.JSON.createObjectNode()
                .put("url", r.url())
                .put("weight", r.weight())
                .put("expiresInMs", Math.max(0, (r.expiresAtNanos() - now) / 1_000_000));
    }

    private static Answer notAccepted(String serviceId) {
        return Answer.problem(HttpResponseStatus.NOT_FOUND, "not-found", "Not found",
                "service " + serviceId + " does not take registrations (expected: registration: { ttl: 30s } on it)");
    }
}
