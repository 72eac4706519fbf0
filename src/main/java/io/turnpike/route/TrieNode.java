package io.turnpike.route;

import io.netty.handler.codec.http.HttpHeaders;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One position in a host's path trie: literal children by segment text, at most one variable
 * child ({@code {name}}), the routes that end here, and the routes whose {@code /**} starts here.
 *
 * <p>Search is depth first in precedence order (literal, literal without the segment's path
 * parameters, variable, prefix), so the first route found is the best one. Each trie node is
 * reached by exactly one chain of segments, so one lookup visits a node at most once: backtracking
 * costs at most the trie's size, and in practice a few nodes per segment.
 *
 * <p>A segment's {@code ;parameters} ({@code ;} or {@code %3B} and what follows it in the segment)
 * do not choose the route: servlet containers and Spring drop them before they map a path, so
 * {@code /admin;x/users} is {@code /admin/users} to such an origin, and must not slip past a route on
 * {@code /admin/**} (its authentication, its ACL) to a catch-all. The literal spelled as it came is
 * tried first, so a pattern that names the parameters keeps them; the segment is forwarded as it came.
 */
final class TrieNode<T> {
    private static final TrieLeaf<?>[] NONE = new TrieLeaf<?>[0];

    /**
     * Stands for "no route, but some route fitted everything except the method", so that a plain
     * miss can be answered 404 without building the {@code Allow} set.
     */
    static final RouteMatch<?> WRONG_METHOD = RouteMatch.methodNotAllowed(Set.of());

    private final LiteralTable<TrieNode<T>> literals;   // null when there are none
    private final TrieNode<T> variable;                 // null when there is none
    private final TrieLeaf<T>[] leaves;                 // routes ending here, best first
    private final TrieLeaf<T>[] prefixLeaves;           // routes ending here with /**, best first

    private TrieNode(LiteralTable<TrieNode<T>> literals, TrieNode<T> variable, TrieLeaf<T>[] leaves, TrieLeaf<T>[] prefixLeaves) {
        this.literals = literals;
        this.variable = variable;
        this.leaves = leaves;
        this.prefixLeaves = prefixLeaves;
    }

    /**
     * The best route below this node for {@code path} from {@code pos}; null when none fits;
     * {@link #WRONG_METHOD} when none fits but one would with another method.
     *
     * @param pos      index of the '/' that opens the next segment; {@code path.length()} when none is left
     * @param vars     variables captured above this node (the index of the next one)
     * @param allowed  null to find a route; else collects the methods of routes that fit all but
     *                 the method, and always answers null
     */
    RouteMatch<T> search(String path, int pos, int vars, String method, HttpHeaders headers,
                         Collection<String> allowed) {
        boolean wrongMethod = false;
        int len = path.length();
        if (pos < len) {
            int start = pos + 1;
            int end = path.indexOf('/', start);
            if (end < 0) end = len;
            if (literals != null) {
                TrieNode<T> child = literals.get(path, start, end);
                if (child != null) {
                    RouteMatch<T> m = child.search(path, end, vars, method, headers, allowed);
                    if (m != null) {
                        if (m != WRONG_METHOD) return m;
                        wrongMethod = true;
                    }
                }
                int bare = parametersStart(path, start, end);
                child = bare < end ? literals.get(path, start, bare) : null;
                if (child != null) {
                    RouteMatch<T> m = child.search(path, end, vars, method, headers, allowed);
                    if (m != null) {
                        if (m != WRONG_METHOD) return m;
                        wrongMethod = true;
                    }
                }
            }
            if (variable != null && end > start) {   // a variable never captures an empty segment
                RouteMatch<T> m = variable.search(path, end, vars + 1, method, headers, allowed);
                if (m != null) {
                    if (m != WRONG_METHOD) {
                        m.setVariableValue(vars, path.substring(start, end));
                        return m;
                    }
                    wrongMethod = true;
                }
            }
        } else {
            TrieLeaf<T> leaf = TrieLeaf.pick(leaves, method, headers, allowed);
            if (leaf != null) {
                if (leaf != TrieLeaf.WRONG_METHOD) return leaf.newMatch();
                wrongMethod = true;
            }
        }
        TrieLeaf<T> leaf = TrieLeaf.pick(prefixLeaves, method, headers, allowed);
        if (leaf != null) {
            if (leaf != TrieLeaf.WRONG_METHOD) {
                RouteMatch<T> m = leaf.newMatch();
                m.setVariableValue(vars, pos < len ? path.substring(pos + 1) : "");
                return m;
            }
            wrongMethod = true;
        }
        return wrongMethod ? wrongMethod() : null;
    }

    /**
     * Where a segment's path parameters start: its first {@code ;} or {@code %3B} (the normalised path
     * spells escapes in upper case), else {@code end}.
     */
    static int parametersStart(String path, int start, int end) {
        for (int i = start; i < end; i++) {
            char c = path.charAt(i);
            if (c == ';') return i;
            if (c == '%' && i + 2 < end && path.charAt(i + 1) == '3' && path.charAt(i + 2) == 'B') return i;
        }
        return end;
    }

    @SuppressWarnings("unchecked")
    static <T> RouteMatch<T> wrongMethod() {
        return (RouteMatch<T>) WRONG_METHOD;
    }

    /** A variable segment is wholly one {@code {name}}. */
    static boolean isVariable(String segment) {
        return segment.length() > 2 && segment.charAt(0) == '{' && segment.charAt(segment.length() - 1) == '}'
                && segment.indexOf('{', 1) < 0 && segment.indexOf('}') == segment.length() - 1;
    }

    /**
     * The segments of a path pattern or path: {@code "/"} has none, {@code "/a/"} has
     * {@code "a"} and an empty last one.
     */
    static List<String> segments(String path) {
        if (path.equals("/")) return List.of();
        return List.of(path.substring(1).split("/", -1));
    }

    /** The mutable form used while compiling; {@link #freeze()} makes the lookup form. */
    static final class Builder<T> {
        private final Map<String, Builder<T>> literals = new LinkedHashMap<>();
        private Builder<T> variable;
        private final List<TrieLeaf<T>> leaves = new ArrayList<>();
        private final List<TrieLeaf<T>> prefixLeaves = new ArrayList<>();

        /**
         * Adds a route under its path pattern; a {@code **} segment counts only in last place.
         *
         * @param strings  pool of segment texts shared across the whole router, so that the many
         *                 "items" or "v1" keys are one object that stays in cache
         */
        void insert(List<String> segments, TrieLeaf<T> leaf, Map<String, String> strings) {
            Builder<T> node = this;
            for (int i = 0; i < segments.size(); i++) {
                String segment = segments.get(i);
                if (segment.equals("**") && i == segments.size() - 1) {
                    node.prefixLeaves.add(leaf);
                    return;
                }
                if (isVariable(segment)) {
                    if (node.variable == null) node.variable = new Builder<>();
                    node = node.variable;
                } else {
                    node = node.literals.computeIfAbsent(strings.computeIfAbsent(segment, s -> s), s -> new Builder<>());
                }
            }
            node.leaves.add(leaf);
        }

        TrieNode<T> freeze() {
            LiteralTable<TrieNode<T>> table = null;
            if (!literals.isEmpty()) {
                Map<String, TrieNode<T>> frozen = new LinkedHashMap<>();
                literals.forEach((k, v) -> frozen.put(k, v.freeze()));
                table = new LiteralTable<>(frozen, false);
            }
            return new TrieNode<>(table, variable == null ? null : variable.freeze(), sorted(leaves), sorted(prefixLeaves));
        }

        @SuppressWarnings("unchecked")
        private static <T> TrieLeaf<T>[] sorted(List<TrieLeaf<T>> list) {
            if (list.isEmpty()) return (TrieLeaf<T>[]) NONE;
            TrieLeaf<T>[] array = list.toArray((TrieLeaf<T>[]) new TrieLeaf<?>[0]);
            Arrays.sort(array, TrieLeaf.PRECEDENCE);
            return array;
        }
    }
}
