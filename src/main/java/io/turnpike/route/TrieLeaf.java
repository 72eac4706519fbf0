package io.turnpike.route;

import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * One route as it sits at the end of a trie branch: its value, the conditions checked after the
 * path matched (headers, method) and the names of the variables its path captures.
 */
final class TrieLeaf<T> {
    private static final String[] NO_NAMES = new String[0];

    /** At one trie position: routes with header conditions first, then file order. */
    static final Comparator<TrieLeaf<?>> PRECEDENCE = Comparator
            .comparing((TrieLeaf<?> l) -> l.headerNames.length == 0)
            .thenComparingInt(l -> l.order);

    /** What {@link #pick} answers when a leaf fitted all but the method and none fitted fully. */
    static final TrieLeaf<?> WRONG_METHOD = new TrieLeaf<>("", -1, List.of(), Map.of(), List.of());

    final T route;
    final int order;
    private final String[] methods;          // empty = any method
    private final AsciiString[] headerNames;
    private final String[] headerValues;
    private final String[] names;            // variable names in path order, then "**" for a prefix
    private final RouteMatch<T> constantMatch; // shared answer when nothing is captured

    TrieLeaf(T route, int order, List<String> methods, Map<String, String> headers, List<String> names) {
        this.route = route;
        this.order = order;
        this.methods = methods.toArray(String[]::new);
        // sorted so the check order does not depend on the map's iteration order
        Map<String, String> sorted = new TreeMap<>(headers);
        this.headerNames = sorted.keySet().stream().map(AsciiString::cached).toArray(AsciiString[]::new);
        this.headerValues = sorted.values().toArray(String[]::new);
        this.names = names.isEmpty() ? NO_NAMES : names.toArray(String[]::new);
        this.constantMatch = this.names.length == 0 ? RouteMatch.found(route, NO_NAMES, NO_NAMES) : null;
    }

    boolean acceptsHeaders(HttpHeaders headers) {
        if (headerNames.length == 0) return true;
        if (headers == null) return false;
        for (int i = 0; i < headerNames.length; i++) {
            if (!headers.contains(headerNames[i], headerValues[i], false)) return false;
        }
        return true;
    }

    boolean acceptsMethod(String method) {
        if (methods.length == 0) return true;
        for (String m : methods) {
            if (m.equals(method)) return true;
        }
        return false;
    }

    void addMethodsTo(Collection<String> allowed) {
        for (String m : methods) allowed.add(m);
    }

    /** A fresh answer whose captured values the router fills in while it unwinds. */
    RouteMatch<T> newMatch() {
        return constantMatch != null ? constantMatch : RouteMatch.found(route, names, new String[names.length]);
    }

    /**
     * The first leaf, in precedence order, whose headers and method fit; else {@link #WRONG_METHOD}
     * when one fitted but for the method; else null. When {@code allowed} is not null nothing is
     * picked: the methods of every leaf whose headers fit are collected.
     */
    @SuppressWarnings("unchecked")
    static <T> TrieLeaf<T> pick(TrieLeaf<T>[] leaves, String method, HttpHeaders headers, Collection<String> allowed) {
        boolean wrongMethod = false;
        for (TrieLeaf<T> leaf : leaves) {
            if (!leaf.acceptsHeaders(headers)) continue;
            if (allowed != null) {
                leaf.addMethodsTo(allowed);
            } else if (leaf.acceptsMethod(method)) {
                return leaf;
            } else {
                wrongMethod = true;
            }
        }
        return wrongMethod ? (TrieLeaf<T>) WRONG_METHOD : null;
    }
}
