package io.turnpike.config;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Binds a route's {@code aggregate: { calls: { profile: { service: users, path: /users/{userId} },
 * recs: { service: catalog, path: "/recommendations/{profile.segment}" } }, merge: group, timeout:
 * 2s }}. Every reference must resolve, and the calls' dependencies must not form a cycle.
 */
final class AggregateSection {
    private static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_-]*");
    private static final List<String> METHODS = List.of("GET", "POST", "PUT", "PATCH", "DELETE");
    private static final Leaf.Words METHOD_WORDS = new Leaf.Words(METHODS, true);
    private static final Leaf.Words MERGES = Leaf.wordsInAnyCase("group", "merge");

    private AggregateSection() {}

    static AggregateSpec bind(ConfigNode node, Set<String> serviceIds, Collection<String> routeVars) {
        if (!node.isPresent()) return null;
        if (!node.isMapping()) {
            node.expected("an aggregation like {calls: {a: {service: users, path: /users/{id}}}, merge: group}");
            return null;
        }
        node.checkKeys(List.of("calls", "merge", "precedence", "timeout", "maxBodyBytes"), Map.of());
        ConfigNode callsNode = node.require("calls", "calls by name like {profile: {service: users, path: /users/{id}}}");
        Map<String, ConfigNode> callNodes = new LinkedHashMap<>();
        callsNode.entries().forEach((name, e) -> {
            // "profile" may name a call: {profile} is the client profile, {profile.x} the call's result.
            if (!NAME.matcher(name).matches() || ConfigTemplates.REQUEST_PREFIXES.contains(name)
                    || name.equals("requestId") || routeVars.contains(name) || name.equals("_errors")) {
                callsNode.problemAt(e.key().getStartMark(), "call name " + ConfigNode.quote(name)
                        + " (expected: a name of letters, digits, _ and -, other than header, query, claim, consumer,"
                        + " requestId and the route's variables)");
                return;
            }
            callNodes.put(name, e.value());
        });
        Map<String, AggregateSpec.Call> calls = new LinkedHashMap<>();
        callNodes.forEach((name, c) -> {
            AggregateSpec.Call call = call(name, c, serviceIds, routeVars, callNodes.keySet());
            if (call != null) calls.put(name, call);
        });
        if (callNodes.isEmpty() && callsNode.isPresent()) {
            callsNode.expected("at least one call");
        }
        checkCycles(calls, callNodes);
        String m = node.get("merge").choice(MERGES, "group", "group or merge",
                "group (each result under its call's name) or merge (objects merged)");
        AggregateSpec.Merge merge = "merge".equals(m) ? AggregateSpec.Merge.MERGE : AggregateSpec.Merge.GROUP;
        List<String> precedence = new ArrayList<>();
        for (ConfigNode item : node.get("precedence").items("a list of call names, the winner first", false)) {
            String t = item.text("a call name");
            if (t == null) continue;
            if (!callNodes.containsKey(t.strip())) {
                item.problem("no call " + ConfigNode.quote(t) + " (expected: one of the calls: "
                        + String.join(", ", callNodes.keySet()) + ")");
            } else {
                precedence.add(t.strip());
            }
        }
        if (!precedence.isEmpty() && merge != AggregateSpec.Merge.MERGE) {
            node.get("precedence").problem("precedence applies to merge: merge (expected: no precedence with merge: group)");
        }
        Duration timeout = node.get("timeout").duration(AggregateSpec.DEFAULT_TIMEOUT, false);
        long max = node.get("maxBodyBytes").size(1, 64L * 1024 * 1024, AggregateSpec.DEFAULT_MAX_BODY);
        return new AggregateSpec(calls, merge, precedence, timeout, max);
    }

    private static AggregateSpec.Call call(String name, ConfigNode c, Set<String> serviceIds,
                                           Collection<String> routeVars, Collection<String> callNames) {
        if (!c.isMapping()) {
            c.expected("a call like {service: users, path: /users/{id}}");
            return null;
        }
        c.checkKeys(List.of("service", "path", "method", "body", "timeout", "optional", "select", "fallback"), Map.of());
        ConfigNode serviceNode = c.require("service", "the id of a service under services:");
        String service = serviceNode.text("the id of a service under services:");
        if (service != null && !serviceIds.contains(service)) {
            serviceNode.problem("no service " + ConfigNode.quote(service) + " (expected: "
                    + (serviceIds.isEmpty() ? "a service defined under services:"
                    : "one of the services: " + String.join(", ", serviceIds)) + ")");
        }
        ConfigNode pathNode = c.require("path", "a path template like /users/{id}");
        String path = pathNode.text("a path template like /users/{id}");
        List<String> deps = new ArrayList<>();
        List<String> others = callNames.stream().filter(n -> !n.equals(name)).toList();
        if (path != null) {
            if (!path.startsWith("/") || path.chars().anyMatch(ch -> ch <= ' ' || ch == 0x7f || ch == '#')) {
                pathNode.expected("a path template starting with /, without spaces, like /users/{id}");
            } else {
                addAll(deps, ConfigTemplates.check(pathNode, path, routeVars, callNames));
            }
        }
        JsonNode body = null;
        ConfigNode bodyNode = c.get("body");
        if (bodyNode.isPresent()) {
            body = JsonValues.of(bodyNode);
            checkBody(bodyNode, body, routeVars, callNames, deps);
        }
        String method = c.get("method").choice(METHOD_WORDS, body == null ? "GET" : "POST", "an HTTP method like GET",
                "one of " + String.join(", ", METHODS));
        if (method == null) method = body == null ? "GET" : "POST";
        Duration timeout = c.get("timeout").duration(null, false);
        boolean optional = c.get("optional").bool(false);
        String select = null;
        List<String> fields = new ArrayList<>();
        ConfigNode sel = c.get("select");
        if (sel.isSequence()) {
            for (ConfigNode item : sel.items("a list of fields", false)) {
                String t = item.text("a field name");
                if (t != null) fields.add(t.strip());
            }
        } else if (sel.isPresent()) {
            String t = sel.text("a JSON pointer like /data/items or a list of fields like [id, name]");
            if (t != null) {
                if (!t.startsWith("/")) {
                    sel.expected("a JSON pointer like /data/items or a list of fields like [id, name]");
                } else {
                    try {
                        com.fasterxml.jackson.core.JsonPointer.compile(t);
                        select = t;
                    } catch (IllegalArgumentException ex) {
                        sel.expected("a JSON pointer like /data/items");
                    }
                }
            }
        }
        JsonNode fallback = c.get("fallback").isPresent() ? JsonValues.of(c.get("fallback")) : null;
        if (deps.contains(name)) {
            pathNode.problem("call " + ConfigNode.quote(name) + " uses its own result (expected: results of other calls: "
                    + (others.isEmpty() ? "none" : String.join(", ", others)) + ")");
            deps.remove(name);
        }
        return new AggregateSpec.Call(name, service, path, method, body, timeout, optional, select, fields, fallback, deps);
    }

    private static void checkBody(ConfigNode at, JsonNode body, Collection<String> routeVars,
                                  Collection<String> callNames, List<String> deps) {
        if (body.isTextual()) {
            addAll(deps, ConfigTemplates.check(at, body.textValue(), routeVars, callNames));
        } else if (body.isContainerNode()) {
            for (JsonNode child : body) checkBody(at, child, routeVars, callNames, deps);
        }
    }

    private static void addAll(List<String> into, List<String> more) {
        for (String s : more) if (!into.contains(s)) into.add(s);
    }

    /** Reports each cycle once, at the first of its calls, naming the whole loop. */
    private static void checkCycles(Map<String, AggregateSpec.Call> calls, Map<String, ConfigNode> nodes) {
        Map<String, Integer> state = new HashMap<>(); // 1 = on the path, 2 = done
        for (String start : calls.keySet()) {
            Deque<String> path = new ArrayDeque<>();
            visit(start, calls, nodes, state, path);
        }
    }

    private static boolean visit(String name, Map<String, AggregateSpec.Call> calls, Map<String, ConfigNode> nodes,
                                 Map<String, Integer> state, Deque<String> path) {
        Integer s = state.get(name);
        if (s != null && s == 2) return false;
        if (s != null && s == 1) {
            List<String> loop = new ArrayList<>();
            boolean in = false;
            for (var it = path.descendingIterator(); it.hasNext(); ) {
                String p = it.next();
                if (p.equals(name)) in = true;
                if (in) loop.add(p);
            }
            loop.add(name);
            nodes.get(name).problem("calls depend on each other in a cycle: " + String.join(" -> ", loop)
                    + " (expected: each call to use only results of calls that do not wait for it)");
            return true;
        }
        AggregateSpec.Call call = calls.get(name);
        if (call == null) return false;
        state.put(name, 1);
        path.push(name);
        boolean found = false;
        for (String d : call.dependsOn()) {
            if (visit(d, calls, nodes, state, path)) {
                found = true;
                break;
            }
        }
        path.pop();
        state.put(name, 2);
        return found;
    }
}
