package io.turnpike.compose;

import com.fasterxml.jackson.databind.JsonNode;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.turnpike.core.PolicyCall;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A string with {@code {...}} variables, split once into literal text and references: route
 * variables ({@code {id}}), request values ({@code {header.X}}, {@code {query.q}}, {@code {claim.sub}},
 * {@code {consumer.id}}, {@code {consumer.groups}}, {@code {profile}}, {@code {requestId}}) and, in an
 * aggregation, a call's result ({@code {profile.segment}}). The config loader has already checked
 * that every reference resolves. A value that is missing renders as the empty string.
 *
 * <p>Rendered as text (a header, a JSON field) values go in as they are; rendered as a URI or a
 * query value each is encoded for where it lands ({@link UriComponents}), and a value that would
 * leave its path segment is refused ({@link UnsafeValue}).
 */
final class Template {
    private static final Pattern VAR = Pattern.compile("\\{([^{}]*)}");
    private static final List<String> REQUEST_PREFIXES = List.of("header", "query", "claim", "consumer");
    private final String[] literals; // literals[i] comes before refs[i]; one more literal than refs
    private final String[][] refs;   // each reference split at its dots
    private final int queryFrom;     // refs from this index on stand after the '?' of a URI template

    private Template(String[] literals, String[][] refs) {
        this.literals = literals;
        this.refs = refs;
        int q = 0;
        while (q < refs.length && literals[q].indexOf('?') < 0) q++;
        this.queryFrom = q;
    }

    static Template compile(String text) {
        List<String> lits = new ArrayList<>();
        List<String[]> refs = new ArrayList<>();
        Matcher m = VAR.matcher(text);
        int at = 0;
        while (m.find()) {
            lits.add(text.substring(at, m.start()));
            refs.add(m.group(1).strip().split("\\.", -1));
            at = m.end();
        }
        lits.add(text.substring(at));
        return new Template(lits.toArray(String[]::new), refs.toArray(String[][]::new));
    }

    boolean isConstant() {
        return refs.length == 0;
    }

    /** A value that cannot go where the template puts it; {@link #fromResult()} tells whose fault it is. */
    static final class UnsafeValue extends Exception {
        private final boolean fromResult;

        UnsafeValue(String message, boolean fromResult) {
            super(message, null, false, false); // answers a request: no stack trace to fill
            this.fromResult = fromResult;
        }

        /** True when the value came from another call's answer, not from the request. */
        boolean fromResult() {
            return fromResult;
        }
    }

    /**
     * As text, for a header or a JSON field: values as they are, route variables in the request
     * path's encoded form.
     *
     * @param results a call's result by name (null outside an aggregation)
     */
    String render(PolicyCall call, Function<String, JsonNode> results) {
        if (refs.length == 0) return literals[0];
        StringBuilder b = new StringBuilder(64);
        for (int i = 0; i < refs.length; i++) {
            b.append(literals[i]);
            String v = isRouteVariable(refs[i]) ? call.pathVariable(refs[i][0]) : value(call, results, refs[i]);
            if (v != null) b.append(v);
        }
        return b.append(literals[refs.length]).toString();
    }

    /**
     * As a path and query ({@code /orders/{id}?user={userId}}): the literal text is the URI as
     * written, each value is encoded for the path or the query, and a value that would make its
     * segment "." or ".." or hold '/' is refused.
     */
    String renderUri(PolicyCall call, Function<String, JsonNode> results) throws UnsafeValue {
        if (refs.length == 0) return literals[0];
        StringBuilder b = new StringBuilder(64);
        int[] inPath = new int[queryFrom]; // where each path value starts, to check its segment at the end
        for (int i = 0; i < refs.length; i++) {
            b.append(literals[i]);
            String[] r = refs[i];
            boolean route = isRouteVariable(r);
            String v = route ? call.pathVariable(r[0]) : value(call, results, r);
            if (i >= queryFrom) {
                if (v == null) continue;
                if (route) {
                    UriComponents.appendEncodedToQuery(b, v);
                } else {
                    UriComponents.appendText(b, v);
                }
                continue;
            }
            inPath[i] = b.length();
            if (v == null) continue;
            boolean ok = route ? UriComponents.appendEncodedToPath(b, v) : UriComponents.appendTextToPath(b, v);
            if (!ok) throw unsafe(r, "holds '/', '\\' or a control character");
        }
        b.append(literals[refs.length]);
        for (int i = 0; i < inPath.length; i++) {
            if (isDotSegmentAt(b, inPath[i])) throw unsafe(refs[i], "would make a '.' or '..' segment");
        }
        return b.toString();
    }

