package io.turnpike.config;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * A route's {@code match.path}: literal segments, whole-segment variables ({@code /users/{id}})
 * and an optional trailing {@code /**} that makes it a prefix match.
 *
 * @param variables variable names in order of appearance
 * @param shape     the pattern with variables unnamed ({@code /users/{}}): two patterns with the
 *                  same shape match exactly the same paths
 */
record PathPattern(String text, List<String> variables, boolean prefix, String shape) {
    static final String EXPECTED = "a path like /users, /users/{id} or /api/**";
    private static final Pattern VARIABLE = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
    // RFC 3986 pchar, without '*' (kept for the prefix wildcard) and without braces (variables).
    private static final Pattern LITERAL = Pattern.compile("([A-Za-z0-9\\-._~!$&'()+,;=:@]|%[0-9A-Fa-f]{2})+");

    /** Thrown with the reason, phrased as what was expected. */
    static final class Invalid extends Exception {
        Invalid(String expected) {
            super(expected, null, false, false);
        }
    }

    static PathPattern parse(String text) throws Invalid {
        if (!text.startsWith("/")) throw new Invalid("a path starting with /, like /users/{id}");
        boolean prefix = text.equals("/**") || text.endsWith("/**");
        String body = prefix ? text.substring(0, text.length() - 3) : text;
        List<String> variables = new ArrayList<>();
        StringBuilder shape = new StringBuilder();
        // "/" alone and "/x/" end with an empty segment: a trailing slash is part of an exact path.
        String[] segments = body.isEmpty() ? new String[0] : body.substring(1).split("/", -1);
        for (int i = 0; i < segments.length; i++) {
            String seg = segments[i];
            boolean last = i == segments.length - 1;
            shape.append('/');
            if (seg.isEmpty()) {
                if (last && !prefix) continue;
                throw new Invalid("no empty segments (//) in the path");
            }
            if (seg.startsWith("{") && seg.endsWith("}")) {
                String name = seg.substring(1, seg.length() - 1);
                if (!VARIABLE.matcher(name).matches()) {
                    throw new Invalid("variable names of letters, digits and _, like {id} or {user_id}");
                }
                if (variables.contains(name)) throw new Invalid("each variable once; {" + name + "} repeats");
                variables.add(name);
                shape.append("{}");
            } else if (seg.contains("{") || seg.contains("}")) {
                throw new Invalid("a variable to fill a whole segment, like /users/{id}");
            } else if (seg.contains("*")) {
                throw new Invalid("** only as the last segment, like /api/**");
            } else if (!LITERAL.matcher(seg).matches()) {
                throw new Invalid("a path of letters, digits, %XX escapes and -._~!$&'()+,;=:@");
            } else {
                shape.append(seg);
            }
        }
        if (prefix) shape.append("/**");
        return new PathPattern(text, List.copyOf(variables), prefix, shape.toString());
    }

    /** The literal segments before the first variable or wildcard, e.g. {@code /api} for {@code /api/{v}/**}. */
    String literalPrefix() {
        int cut = text.length();
        int brace = text.indexOf('{');
        int star = text.indexOf('*');
        if (brace >= 0) cut = brace;
        if (star >= 0) cut = Math.min(cut, star);
        String p = text.substring(0, cut);
        return p.endsWith("/") && p.length() > 1 ? p.substring(0, p.length() - 1) : p;
    }
}
