package io.turnpike.config;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Binds a route's {@code transform: { mobile: { response: { keep: [id, name] } }, default: {
 * request: { headers: { set: { X-Api-Version: "2" } } } } }}. Profile names must be declared
 * under {@code clients:} (or be {@code default}); field paths and templates are checked here.
 */
final class TransformSection {
    /** {@code id}, {@code user.name}, {@code items[].id}, {@code [].id} (a top-level array). */
    static final Pattern FIELD_PATH = Pattern.compile("(\\[]\\.)?[^.\\[\\]{}]+(\\[])?(\\.[^.\\[\\]{}]+(\\[])?)*");
    static final String EXPECTED_PATH = "a field path like id, user.name or items[].id";
    static final long DEFAULT_MAX_BODY = 1024 * 1024;
    private static final long MAX_BODY_LIMIT = 64L * 1024 * 1024;

    private TransformSection() {}

    static TransformSpec bind(ConfigNode node, Collection<String> profiles, Collection<String> routeVars) {
        if (!node.isPresent()) return null;
        if (!node.isMapping()) {
            node.expected("transforms by client profile like {mobile: {response: {keep: [id, name]}}, default: {...}}");
            return null;
        }
        Map<String, TransformSpec.ProfileTransform> out = new LinkedHashMap<>();
        node.entries().forEach((name, e) -> {
            if (!name.equals(ClientProfileSpec.DEFAULT) && !profiles.contains(name)) {
                node.problemAt(e.key().getStartMark(), "no client profile " + ConfigNode.quote(name) + " (expected: "
                        + (profiles.isEmpty() ? "default, or a profile declared under clients:"
                        : "default or one of the profiles: " + String.join(", ", profiles)) + ")");
                return;
            }
            ConfigNode p = e.value();
            if (!p.isMapping()) {
                p.expected("a transform like {request: {...}, response: {...}}");
                return;
            }
            p.checkKeys(List.of("request", "response"), Map.of());
            out.put(name, new TransformSpec.ProfileTransform(request(p.get("request"), routeVars),
                    response(p.get("response"), routeVars)));
        });
        return out.isEmpty() ? null : new TransformSpec(out);
    }

    private static TransformSpec.Request request(ConfigNode n, Collection<String> routeVars) {
        if (!n.isPresent()) return null;
        if (!n.isMapping()) {
            n.expected("a request transform like {headers: {set: {X-Api-Version: \"2\"}}, path: /v2/users/{id}}");
            return null;
        }
        n.checkKeys(List.of("headers", "path", "query", "body", "maxBodyBytes"), Map.of());
        TransformSpec.Headers headers = headers(n.get("headers"), routeVars);
        ConfigNode pathNode = n.get("path");
        String path = pathNode.text("a path template like /v2/users/{id}");
        if (path != null) {
            if (!path.startsWith("/") || path.contains("?") || path.contains("#")) {
                pathNode.expected("a path template starting with /, like /v2/users/{id}");
            } else {
                ConfigTemplates.check(pathNode, path, routeVars, null);
            }
        }
        Map<String, String> query = new LinkedHashMap<>();
        List<String> removeQuery = new ArrayList<>();
        ConfigNode q = n.get("query");
        if (q.isPresent()) {
            q.checkKeys(List.of("set", "remove"), Map.of());
            templates(q.get("set"), routeVars, "a query value template like {header.X-Tenant}")
                    .forEach(query::put);
            for (ConfigNode item : q.get("remove").items("a list of query parameter names", true)) {
                String t = item.text("a query parameter name");
                if (t != null) removeQuery.add(t);
            }
        }
        Map<String, String> body = new LinkedHashMap<>();
        ConfigNode b = n.get("body");
        if (b.isPresent()) {
            b.checkKeys(List.of("set"), Map.of());
            b.get("set").entries().forEach((field, e) -> {
                if (!FIELD_PATH.matcher(field).matches() || field.contains("[]")) {
                    b.get("set").problemAt(e.key().getStartMark(), "field " + ConfigNode.quote(field)
                            + " (expected: a field path like user.id, without [])");
                    return;
                }
                String t = e.value().text("a template like {header.X-User} or {claim.sub}");
                if (t == null) return;
                ConfigTemplates.check(e.value(), t, routeVars, null);
                body.put(field, t);
            });
        }
        long max = n.get("maxBodyBytes").size(1, MAX_BODY_LIMIT, DEFAULT_MAX_BODY);
        return new TransformSpec.Request(headers, path, query, removeQuery, body, max);
    }