    /** Whether the path segment around {@code at} (values never hold '/' or '?') is "." or "..". */
    private static boolean isDotSegmentAt(StringBuilder b, int at) {
        int from = at;
        while (from > 0 && b.charAt(from - 1) != '/') from--;
        int to = at;
        while (to < b.length() && b.charAt(to) != '/' && b.charAt(to) != '?') to++;
        return UriComponents.isDotSegment(b, from, to);
    }

    /**
     * As one query parameter's value: the literal text is text too (encoded as a whole), route
     * variables keep their escapes.
     */
    String renderQueryValue(PolicyCall call) {
        StringBuilder b = new StringBuilder(32);
        for (int i = 0; i < refs.length; i++) {
            UriComponents.appendText(b, literals[i]);
            String[] r = refs[i];
            if (isRouteVariable(r)) {
                String v = call.pathVariable(r[0]);
                if (v != null) UriComponents.appendEncodedToQuery(b, v);
            } else {
                String v = value(call, null, r);
                if (v != null) UriComponents.appendText(b, v);
            }
        }
        UriComponents.appendText(b, literals[refs.length]);
        return b.toString();
    }

    private static UnsafeValue unsafe(String[] ref, String why) {
        String name = "{" + String.join(".", ref) + "}";
        return new UnsafeValue("the value of " + name + " cannot go into the path: it " + why,
                ref.length > 1 && !REQUEST_PREFIXES.contains(ref[0]));
    }

    private static boolean isRouteVariable(String[] r) {
        return r.length == 1 && !r[0].equals("profile") && !r[0].equals("requestId");
    }

    private static String value(PolicyCall call, Function<String, JsonNode> results, String[] r) {
        switch (r[0]) {
            case "profile":
                if (r.length == 1) return call.profile();
                break;
            case "requestId":
                if (r.length == 1) return call.requestId();
                break;
            case "header":
                return call.headers().get(rest(r));
            case "query": {
                List<String> vs = queryParameters(call.query()).get(rest(r));
                return vs == null || vs.isEmpty() ? null : vs.get(0);
            }
            case "claim": {
                Object c = claim(call.claims(), rest(r));
                return c == null ? null : c instanceof List<?> l ? String.join(",", l.stream().map(String::valueOf).toList())
                        : String.valueOf(c);
            }
            case "consumer":
                if (call.consumer() == null) return null;
                return r[1].equals("id") ? call.consumer().id() : call.consumer().groupsHeader();
            default:
                break;
        }
        if (results == null) return null;
        JsonNode n = results.apply(r[0]);
        for (int i = 1; i < r.length && n != null; i++) {
            n = n.isArray() && r[i].chars().allMatch(Character::isDigit) ? n.get(Integer.parseInt(r[i])) : n.get(r[i]);
        }
        if (n == null || n.isNull() || n.isMissingNode()) return null;
        return n.isValueNode() ? n.asText() : n.toString();
    }

    /** The query's parameters; none when it is absent or its escapes are malformed. */
    static Map<String, List<String>> queryParameters(String query) {
        if (query == null) return Map.of();
        try {
            return new QueryStringDecoder(query, false).parameters();
        } catch (IllegalArgumentException e) {
            return Map.of();
        }
    }

    private static Object claim(Map<String, Object> claims, String name) {
        return claims == null ? null : claims.get(name);
    }

    private static String rest(String[] r) {
        return r.length == 2 ? r[1] : String.join(".", java.util.Arrays.copyOfRange(r, 1, r.length));
    }
}
