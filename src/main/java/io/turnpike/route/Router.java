package io.turnpike.route;

import io.netty.handler.codec.http.HttpHeaders;
import io.turnpike.config.RouteSpec;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;

/**
 * The compiled route table: picks the route for a request's host, method, path and headers.
 *
 * <p>Compiled once per config into a host table (exact names, {@code *.suffix} wildcards, any
 * host) whose entries are path tries, so a lookup costs about the path's length whatever the
 * number of routes. Precedence, first difference decides:
 * <ol>
 *   <li>host: exact, then the longest matching wildcard, then routes without hosts;</li>
 *   <li>path, segment by segment: literal, then {@code {variable}}, then {@code /**};</li>
 *   <li>a route with header conditions before one without;</li>
 *   <li>the earlier route in the list.</li>
 * </ol>
 * A route that fits everything but the method makes the answer 405 (with the allowed methods)
 * only when no route fits fully. Immutable and safe to share between threads.
 */
public final class Router<T> {

    /**
     * One route to compile.
     *
     * @param route the value handed back in {@link RouteMatch#route()}
     * @param match its conditions; the position in the list passed to {@link #compile} breaks ties
     */
    public record Entry<T>(T route, RouteSpec.Match match) {
        public Entry {
            Objects.requireNonNull(route, "route");
            Objects.requireNonNull(match, "match");
        }
    }

    private final LiteralTable<TrieNode<T>> exactHosts;     // null when no route names a host
    private final LiteralTable<TrieNode<T>> wildcardHosts;  // keyed by ".example.com"; null when none
    private final TrieNode<T> anyHost;                      // null when every route names hosts
    private final int size;

    private Router(LiteralTable<TrieNode<T>> exactHosts, LiteralTable<TrieNode<T>> wildcardHosts, TrieNode<T> anyHost, int size) {
        this.exactHosts = exactHosts;
        this.wildcardHosts = wildcardHosts;
        this.anyHost = anyHost;
        this.size = size;
    }

    /**
     * Compiles routes given in file order. Patterns are assumed valid (the config validator
     * rejects bad ones); whatever is passed, the result is deterministic.
     */
    public static <T> Router<T> compile(List<Entry<T>> entries) {
        Map<String, TrieNode.Builder<T>> exact = new LinkedHashMap<>();
        Map<String, TrieNode.Builder<T>> wildcard = new LinkedHashMap<>();
        TrieNode.Builder<T> any = null;
        Map<String, String> strings = new HashMap<>();
        for (int order = 0; order < entries.size(); order++) {
            Entry<T> entry = entries.get(order);
            RouteSpec.Match match = entry.match();
            String pattern = match.path() == null || match.path().isEmpty() ? "/**" : match.path();
            List<String> segments = TrieNode.segments(pattern);
            TrieLeaf<T> leaf = new TrieLeaf<>(entry.route(), order, match.methods(), match.headers(), variableNames(segments));
            if (match.hosts().isEmpty()) {
                if (any == null) any = new TrieNode.Builder<>();
                any.insert(segments, leaf, strings);
            }
            for (String host : new LinkedHashSet<>(match.hosts())) {
                String name = host.substring(0, hostEnd(host)).toLowerCase(Locale.ROOT);
                if (name.startsWith("*.")) {
                    wildcard.computeIfAbsent(name.substring(1), k -> new TrieNode.Builder<>()).insert(segments, leaf, strings);
                } else {
                    exact.computeIfAbsent(name, k -> new TrieNode.Builder<>()).insert(segments, leaf, strings);
                }
            }
        }
        return new Router<>(freeze(exact), freeze(wildcard), any == null ? null : any.freeze(), entries.size());
    }

    /** How many routes were compiled. */
    public int size() {
        return size;
    }

    /**
     * The route for a request.
     *
     * @param host     the Host header or authority, port allowed, any case; null = only host-less routes
     * @param method   upper-case request method
     * @param path     the normalised path without query (see {@link RequestPath})
     * @param headers  request headers for header conditions; null counts as none
     */
    public RouteMatch<T> find(String host, String method, String path, HttpHeaders headers) {
        if (path == null || path.isEmpty() || path.charAt(0) != '/') return RouteMatch.notFound();
        // "/" has no segments; everything else starts its first segment at index 0
        int pos = path.length() == 1 ? 1 : 0;
        RouteMatch<T> m = search(host, method, path, pos, headers, null);
        if (m == null) return RouteMatch.notFound();
        if (m != TrieNode.WRONG_METHOD) return m;
        // rare: walk again, this time collecting what would have fitted but for the method
        TreeSet<String> allowed = new TreeSet<>();
        search(host, method, path, pos, headers, allowed);
        return allowed.isEmpty() ? RouteMatch.notFound() : RouteMatch.methodNotAllowed(allowed);
    }

    /** Tries each host tier in precedence order; null, a match, or {@link TrieNode#WRONG_METHOD}. */
    private RouteMatch<T> search(String host, String method, String path, int pos, HttpHeaders headers,
                                 TreeSet<String> allowed) {
        RouteMatch<T> miss = null;
        if (host != null && !host.isEmpty() && (exactHosts != null || wildcardHosts != null)) {
            int end = hostEnd(host);
            if (exactHosts != null) {
                TrieNode<T> node = exactHosts.get(host, 0, end);
                if (node != null) {
                    RouteMatch<T> m = node.search(path, pos, 0, method, headers, allowed);
                    if (m != null && m != TrieNode.WRONG_METHOD) return m;
                    if (m != null) miss = m;
                }
            }
            if (wildcardHosts != null) {
                // leftmost dot first = longest suffix first; the wildcard needs at least one label
                for (int dot = host.indexOf('.'); dot > 0 && dot < end; dot = host.indexOf('.', dot + 1)) {
                    TrieNode<T> node = wildcardHosts.get(host, dot, end);
                    if (node != null) {
                        RouteMatch<T> m = node.search(path, pos, 0, method, headers, allowed);
                        if (m != null && m != TrieNode.WRONG_METHOD) return m;
                        if (m != null) miss = m;
                    }
                }
            }
        }
        if (anyHost != null) {
            RouteMatch<T> m = anyHost.search(path, pos, 0, method, headers, allowed);
            if (m != null) return m;
        }
        return miss;
    }

    /** End of the host name: before the port, a trailing dot, or after an IPv6 literal's ']'. */
    static int hostEnd(String host) {
        if (host.startsWith("[")) {
            int close = host.indexOf(']');
            return close < 0 ? host.length() : close + 1;
        }
        int colon = host.indexOf(':');
        int end = colon < 0 ? host.length() : colon;
        if (end > 0 && host.charAt(end - 1) == '.') end--;
        return end;
    }

    private static List<String> variableNames(List<String> segments) {
        List<String> names = new ArrayList<>();
        for (int i = 0; i < segments.size(); i++) {
            String s = segments.get(i);
            if (TrieNode.isVariable(s)) {
                names.add(s.substring(1, s.length() - 1));
            } else if (s.equals("**") && i == segments.size() - 1) {
                names.add("**");
            }
        }
        return names;
    }

    private static <T> LiteralTable<TrieNode<T>> freeze(Map<String, TrieNode.Builder<T>> builders) {
        if (builders.isEmpty()) return null;
        Map<String, TrieNode<T>> nodes = new LinkedHashMap<>();
        builders.forEach((k, v) -> nodes.put(k, v.freeze()));
        return new LiteralTable<>(nodes, true);
    }
}