    private static TransformSpec.Response response(ConfigNode n, Collection<String> routeVars) {
        if (!n.isPresent()) return null;
        if (!n.isMapping()) {
            n.expected("a response transform like {keep: [id, name], rename: {name: fullName}}");
            return null;
        }
        n.checkKeys(List.of("headers", "keep", "drop", "rename", "set", "wrap", "unwrap", "maxBodyBytes"), Map.of());
        TransformSpec.Headers headers = headers(n.get("headers"), routeVars);
        List<String> keep = paths(n.get("keep"));
        List<String> drop = paths(n.get("drop"));
        Map<String, String> rename = new LinkedHashMap<>();
        n.get("rename").entries().forEach((from, e) -> {
            if (!FIELD_PATH.matcher(from).matches() || from.endsWith("[]")) {
                n.get("rename").problemAt(e.key().getStartMark(), "field " + ConfigNode.quote(from) + " (expected: "
                        + EXPECTED_PATH + ")");
                return;
            }
            String to = e.value().text("the new field name");
            if (to == null) return;
            if (to.isBlank() || to.contains(".") || to.contains("[")) {
                e.value().expected("a plain field name like fullName (it stays where the old field was)");
                return;
            }
            rename.put(from, to.strip());
        });
        Map<String, JsonNode> set = new LinkedHashMap<>();
        n.get("set").entries().forEach((field, e) -> {
            if (!FIELD_PATH.matcher(field).matches() || field.endsWith("[]")) {
                n.get("set").problemAt(e.key().getStartMark(), "field " + ConfigNode.quote(field) + " (expected: "
                        + EXPECTED_PATH + ")");
                return;
            }
            JsonNode v = JsonValues.of(e.value());
            if (v.isTextual()) ConfigTemplates.check(e.value(), v.textValue(), routeVars, null);
            set.put(field, v);
        });
        String wrap = field(n.get("wrap"));
        String unwrap = field(n.get("unwrap"));
        long max = n.get("maxBodyBytes").size(1, MAX_BODY_LIMIT, DEFAULT_MAX_BODY);
        return new TransformSpec.Response(headers, keep, drop, rename, set, wrap, unwrap, max);
    }

    private static String field(ConfigNode n) {
        String t = n.text("a field name like data");
        if (t == null) return null;
        if (t.isBlank() || t.contains(".") || t.contains("[")) {
            n.expected("a plain field name like data");
            return null;
        }
        return t.strip();
    }

    private static List<String> paths(ConfigNode n) {
        List<String> out = new ArrayList<>();
        for (ConfigNode item : n.items("a list of field paths like [id, name, items[].id]", true)) {
            String t = item.text(EXPECTED_PATH);
            if (t == null) continue;
            if (!FIELD_PATH.matcher(t.strip()).matches()) {
                item.expected(EXPECTED_PATH);
                continue;
            }
            out.add(t.strip());
        }
        return out;
    }

    private static TransformSpec.Headers headers(ConfigNode n, Collection<String> routeVars) {
        if (!n.isPresent()) return TransformSpec.Headers.NONE;
        if (!n.isMapping()) {
            n.expected("header changes like {add: {X-A: b}, set: {X-C: d}, remove: [X-E]}");
            return TransformSpec.Headers.NONE;
        }
        n.checkKeys(List.of("add", "set", "remove"), Map.of());
        checkNames(n.get("add"));
        checkNames(n.get("set"));
        Map<String, String> add = templates(n.get("add"), routeVars, "a header value");
        Map<String, String> set = templates(n.get("set"), routeVars, "a header value");
        List<String> remove = new ArrayList<>();
        for (ConfigNode item : n.get("remove").items("a list of header names like [X-Internal]", true)) {
            String t = item.text("a header name");
            if (t == null) continue;
            if (TOKEN.matcher(t.strip()).matches()) {
                remove.add(t.strip());
            } else {
                item.expected("a header name like X-Internal");
            }
        }
        return new TransformSpec.Headers(add, set, remove);
    }

    private static final Pattern TOKEN = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]+");

    private static void checkNames(ConfigNode headers) {
        headers.entries().forEach((name, e) -> {
            if (!TOKEN.matcher(name).matches()) {
                headers.problemAt(e.key().getStartMark(), "header name " + ConfigNode.quote(name)
                        + " (expected: a header name like X-Api-Version)");
            }
        });
    }

    /**
     * {@code name: template}, or {@code name: {value: template, secret: true}} for a value that is a
     * credential: it is read as a secret (never quoted in a problem) and the admin API hides it.
     */
    private static Map<String, String> templates(ConfigNode n, Collection<String> routeVars, String expected) {
        Map<String, String> out = new LinkedHashMap<>();
        n.entries().forEach((name, e) -> {
            ConfigNode v = e.value();
            String t;
            if (v.isMapping()) {
                v.checkKeys(List.of("value", "secret"), Map.of());
                boolean secret = secretFlag(v.get("secret"));
                ConfigNode value = v.require("value", expected);
                t = secret ? value.secret(expected) : value.text(expected);
                v = value;
            } else {
                t = v.text(expected);
            }
            if (t == null) return;
            ConfigTemplates.check(v, t, routeVars, null);
            out.put(name, t);
        });
        return out;
    }

    private static boolean secretFlag(ConfigNode n) {
        return n.bool(false);
    }
}
