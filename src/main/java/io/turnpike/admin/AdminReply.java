package io.turnpike.admin;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.turnpike.config.Problem;
import java.util.List;
import java.util.Map;

/**
 * One admin API answer before it becomes an HTTP response. Errors are RFC 9457
 * problem+json with a stable {@code type} per kind, like the gateway's own.
 *
 * @param headers extra headers, e.g. {@code Allow} or {@code WWW-Authenticate}
 */
record AdminReply(HttpResponseStatus status, String contentType, String body, Map<String, String> headers) {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String TYPE_BASE = "https://turnpike.dev/problems/";
    static final String PROBLEM_JSON = "application/problem+json";

    static AdminReply json(HttpResponseStatus status, JsonNode body) {
        return new AdminReply(status, "application/json", write(body), Map.of());
    }

    static AdminReply ok(JsonNode body) {
        return json(HttpResponseStatus.OK, body);
    }

    static AdminReply text(String contentType, String body) {
        return new AdminReply(HttpResponseStatus.OK, contentType, body, Map.of());
    }

    static AdminReply noContent() {
        return new AdminReply(HttpResponseStatus.NO_CONTENT, null, "", Map.of());
    }

    /** @param slug the stable part of the {@code type} URI, e.g. {@code unauthorized} */
    static AdminReply problem(HttpResponseStatus status, String slug, String title, String detail) {
        return new AdminReply(status, PROBLEM_JSON, write(problemBody(status, slug, title, detail)), Map.of());
    }

    /** A rejected config or change: every problem as {@code source:line:col: path: message}. */
    static AdminReply invalid(String detail, List<Problem> problems) {
        ObjectNode body = problemBody(HttpResponseStatus.BAD_REQUEST, "invalid-config", "Invalid config", detail);
        problems.forEach(p -> body.withArray("problems").add(p.toString()));
        return new AdminReply(HttpResponseStatus.BAD_REQUEST, PROBLEM_JSON, write(body), Map.of());
    }

    AdminReply withHeader(String name, String value) {
        Map<String, String> h = new java.util.LinkedHashMap<>(headers);
        h.put(name, value);
        return new AdminReply(status, contentType, body, Map.copyOf(h));
    }

    private static ObjectNode problemBody(HttpResponseStatus status, String slug, String title, String detail) {
        ObjectNode o = JSON.createObjectNode();
        o.put("type", TYPE_BASE + slug);
        o.put("title", title);
        o.put("status", status.code());
        o.put("detail", detail);
        return o;
    }

    static String write(JsonNode node) {
        try {
            return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(node) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a JsonNode always serializes", e);
        }
    }
}
