package io.turnpike.compose;

import com.fasterxml.jackson.databind.JsonNode;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.turnpike.proxy.PolicyCall;
import java.nio.charset.StandardCharsets;
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
 */
final class Template {
    private static final Pattern VAR = Pattern.compile("\\{([^{}]*)}");
    private final String[] literals; // literals[i] comes before refs[i]; one more literal than refs
    private final String[][] refs;   // each reference split at its dots

    private Template(String[] literals, String[][] refs) {
        this.literals = literals;
        this.refs = refs;
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

    /**
     * @param results a call's result by name (null outside an aggregation)
     * @param encode  percent-encode values from the request and from results (for a path or query);
     *                route variables are already in their encoded form and go in as they are
     */
    String render(PolicyCall call, Function<String, JsonNode> results, boolean encode) {
        if (refs.length == 0) return literals[0];
        StringBuilder b = new StringBuilder(64);
        for (int i = 0; i < refs.length; i++) {
            b.append(literals[i]);
            String[] r = refs[i];
            if (r.length == 1 && !r[0].equals("profile") && !r[0].equals("requestId")) {
                String v = call.pathVariable(r[0]);
                if (v != null) b.append(v);
                continue;
            }
            String v = value(call, results, r);
            if (v != null) b.append(encode ? encode(v) : v);
        }
        b.append(literals[refs.length]);
        return b.toString();
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

    /** Percent-encodes all but RFC 3986 unreserved characters. */
    static String encode(String v) {
        byte[] bytes = v.getBytes(StandardCharsets.UTF_8);
        StringBuilder b = new StringBuilder(bytes.length + 8);
        for (byte x : bytes) {
            int c = x & 0xff;
            if (c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.'
                    || c == '_' || c == '~') {
                b.append((char) c);
            } else {
                b.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(c & 15, 16)));
            }
        }
        return b.toString();
    }
}
