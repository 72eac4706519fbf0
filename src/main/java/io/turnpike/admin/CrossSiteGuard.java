package io.turnpike.admin;

import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Keeps web pages out of an admin listener that has no token. Listening on loopback is not enough:
 * a page in the operator's browser can post a form to 127.0.0.1, or point a name of its own at
 * 127.0.0.1 (DNS rebinding) and then read the answers as same-origin. So without a token a request
 * must name a loopback host (a rebound name is not one), carry no {@code Origin} but the
 * listener's own, and send a body as JSON or YAML: a page can send neither cross-site without a
 * CORS preflight, and the admin listener never grants one. With a token none of this applies.
 */
final class CrossSiteGuard {
    static final String ACCEPTED_TYPES = "application/json, application/yaml";
    private static final Pattern PORT = Pattern.compile("[0-9]{1,5}");
    private static final Pattern IPV4_LOOPBACK = Pattern.compile("127(\\.(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])){3}");
    private static final Pattern IPV6_LITERAL = Pattern.compile("[0-9a-f:.]+");

    private CrossSiteGuard() {}

    /** Null when the request may go on, else the 403 or 415 to answer. */
    static AdminReply check(AdminApi.Request r) {
        if (r.host() == null || !loopbackHost(r.host())) {
            return AdminReply.problem(HttpResponseStatus.FORBIDDEN, "foreign-host", "Foreign host",
                    "Host: " + (r.host() == null ? "missing or repeated" : shown(r.host())) + " (expected: localhost, "
                    + "127.0.0.1 or [::1]: without admin.token the admin listener answers only requests for a "
                    + "loopback name, so a page whose own name resolves here cannot reach it)");
        }
        if (r.origin() != null && !r.origin().strip().equalsIgnoreCase("http://" + r.host().strip())) {
            return AdminReply.problem(HttpResponseStatus.FORBIDDEN, "foreign-origin", "Foreign origin",
                    "Origin: " + shown(r.origin()) + " (expected: no Origin, or \"http://" + r.host().strip()
                    + "\": without admin.token the admin listener refuses requests from other sites' pages)");
        }
        if (write(r.method()) && !r.body().isEmpty() && !acceptedType(r.contentType())) {
            return AdminReply.problem(HttpResponseStatus.UNSUPPORTED_MEDIA_TYPE, "unsupported-media-type",
                    "Unsupported media type", "Content-Type: " + (r.contentType() == null ? "missing"
                    : shown(r.contentType())) + " (expected: " + ACCEPTED_TYPES + ")")
                    .withHeader("Accept", ACCEPTED_TYPES);
        }
        return null;
    }

    /**
     * {@code localhost}, a name under {@code .localhost} (never looked up in DNS, RFC 6761), a
     * {@code 127.0.0.0/8} address or a loopback IPv6 literal in brackets, each with an optional port.
     */
    static boolean loopbackHost(String hostHeader) {
        String h = hostHeader.strip().toLowerCase(Locale.ROOT);
        String name;
        if (h.startsWith("[")) {
            int end = h.indexOf(']');
            if (end < 0 || !portOrNothing(h.substring(end + 1))) return false;
            name = h.substring(1, end);
            return IPV6_LITERAL.matcher(name).matches() && name.indexOf(':') >= 0 && loopbackLiteral(name);
        }
        int colon = h.indexOf(':');
        if (colon >= 0 && !portOrNothing(h.substring(colon))) return false;
        name = colon >= 0 ? h.substring(0, colon) : h;
        if (name.endsWith(".")) name = name.substring(0, name.length() - 1);
        return name.equals("localhost") || (name.endsWith(".localhost") && name.length() > ".localhost".length()
                && !name.contains("..")) || IPV4_LOOPBACK.matcher(name).matches();
    }

    private static boolean portOrNothing(String rest) {
        return rest.isEmpty() || rest.startsWith(":") && PORT.matcher(rest.substring(1)).matches();
    }

    private static boolean loopbackLiteral(String ipv6) {
        try {
            return InetAddress.getByName(ipv6).isLoopbackAddress(); // a literal: no DNS lookup
        } catch (UnknownHostException e) {
            return false;
        }
    }

    private static boolean write(HttpMethod m) {
        return !m.equals(HttpMethod.GET) && !m.equals(HttpMethod.HEAD);
    }

    /** {@code application/json} or {@code application/yaml}, parameters such as {@code charset} allowed. */
    static boolean acceptedType(String contentType) {
        if (contentType == null) return false;
        int semi = contentType.indexOf(';');
        String type = (semi < 0 ? contentType : contentType.substring(0, semi)).strip().toLowerCase(Locale.ROOT);
        return type.equals("application/json") || type.equals("application/yaml");
    }

    /** A header value as a problem shows it: quoted, short, no control characters. */
    private static String shown(String s) {
        String cut = s.length() > 100 ? s.substring(0, 97) + "..." : s;
        StringBuilder b = new StringBuilder(cut.length() + 2).append('"');
        for (char c : cut.toCharArray()) b.append(c < 0x20 || c == 0x7f || c == '"' ? '?' : c);
        return b.append('"').toString();
    }
}
