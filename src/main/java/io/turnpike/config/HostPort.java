package io.turnpike.config;

import java.util.regex.Pattern;

/**
 * A host and port as written in {@code server.listen} and node URLs: {@code host:port},
 * {@code 1.2.3.4:port} or {@code [::1]:port}. The host is kept lower-case and without brackets,
 * ready for {@code InetSocketAddress}.
 */
record HostPort(String host, int port) {
    private static final Pattern NAME = Pattern.compile("[a-z0-9_]([a-z0-9_.-]*[a-z0-9_])?");
    private static final Pattern IPV6 = Pattern.compile("[0-9a-f:.]*:[0-9a-f:.]*(%[a-z0-9_.-]+)?");

    /** {@code [::1]} for IPv6 hosts, the plain host otherwise: the form a URL needs. */
    String hostForUrl() {
        return host.indexOf(':') >= 0 ? "[" + host + "]" : host;
    }

    /** A lower-case DNS name (not an IP literal): what SNI may carry. */
    static boolean isHostName(String host) {
        return NAME.matcher(host).matches() && !host.chars().allMatch(c -> c == '.' || Character.isDigit(c));
    }

    /**
     * @param text         {@code host:port} or, when {@code defaultPort >= 0}, just {@code host}
     * @param minPort      0 where a port of 0 means "pick a free one", else 1
     * @return the parsed value, or null when {@code text} is not a host and port
     */
    static HostPort parse(String text, int defaultPort, int minPort) {
        String t = text.toLowerCase(java.util.Locale.ROOT);
        String host;
        String port;
        if (t.startsWith("[")) {
            int close = t.indexOf(']');
            if (close < 0) return null;
            host = t.substring(1, close);
            String rest = t.substring(close + 1);
            if (!IPV6.matcher(host).matches()) return null;
            if (rest.isEmpty()) {
                port = null;
            } else if (rest.startsWith(":")) {
                port = rest.substring(1);
            } else {
                return null;
            }
        } else {
            int colon = t.lastIndexOf(':');
            // More than one colon without brackets is an IPv6 address whose port cannot be told apart.
            if (colon >= 0 && t.indexOf(':') != colon) return null;
            host = colon < 0 ? t : t.substring(0, colon);
            port = colon < 0 ? null : t.substring(colon + 1);
            if (!NAME.matcher(host).matches()) return null;
        }
        int p;
        if (port == null) {
            if (defaultPort < 0) return null;
            p = defaultPort;
        } else {
            if (port.isEmpty() || port.length() > 5 || !port.chars().allMatch(Character::isDigit)) return null;
            p = Integer.parseInt(port);
            if (p < minPort || p > 65535) return null;
        }
        return new HostPort(host, p);
    }
}
