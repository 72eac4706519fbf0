package io.turnpike.route;

import io.turnpike.config.RouteSpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;

/**
 * The router's precedence written out the slow, obvious way, as a model to test {@link Router}
 * against: try every route with every one of its hosts, rank each fit, take the smallest rank.
 */
final class LinearMatcher {

    /** What the router should answer: a route index with its captures, a 405 with its set, or 404. */
    record Answer(RouteMatch.Kind kind, Integer route, List<String> names, List<String> values, TreeSet<String> allowed) {}

    /**
     * One fit of a route through one of its hosts. Ranks compare in this order: host tier (exact 0,
     * wildcard 1, any 2), then the longer wildcard, then the path ranks segment by segment (literal 0,
     * literal once the segment's {@code ;parameters} are dropped 1, variable 2, {@code **} 3; a shorter
     * list that is a prefix of a longer one comes first), then header conditions before none, then
     * file order.
     */
    private record Fit(int hostTier, int wildcardLength, List<Integer> pathRanks, int headerRank, int order,
                       List<String> names, List<String> values) {}

    private static final Comparator<List<Integer>> LEXICOGRAPHIC = (a, b) -> {
        for (int i = 0; i < Math.min(a.size(), b.size()); i++) {
            int c = Integer.compare(a.get(i), b.get(i));
            if (c != 0) return c;
        }
        return Integer.compare(a.size(), b.size());
    };

    private static final Comparator<Fit> PRECEDENCE = Comparator.comparingInt(Fit::hostTier)
            .thenComparing(Fit::wildcardLength, Comparator.reverseOrder())
            .thenComparing(Fit::pathRanks, LEXICOGRAPHIC)
            .thenComparingInt(Fit::headerRank)
            .thenComparingInt(Fit::order);

    private final List<RouteSpec.Match> routes;

    LinearMatcher(List<RouteSpec.Match> routes) {
        this.routes = routes;
    }

    Answer find(String host, String method, String path, Map<String, String> headers) {
        List<Fit> fits = new ArrayList<>();
        TreeSet<String> allowed = new TreeSet<>();
        for (int order = 0; order < routes.size(); order++) {
            RouteSpec.Match route = routes.get(order);
            if (!headersFit(route.headers(), headers)) continue;
            Fit pathFit = pathFit(route, order, path);
            if (pathFit == null) continue;
            List<int[]> hostFits = hostFits(route.hosts(), host);
            if (hostFits.isEmpty()) continue;
            if (!route.methods().isEmpty() && !route.methods().contains(method)) {
                allowed.addAll(route.methods());
                continue;
            }
            for (int[] h : hostFits) {
                fits.add(new Fit(h[0], h[1], pathFit.pathRanks(), pathFit.headerRank(), order,
                        pathFit.names(), pathFit.values()));
            }
        }
        if (!fits.isEmpty()) {
            Fit best = fits.stream().min(PRECEDENCE).orElseThrow();
            return new Answer(RouteMatch.Kind.FOUND, best.order(), best.names(), best.values(), null);
        }
        if (!allowed.isEmpty()) return new Answer(RouteMatch.Kind.METHOD_NOT_ALLOWED, null, null, null, allowed);
        return new Answer(RouteMatch.Kind.NOT_FOUND, null, null, null, null);
    }

    private static boolean headersFit(Map<String, String> required, Map<String, String> headers) {
        for (Map.Entry<String, String> e : required.entrySet()) {
            if (!e.getValue().equals(headers.get(e.getKey()))) return false;
        }
        return true;
    }

    /** {tier, wildcard length} for each of the route's hosts that fits. */
    private static List<int[]> hostFits(List<String> patterns, String host) {
        List<int[]> fits = new ArrayList<>();
        if (patterns.isEmpty()) {
            fits.add(new int[] {2, 0});
            return fits;
        }
        if (host == null) return fits;
        String name = host.toLowerCase(Locale.ROOT).split(":")[0];
        for (String pattern : patterns) {
            if (pattern.startsWith("*.")) {
                String suffix = pattern.substring(1);
                if (name.endsWith(suffix) && name.length() > suffix.length()) fits.add(new int[] {1, suffix.length()});
            } else if (pattern.equals(name)) {
                fits.add(new int[] {0, 0});
            }
        }
        return fits;
    }

    private static Fit pathFit(RouteSpec.Match route, int order, String path) {
        List<String> pattern = split(route.path());
        List<String> segments = split(path);
        List<Integer> ranks = new ArrayList<>();
        List<String> names = new ArrayList<>();
        List<String> values = new ArrayList<>();
        for (int k = 0; k < pattern.size(); k++) {
            String p = pattern.get(k);
            if (p.equals("**") && k == pattern.size() - 1) {
                ranks.add(3);
                names.add("**");
                values.add(String.join("/", segments.subList(Math.min(k, segments.size()), segments.size())));
                return new Fit(0, 0, ranks, route.headers().isEmpty() ? 1 : 0, order, names, values);
            }
            if (k >= segments.size()) return null;
            String s = segments.get(k);
            if (p.startsWith("{") && p.endsWith("}")) {
                if (s.isEmpty()) return null;
                ranks.add(2);
                names.add(p.substring(1, p.length() - 1));
                values.add(s);
            } else if (p.equals(s)) {
                ranks.add(0);
            } else if (p.equals(withoutParameters(s))) {
                ranks.add(1);
            } else {
                return null;
            }
        }
        if (segments.size() != pattern.size()) return null;
        return new Fit(0, 0, ranks, route.headers().isEmpty() ? 1 : 0, order, names, values);
    }

    /** The segment up to its first ';' or "%3B". */
    private static String withoutParameters(String segment) {
        int semicolon = segment.indexOf(';');
        int escaped = segment.indexOf("%3B");
        int cut = semicolon < 0 ? escaped : escaped < 0 ? semicolon : Math.min(semicolon, escaped);
        return cut < 0 ? segment : segment.substring(0, cut);
    }

    private static List<String> split(String path) {
        return path.equals("/") ? List.of() : Arrays.asList(path.substring(1).split("/", -1));
    }
}
