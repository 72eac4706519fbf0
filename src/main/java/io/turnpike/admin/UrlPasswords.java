package io.turnpike.admin;

import java.util.Locale;
import java.util.Set;

/**
 * Hides the password in a URL and keeps the rest, so {@code postgresql://app:pw@db:5432/gw} shows
 * as {@code postgresql://app:***@db:5432/gw}: the password of the userinfo (all of it for Redis,
 * where {@code redis://pw@host} is a password), and credential query parameters such as JDBC's
 * {@code ?password=}.
 */
final class UrlPasswords {
    static final String MASK = "***";
    private static final Set<String> SECRET_PARAMS = Set.of("password", "passwd", "pwd", "pass", "sslpassword",
            "secret", "client_secret", "token", "access_token", "apikey", "api_key", "key", "sig", "signature");

    private UrlPasswords() {}

    /** {@code text} with its URL's password hidden; text that is not such a URL comes back as it is. */
    static String mask(String text) {
        int slashes = text.indexOf("://");
        if (slashes <= 0) return text;
        String scheme = text.substring(0, slashes).toLowerCase(Locale.ROOT);
        int authority = slashes + 3;
        int end = authority;
        while (end < text.length() && "/?#".indexOf(text.charAt(end)) < 0) end++;
        StringBuilder out = new StringBuilder(text.length());
        int at = text.lastIndexOf('@', end - 1);
        if (at >= authority) {
            String userinfo = text.substring(authority, at);
            int colon = userinfo.indexOf(':');
            out.append(text, 0, authority);
            if (colon >= 0) {
                out.append(userinfo, 0, colon + 1).append(MASK);
            } else {
                out.append(scheme.startsWith("redis") ? MASK : userinfo);
            }
            out.append(text, at, end);
        } else {
            out.append(text, 0, end);
        }
        return out.append(query(text.substring(end))).toString();
    }

    /** The path, query and fragment with the values of credential parameters hidden. */
    private static String query(String rest) {
        int q = rest.indexOf('?');
        if (q < 0) return rest;
        int hash = rest.indexOf('#', q);
        String params = hash < 0 ? rest.substring(q + 1) : rest.substring(q + 1, hash);
        StringBuilder out = new StringBuilder(rest.length()).append(rest, 0, q + 1);
        String sep = "";
        for (String param : params.split("&", -1)) {
            int eq = param.indexOf('=');
            String name = (eq < 0 ? param : param.substring(0, eq)).toLowerCase(Locale.ROOT);
            out.append(sep).append(eq >= 0 && SECRET_PARAMS.contains(name) ? param.substring(0, eq + 1) + MASK : param);
            sep = "&";
        }
        return hash < 0 ? out.toString() : out.append(rest, hash, rest.length()).toString();
    }
}
