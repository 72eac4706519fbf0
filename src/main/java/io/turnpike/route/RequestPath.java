package io.turnpike.route;

/**
 * The request target made safe to route on and to forward: a normalised path and the raw query,
 * or the reason the target is refused (answered 400).
 *
 * <p>Normalising means: unreserved characters ({@code A-Z a-z 0-9 - . _ ~}) that arrive
 * percent-encoded are decoded, exactly once; every other escape is kept, with upper-case hex;
 * dot segments are removed (RFC 3986 5.2.4) after that decoding, so {@code /a/%2e%2e/b} is
 * {@code /b}; duplicate slashes collapse. An escape that would decode to a character we never
 * want an upstream to see differently than the router did ({@code /}, {@code \}, controls) is
 * refused rather than kept, as are raw controls, spaces, non-ASCII bytes and fragments.
 * A double encoding such as {@code %252e} stays as it is: it names the text {@code %2e}, never a dot.
 *
 * <p>A dot segment with path parameters ({@code ..;jsessionid=1}, {@code %2e%2E;x}, {@code .;}) is
 * refused: servlet containers and Spring drop a segment's {@code ;params} before resolving dots, so
 * {@code /public/..;/private} would be {@code /private} to the origin while it routes under
 * {@code /public}. An encoded {@code %3B} counts as {@code ;} here: Tomcat only splits on a raw one,
 * but a hop that decodes first would not. Other segments keep their parameters ({@code /a;b=c/d}).
 */
public final class RequestPath {
    public static final String NOT_ORIGIN_FORM = "request target must start with '/' (or be an absolute http(s) URI)";
    public static final String MISSING_AUTHORITY = "absolute-form request target without a host";
    public static final String CONTROL_CHARACTER = "control character or space in request target";
    public static final String NON_ASCII = "non-ASCII byte in request target (percent-encode it)";
    public static final String BACKSLASH = "backslash in request path";
    public static final String FRAGMENT = "fragment ('#') in request target";
    public static final String MALFORMED_ESCAPE = "malformed percent-escape in request path";
    public static final String ENCODED_SLASH = "encoded slash (%2F) in request path";
    public static final String ENCODED_BACKSLASH = "encoded backslash (%5C) in request path";
    public static final String ENCODED_CONTROL = "encoded control character in request path";
    public static final String DOT_SEGMENT_PARAMETERS = "dot segment with path parameters ('..;') in request path";

    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

    private final String path;
    private final String query;
    private final String authority;
    private final String rejection;

    private RequestPath(String path, String query, String authority, String rejection) {
        this.path = path;
        this.query = query;
        this.authority = authority;
        this.rejection = rejection;
    }

    /** Normalised path; null when rejected. */
    public String path() { return path; }

    /** The raw query after '?', unchanged; null when there is no '?'. */
    public String query() { return query; }

    /** The host[:port] of an absolute-form target; null for origin-form. */
    public String authority() { return authority; }

    /** Why the target is refused; null when accepted. */
    public String rejection() { return rejection; }

    public boolean isValid() { return rejection == null; }

    @Override
    public String toString() {
        return rejection != null ? "rejected: " + rejection : query == null ? path : path + "?" + query;
    }

    /** Parses the request-target of a request line (origin-form or absolute-form). */
    public static RequestPath parse(String target) {
        if (target == null || target.isEmpty()) return rejected(NOT_ORIGIN_FORM);
        int start = 0;
        String authority = null;
        int len = target.length();
        if (target.charAt(0) != '/') {
            int schemeEnd = target.regionMatches(true, 0, "http://", 0, 7) ? 7
                    : target.regionMatches(true, 0, "https://", 0, 8) ? 8 : -1;
            if (schemeEnd < 0) return rejected(NOT_ORIGIN_FORM);
            start = schemeEnd;
            while (start < len && "/?#".indexOf(target.charAt(start)) < 0) start++;
            if (start == schemeEnd) return rejected(MISSING_AUTHORITY);
            if (start < len && target.charAt(start) == '#') return rejected(FRAGMENT);
            authority = target.substring(schemeEnd, start);
        }
        int q = target.indexOf('?', start);
        int pathEnd = q < 0 ? len : q;
        String query = null;
        if (q >= 0) {
            String problem = checkQuery(target, q + 1, len);
            if (problem != null) return rejected(problem);
            query = target.substring(q + 1);
        }
        String path;
        if (start == pathEnd) {
            path = "/";   // absolute-form with an empty path
        } else if (isClean(target, start, pathEnd)) {
            path = target.substring(start, pathEnd);   // the common case: no copy when it is the whole target
        } else {
            StringBuilder out = new StringBuilder(pathEnd - start + 4);
            String problem = normalise(target, start, pathEnd, out);
            if (problem != null) return rejected(problem);
            path = out.toString();
        }
        return new RequestPath(path, query, authority, null);
    }

