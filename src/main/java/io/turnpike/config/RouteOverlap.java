package io.turnpike.config;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Finds routes that would take the same requests as an earlier one, which would make the later
 * route dead or the winner depend on file order. Two routes overlap when their paths are the same
 * once variables are unnamed, their headers are equal, and their host sets and method sets
 * are both "any" or name a common value.
 */
final class RouteOverlap {
    private static final String EXPECTED = "routes that differ in path, hosts, methods or headers";

    private record Seen(String id, int line, RouteSpec.Match match) {}

    // Keyed by what must be equal, so only real candidates are compared.
    private final Map<Object, List<Seen>> byShape = new HashMap<>();

    /** Reports at {@code at} if this route overlaps an earlier one; then remembers it. */
    void check(String id, ConfigNode route, ConfigNode at, RouteSpec.Match match, PathPattern pattern) {
        List<Seen> candidates = byShape.computeIfAbsent(List.of(pattern.shape(), match.headers()), k -> new ArrayList<>());
        for (Seen earlier : candidates) {
            String host = common(earlier.match().hosts(), match.hosts());
            String method = common(earlier.match().methods(), match.methods());
            if (host == null || method == null) continue;
            String where = "route " + ConfigNode.quote(earlier.id()) + " (line " + earlier.line() + ")";
            if (sameMatch(earlier.match(), match)) {
                at.problem("same match as " + where + " (expected: " + EXPECTED + ")");
            } else {
                at.problem("conflicts with " + where + ": both take "
                        + (method.isEmpty() ? "any method" : method) + " " + match.path() + " on "
                        + (host.isEmpty() ? "any host" : host) + " (expected: " + EXPECTED + ")");
            }
            break;
        }
        candidates.add(new Seen(id, route.line(), match));
    }

    /**
     * One value both sets name: "" when both are "any", or null when they share nothing. A named
     * host or method next to "any" is no conflict: the router prefers the named one, so "any"
     * serves as the fallback (a catch-all route plus a per-host or per-method override).
     */
    private static String common(List<String> a, List<String> b) {
        if (a.isEmpty() && b.isEmpty()) return "";
        if (a.isEmpty() || b.isEmpty()) return null;
        for (String x : b) {
            if (a.contains(x)) return x;
        }
        return null;
    }

    private static boolean sameMatch(RouteSpec.Match a, RouteSpec.Match b) {
        return a.path().equals(b.path()) && new HashSet<>(a.hosts()).equals(new HashSet<>(b.hosts()))
                && new HashSet<>(a.methods()).equals(new HashSet<>(b.methods()))
                && Objects.equals(a.headers(), b.headers());
    }
}
