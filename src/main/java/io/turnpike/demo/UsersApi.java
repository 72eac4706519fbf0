package io.turnpike.demo;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/** {@code GET /users}, {@code GET /users/{id}}, {@code POST /users}. */
final class UsersApi implements SampleApi {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_FIELD = 100;

    private static final List<Map<String, Object>> USERS = List.of(
            user(1, "Ada Lovelace", "pro"),
            user(2, "Alan Turing", "free"),
            user(3, "Grace Hopper", "pro"));

    // Shared by every node in the process so two nodes never hand out the same id.
    private static final AtomicLong NEXT_ID = new AtomicLong(100);

    @Override
    public SampleReply handle(String method, String path, Map<String, List<String>> query, String body) {
        if (path.equals("/users")) {
            return switch (method) {
                case "GET" -> SampleReply.ok(SampleReply.object("users", USERS));
                case "POST" -> create(body);
                default -> SampleReply.methodNotAllowed("GET, POST");
            };
        }
        String id = SampleApi.segmentAfter(path, "/users/");
        if (id == null) return null;
        if (!method.equals("GET")) return SampleReply.methodNotAllowed("GET");
        return USERS.stream()
                .filter(u -> String.valueOf(u.get("id")).equals(id))
                .findFirst()
                .map(u -> SampleReply.ok(new LinkedHashMap<>(u)))
                .orElseGet(() -> SampleReply.error(404, "no user " + id));
    }

    /** Echoes back only the fields a user has, never the rest of what was sent. */
    private static SampleReply create(String body) {
        JsonNode in;
        try {
            in = JSON.readTree(body);
        } catch (JacksonException e) {
            return SampleReply.error(400, "body must be JSON");
        }
        if (in == null || !in.path("name").isTextual()) {
            return SampleReply.error(400, "body must be a JSON object with a \"name\"");
        }
        String name = clip(in.path("name").asText());
        String segment = clip(in.path("segment").asText("free"));
        return SampleReply.created(user(NEXT_ID.incrementAndGet(), name, segment));
    }

    private static String clip(String s) {
        return s.length() <= MAX_FIELD ? s : s.substring(0, MAX_FIELD);
    }

    private static Map<String, Object> user(long id, String name, String segment) {
        Map<String, Object> u = new LinkedHashMap<>();
        u.put("id", id);
        u.put("name", name);
        u.put("segment", segment);
        return u;
    }
}