    /** True when the path needs no change and holds nothing to refuse. */
    private static boolean isClean(String s, int from, int to) {
        char prev = 0;
        for (int i = from; i < to; i++) {
            char c = s.charAt(i);
            if (c <= ' ' || c >= 0x7f || c == '%' || c == '\\' || c == '#') return false;
            if (prev == '/') {
                if (c == '/') return false;
                if (c == '.' && isDotSegment(s, i, to)) return false;
            }
            prev = c;
        }
        return true;
    }

    /** A "." or ".." segment, also one with {@code ;params} (which {@link #normalise} then refuses). */
    private static boolean isDotSegment(String s, int i, int to) {
        int next = i + 1;
        if (next < to && s.charAt(next) == '.') next++;
        return next == to || s.charAt(next) == '/' || s.charAt(next) == ';';
    }

    /**
     * One pass over {@code s[from, to)} (which starts with '/'): each segment is decoded into
     * {@code out} after a '/', then dropped again when it turns out empty, "." or "..".
     *
     * @return null, or why the path is refused
     */
    private static String normalise(String s, int from, int to, StringBuilder out) {
        boolean trailingSlash = false;
        int i = from;
        while (i < to) {
            int mark = out.length();
            out.append('/');
            int j = i + 1;
            for (; j < to; j++) {
                char c = s.charAt(j);
                if (c == '/') break;
                if (c == '%') {
                    if (j + 2 >= to) return MALFORMED_ESCAPE;
                    int hi = hex(s.charAt(j + 1));
                    int lo = hex(s.charAt(j + 2));
                    if (hi < 0 || lo < 0) return MALFORMED_ESCAPE;
                    int b = hi << 4 | lo;
                    if (b == '/') return ENCODED_SLASH;
                    if (b == '\\') return ENCODED_BACKSLASH;
                    if (b < 0x20 || b == 0x7f) return ENCODED_CONTROL;
                    if (isUnreserved(b)) {
                        out.append((char) b);
                    } else {
                        out.append('%').append(HEX[hi]).append(HEX[lo]);
                    }
                    j += 2;
                } else {
                    String problem = check(c);
                    if (problem != null) return problem;
                    out.append(c);
                }
            }
            boolean last = j >= to;
            int segment = out.length() - mark - 1;
            if (hasDotsBeforeParameters(out, mark + 1)) return DOT_SEGMENT_PARAMETERS;
            if (segment == 0 || segment == 1 && out.charAt(mark + 1) == '.') {
                out.setLength(mark);
                trailingSlash = last;
            } else if (segment == 2 && out.charAt(mark + 1) == '.' && out.charAt(mark + 2) == '.') {
                out.setLength(mark);
                int slash = mark - 1;
                while (slash >= 0 && out.charAt(slash) != '/') slash--;
                out.setLength(Math.max(slash, 0));   // "/.." at the root stays at the root
                trailingSlash = last;
            } else {
                trailingSlash = false;
            }
            i = j;
        }
        if (out.isEmpty() || trailingSlash) out.append('/');
        return null;
    }

    /** The decoded segment from {@code from} is "." or ".." up to a ';' (raw or {@code %3B}). */
    private static boolean hasDotsBeforeParameters(StringBuilder out, int from) {
        int end = out.length();
        int i = from;
        if (i == end || out.charAt(i) != '.') return false;
        i++;
        if (i < end && out.charAt(i) == '.') i++;
        if (i == end) return false;
        return out.charAt(i) == ';' || i + 2 < end && out.charAt(i) == '%' && out.charAt(i + 1) == '3'
                && out.charAt(i + 2) == 'B';   // escapes in out are upper-case
    }

    private static String check(char c) {
        if (c <= ' ' || c == 0x7f) return CONTROL_CHARACTER;
        if (c > 0x7f) return NON_ASCII;
        if (c == '\\') return BACKSLASH;
        if (c == '#') return FRAGMENT;
        return null;
    }

    private static String checkQuery(String s, int from, int to) {
        for (int i = from; i < to; i++) {
            char c = s.charAt(i);
            if (c <= ' ' || c >= 0x7f || c == '#') return check(c);
        }
        return null;
    }

    private static int hex(char c) {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        return -1;
    }

    private static boolean isUnreserved(int b) {
        return b >= 'A' && b <= 'Z' || b >= 'a' && b <= 'z' || b >= '0' && b <= '9'
                || b == '-' || b == '.' || b == '_' || b == '~';
    }

    private static RequestPath rejected(String reason) {
        return new RequestPath(null, null, null, reason);
    }
}
