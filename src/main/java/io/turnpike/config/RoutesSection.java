package io.turnpike.config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Binds {@code routes:} into {@link RouteSpec}s, checking ids, services, paths and overlaps. */
final class RoutesSection {
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9._-]+");
    private static final Pattern HOST = Pattern.compile(
            "(\\*\\.)?[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?(\\.[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?)*|\\[[0-9a-f:.]+]");
    private static final Pattern TOKEN = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]+");
    private static final Pattern REWRITE_VAR = Pattern.compile("\\{([^{}]*)}");
    private static final List<String> METHODS =
            List.of("GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "CONNECT");
    private static final Map<String, String> PLANNED = Map.of();
    private static final List<String> AUTH_KINDS = List.of("apiKey", "jwt", "basic", "introspection", "mtls");
    private static final Leaf.Words AUTH_WORDS = new Leaf.Words(AUTH_KINDS, false);
    private static final Leaf.Words METHOD_WORDS = new Leaf.Words(METHODS, true);

    private RoutesSection() {}

    /** {@code auth: [apiKey]}: the credential kinds the route accepts (any one will do). */
    private static List<String> auth(ConfigNode auth) {
        List<String> out = new ArrayList<>();
        for (ConfigNode item : auth.items("a list like [apiKey]", true)) {
            String t = item.text("apiKey", AUTH_WORDS);
            if (t == null) continue;
            String kind = t.strip();
            if (AUTH_KINDS.contains(kind)) {
                if (!out.contains(kind)) out.add(kind);
            } else {
                item.expected("one of " + String.join(", ", AUTH_KINDS));
            }
        }
        return out;
    }

    /** {@code acl: { allow: [groups], deny: [groups] }}. */
    private static RouteSpec.Acl acl(ConfigNode acl) {
        if (!acl.isPresent()) return null;
        acl.checkKeys(List.of("allow", "deny", "scopes"), Map.of());
        return new RouteSpec.Acl(groups(acl.get("allow")), groups(acl.get("deny")), groups(acl.get("scopes")));
    }

    private static List<String> groups(ConfigNode list) {
        List<String> out = new ArrayList<>();
        for (ConfigNode g : list.items("a list of group names like [partners]", true)) {
            String t = g.text("a group name");
            if (t != null && !t.isBlank()) out.add(t.strip());
        }
        return out;
    }

    /** {@code retries: { nonIdempotent: true }}: the route lets POST/PATCH be retried too. */
    private static boolean retryNonIdempotent(ConfigNode retries) {
        if (!retries.isPresent()) return false;
        retries.checkKeys(List.of("nonIdempotent"), Map.of());
        return retries.get("nonIdempotent").bool(false);
    }

    static List<RouteSpec> bind(ConfigNode routes, Set<String> serviceIds) {
        return bind(routes, serviceIds, List.of());
    }

    /** @param profiles the client profiles declared under {@code clients:} (a transform may name them) */
    static List<RouteSpec> bind(ConfigNode routes, Set<String> serviceIds, java.util.Collection<String> profiles) {
        List<RouteSpec> out = new ArrayList<>();
        Map<String, ConfigNode> ids = new HashMap<>();
        RouteOverlap overlap = new RouteOverlap();
        List<ConfigNode> items = routes.items("a list of routes, each like {id: ..., match: {...}, service: ...}", false);
        for (int index = 0; index < items.size(); index++) {
            ConfigNode route = items.get(index);
            if (!route.isMapping()) {
                route.expected("a route like {id: ..., match: {path: ...}, service: ...}");
                continue;
            }
            route.checkKeys(List.of("id", "match", "service", "rewrite", "timeout", "priority", "retries", "fallback",
                    "auth", "acl", "forwardCredentials", "policies", "rateLimit", "cost", "transform", "aggregate",
                    "websocket", "grpcWeb"), PLANNED);
            String id = id(route.require("id", "a route id like users-read"), ids);
            ConfigNode matchNode = route.require("match", "a match like {path: /users/{id}}");
            Bound match = match(matchNode);
            String service = service(route, serviceIds);
            RouteSpec.Rewrite rewrite = rewrite(route.get("rewrite"), match == null ? null : match.pattern);
            Duration timeout = route.get("timeout").duration(null, false);
            boolean retryNonIdempotent = retryNonIdempotent(route.get("retries"));
            List<String> auth = auth(route.get("auth"));
            RouteSpec.Acl acl = acl(route.get("acl"));
            boolean forwardCredentials = route.get("forwardCredentials").bool(false);
            List<RateLimitSpec> rateLimits = RateLimitSection.bind(route.get("rateLimit"), List.of(
                    new RateLimitSpec.KeyPart(auth.isEmpty() ? RateLimitSpec.KeyPart.Kind.IP
                            : RateLimitSpec.KeyPart.Kind.CONSUMER, null)), true);
            long cost = route.get("cost").integer(0, Integer.MAX_VALUE, 1);
            java.util.Collection<String> vars = match == null ? List.of() : match.pattern.variables();
            TransformSpec transform = TransformSection.bind(route.get("transform"), profiles, vars);
            AggregateSpec aggregate = AggregateSection.bind(route.get("aggregate"), serviceIds, vars);
            if (aggregate != null && route.entries().containsKey("service")) {
                route.get("service").problem("a route with aggregate: calls its own services (expected: no service:)");
            }
            boolean websocket = route.get("websocket").bool(false);
            if (websocket && aggregate != null) {
                route.get("websocket").problem("an aggregate route answers itself and cannot switch to WebSocket"
                        + " (expected: websocket: false, or a service:)");
            }
            boolean grpcWeb = route.get("grpcWeb").bool(false);
            if (grpcWeb && aggregate != null) {
                route.get("grpcWeb").problem("an aggregate route answers itself and cannot call a gRPC service"
                        + " (expected: grpcWeb: false, or a service:)");
            }
            // A route without a good match reads no further; a recording reads on, for the schema.
            if (match == null && !route.isRecording()) continue;
            boolean high = BalancingSection.highPriority(route.get("priority"));
            RouteSpec.Fallback fallback = ResilienceSection.fallback(route.get("fallback"));
            io.turnpike.config.RoutePolicies policies = PoliciesSection.bind(route.get("policies"));
            if (match != null) {
                overlap.check(id == null ? "routes[" + index + "]" : id, route, matchNode, match.spec, match.pattern);
                out.add(new RouteSpec(id, index, match.spec, service, rewrite, timeout, high, fallback,
                        retryNonIdempotent, auth, acl, forwardCredentials, policies, rateLimits, cost, transform,
                        aggregate, websocket, grpcWeb));
            }
        }
        return out;
    }

    private static Map<String, String> planned(String... keys) {
        Map<String, String> m = new HashMap<>();
        for (String k : keys) m.put(k, "\"" + k + "\" is not supported yet");
        return m;
    }

    private static String id(ConfigNode node, Map<String, ConfigNode> ids) {
        String id = node.text("a route id like users-read");
        if (id == null) return null;
        if (!ID.matcher(id).matches()) {
            node.expected("an id of letters, digits and ._-");
            return null;
        }
        ConfigNode earlier = ids.putIfAbsent(id, node);
        if (earlier != null) {
            node.problem(ConfigNode.quote(id) + " is already the id of the route at line " + earlier.line()
                    + " (expected: a unique id)");
        }
        return id;
    }

    private static String service(ConfigNode route, Set<String> serviceIds) {
        // An aggregate route has no single service: each call names its own.
        if (route.entries().containsKey("aggregate") && !route.entries().containsKey("service")) return null;
        ConfigNode node = route.require("service", "the id of a service under services:");
        String name = node.text("the id of a service under services:");
        if (name == null || serviceIds.contains(name)) return name;
        node.problem("no service " + ConfigNode.quote(name) + " (expected: "
                + (serviceIds.isEmpty() ? "a service defined under services:"
                : "one of the services: " + String.join(", ", serviceIds)) + ")");
        return name;
    }

    /** A match as written plus its parsed path, needed by the rewrite and overlap checks. */
    private record Bound(RouteSpec.Match spec, PathPattern pattern) {}

    private static Bound match(ConfigNode match) {
        if (!match.isPresent()) return null;
        if (!match.isMapping()) {
            match.expected("a match like {path: /users/{id}, methods: [GET]}");
            return null;
        }
        match.checkKeys(List.of("hosts", "path", "methods", "headers"), Map.of());
        ConfigNode pathNode = match.require("path", PathPattern.EXPECTED);
        PathPattern pattern = null;
        String path = pathNode.text(PathPattern.EXPECTED);
        if (path != null) {
            try {
                pattern = PathPattern.parse(path.strip());
            } catch (PathPattern.Invalid e) {
                pathNode.expected(e.getMessage());
            }
        }
        List<String> hosts = hosts(match.get("hosts"));
        List<String> methods = methods(match.get("methods"));
        Map<String, String> headers = headers(match.get("headers"));
        if (pattern == null) return null;
        return new Bound(new RouteSpec.Match(hosts, pattern.text(), methods, headers), pattern);
    }

    private static List<String> hosts(ConfigNode node) {
        Set<String> out = new LinkedHashSet<>();
        for (ConfigNode item : node.items("a list of hosts like [api.example.com, *.example.com]", true)) {
            String h = item.text("a host like api.example.com or *.example.com");
            if (h == null) continue;
            String host = withoutPort(h.strip().toLowerCase(Locale.ROOT));
            if (HOST.matcher(host).matches()) {
                out.add(host);
            } else {
                item.expected("a host like api.example.com or *.example.com; leave hosts out to match any host");
            }
        }
        return List.copyOf(out);
    }

    /** The Host header may carry a port; routes match on the name alone. */
    private static String withoutPort(String host) {
        int colon = host.lastIndexOf(':');
        if (colon < 0 || host.endsWith("]")) return host;
        if (host.startsWith("[") && host.lastIndexOf(']') > colon) return host;
        String port = host.substring(colon + 1);
        return !port.isEmpty() && port.chars().allMatch(Character::isDigit) ? host.substring(0, colon) : host;
    }

    private static List<String> methods(ConfigNode node) {
        Set<String> out = new LinkedHashSet<>();
        for (ConfigNode item : node.items("a list of methods like [GET, POST]", true)) {
            String method = item.choice(METHOD_WORDS, null, "an HTTP method like GET", "one of " + String.join(", ", METHODS));
            if (method != null) out.add(method);
        }
        return List.copyOf(out);
    }

    private static Map<String, String> headers(ConfigNode node) {
        Map<String, String> out = new LinkedHashMap<>();
        node.entries().forEach((name, e) -> {
            String value = e.value().text("a header value to match exactly");
            if (!TOKEN.matcher(name).matches()) {
                e.value().problem("header name " + ConfigNode.quote(name) + " (expected: a header name like X-Client)");
            } else if (value != null) {
                out.put(name.toLowerCase(Locale.ROOT), value);
            }
        });
        return out;
    }

    private static RouteSpec.Rewrite rewrite(ConfigNode node, PathPattern match) {
        if (!node.isPresent()) return RouteSpec.Rewrite.NONE;
        node.checkKeys(List.of("path", "stripPrefix"), Map.of());
        ConfigNode pathNode = node.get("path");
        ConfigNode stripNode = node.get("stripPrefix");
        if (pathNode.isPresent() && stripNode.isPresent()) {
            node.problem("both \"path\" and \"stripPrefix\" (expected: one of them)");
        }
        String path = pathNode.text("a path template like /users/{id}");
        if (path != null && match != null) checkRewritePath(pathNode, path, match);
        String strip = stripNode.text("a path prefix like /api");
        if (strip != null) {
            strip = strip.endsWith("/") && strip.length() > 1 ? strip.substring(0, strip.length() - 1) : strip;
            if (match != null) checkStripPrefix(stripNode, strip, match);
        }
        return path == null && strip == null ? RouteSpec.Rewrite.NONE : new RouteSpec.Rewrite(path, strip);
    }

    private static void checkRewritePath(ConfigNode node, String path, PathPattern match) {
        if (!path.startsWith("/") || path.contains("?") || path.contains("#")) {
            node.expected("a path template starting with /, like /users/{id}; the query is passed on as is");
            return;
        }
        String stripped = REWRITE_VAR.matcher(path).replaceAll("");
        if (stripped.contains("{") || stripped.contains("}")) {
            node.expected("variables written as {name}");
            return;
        }
        Matcher m = REWRITE_VAR.matcher(path);
        while (m.find()) {
            String var = m.group(1);
            if (var.equals("**") ? match.prefix() : match.variables().contains(var)) continue;
            List<String> defined = new ArrayList<>();
            match.variables().forEach(v -> defined.add("{" + v + "}"));
            if (match.prefix()) defined.add("{**}");
            node.problem(node.describe() + " uses {" + var + "}, which the match path "
                    + ConfigNode.quote(match.text()) + " does not define (expected: "
                    + (defined.isEmpty() ? "no variables" : "only " + String.join(", ", defined)) + ")");
            return;
        }
    }

    private static void checkStripPrefix(ConfigNode node, String strip, PathPattern match) {
        String literal = match.literalPrefix();
        boolean segmentPrefix = literal.equals(strip) || literal.startsWith(strip + "/");
        if (!strip.startsWith("/") || strip.equals("/") || strip.contains("{") || !segmentPrefix) {
            node.expected("whole leading segments of the match path " + ConfigNode.quote(match.text())
                    + ", like " + (literal.equals("/") ? "/api" : literal));
        }
    }
}
