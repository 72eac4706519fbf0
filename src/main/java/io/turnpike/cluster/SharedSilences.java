package io.turnpike.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.turnpike.observe.alert.AlertEngine;
import java.io.IOException;
import java.time.Instant;

/**
 * An alert silence shared by the fleet: key = the rule's name, body {@code {"until": "<instant>"}}.
 * The end is an instant, not a duration, so a node that applies it late (or restarts from its
 * copy) silences until the same moment as the others.
 */
public final class SharedSilences {
    public static final String KIND = "silence";
    private static final ObjectMapper JSON = new ObjectMapper();

    private SharedSilences() {}

    public static String body(Instant until) {
        return JSON.createObjectNode().put("until", until.toString()).toString();
    }

    /** Gives the silence to this node's alert engine; null when done (or nothing to do), else why not. */
    static String apply(AlertEngine alerts, StoreChange c) {
        if (alerts == null) return null;
        Instant until;
        try {
            JsonNode o = c.body() == null ? null : JSON.readTree(c.body());
            until = o == null ? Instant.EPOCH : Instant.parse(o.path("until").asText());
        } catch (IOException | RuntimeException e) {
            return "silence " + c.key() + ": not {\"until\": \"<instant>\"}";
        }
        return alerts.silenceUntil(c.key(), until) ? null : "silence " + c.key() + ": no such alert rule on this node";
    }
}
