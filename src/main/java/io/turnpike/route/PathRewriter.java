package io.turnpike.route;

import io.turnpike.config.RouteSpec;
import java.util.ArrayList;
import java.util.List;

/**
 * Builds the upstream path for a matched request, compiled once per route from its
 * {@code rewrite:}: a template over the match's variables, a stripped literal prefix, or the
 * request path unchanged. The query string is not its business: the caller appends it as it came.
 */
public abstract class PathRewriter {
    private static final PathRewriter UNCHANGED = new Unchanged();

    private PathRewriter() {}

    /** The upstream path, never empty and always starting with '/'. */
    public abstract String rewrite(String normalisedPath, RouteMatch<?> match);

    /** A template wins over {@code stripPrefix} when a config sets both. */
    public static PathRewriter compile(RouteSpec.Rewrite rewrite) {
        if (rewrite == null) return UNCHANGED;
        if (rewrite.path() != null) return Template.parse(rewrite.path());
        String prefix = rewrite.stripPrefix();
        if (prefix == null) return UNCHANGED;
        while (prefix.endsWith("/")) prefix = prefix.substring(0, prefix.length() - 1);
        return prefix.isEmpty() ? UNCHANGED : new StripPrefix(prefix);
    }

    private static final class Unchanged extends PathRewriter {
        @Override
        public String rewrite(String normalisedPath, RouteMatch<?> match) {
            return normalisedPath;
        }
    }

    /**
     * Removes a literal prefix of whole segments: {@code /api} takes {@code /api/x} to {@code /x}. A
     * segment of the prefix may have come with path parameters ({@code /api;v=1/x}); they go with it,
     * as the router matched the segment without them.
     */
    private static final class StripPrefix extends PathRewriter {
        private final String prefix;

        StripPrefix(String prefix) {
            this.prefix = prefix;
        }

        @Override
        public String rewrite(String path, RouteMatch<?> match) {
            int n = prefix.length();
            if (path.startsWith(prefix) && (path.length() == n || path.charAt(n) == '/')) {
                return path.length() == n ? "/" : path.substring(n);   // the common case: no parameters
            }
            int at = 0;
            for (int p = 0; p < n; ) {   // prefix.charAt(p) and path.charAt(at) open a segment
                int prefixEnd = prefix.indexOf('/', p + 1);
                if (prefixEnd < 0) prefixEnd = n;
                if (at >= path.length()) return path;
                int end = path.indexOf('/', at + 1);
                if (end < 0) end = path.length();
                int length = prefixEnd - p - 1;
                int after = at + 1 + length;
                if (after > end || !path.regionMatches(at + 1, prefix, p + 1, length)
                        || after < end && TrieNode.parametersStart(path, after, end) != after) {
                    return path;
                }
                at = end;
                p = prefixEnd;
            }
            return at == path.length() ? "/" : path.substring(at);
        }
    }

    /**
     * Literal text with {@code {name}} holes. An empty {@code {**}} swallows the '/' before it,
     * so {@code /v2/{**}} takes {@code /api} to {@code /v2}, but keeps it when the request path
     * itself ended in '/'. Values go in verbatim: they are segments of the normalised path, so
     * {@link RequestPath} has already refused or resolved whatever an origin could read as a
     * separator or a dot segment ({@code %2F}, {@code \}, {@code ..;}), and kept escapes encoded.
     */
    private static final class Template extends PathRewriter {
        private final String[] texts;   // one more than names: text, name, text, ..., text
        private final String[] names;

        private Template(String[] texts, String[] names) {
            this.texts = texts;
            this.names = names;
        }

        static Template parse(String template) {
            List<String> texts = new ArrayList<>();
            List<String> names = new ArrayList<>();
            int from = 0;
            int open;
            while ((open = template.indexOf('{', from)) >= 0) {
                int close = template.indexOf('}', open + 1);
                if (close < 0) break;
                texts.add(template.substring(from, open));
                names.add(template.substring(open + 1, close));
                from = close + 1;
            }
            texts.add(template.substring(from));
            return new Template(texts.toArray(String[]::new), names.toArray(String[]::new));
        }

        @Override
        public String rewrite(String path, RouteMatch<?> match) {
            StringBuilder out = new StringBuilder(path.length() + 16);
            for (int i = 0; i < names.length; i++) {
                out.append(texts[i]);
                String value = match == null ? null : match.variable(names[i]);
                if (value == null || value.isEmpty()) {
                    String next = texts[i + 1];
                    boolean atEnd = next.isEmpty() && i == names.length - 1;
                    boolean dropSlash = names[i].equals("**") && endsWithSlash(out)
                            && (atEnd ? !path.endsWith("/") : next.startsWith("/"));
                    if (dropSlash) out.setLength(out.length() - 1);
                } else {
                    out.append(value);
                }
            }
            out.append(texts[names.length]);
            if (out.isEmpty() || out.charAt(0) != '/') out.insert(0, '/');
            return out.toString();
        }

        private static boolean endsWithSlash(StringBuilder out) {
            return !out.isEmpty() && out.charAt(out.length() - 1) == '/';
        }
    }
}
