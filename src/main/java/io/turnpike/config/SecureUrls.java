package io.turnpike.config;

import java.net.URI;
import java.util.Locale;

/**
 * URLs the gateway takes keys from or sends credentials to (an issuer's JWKS, the introspection
 * endpoint): https:// only, unless the entry says {@code allowInsecure: true}. Loopback is no
 * exception: whoever can listen on a local port, or sits between the gateway and a sidecar, could
 * then forge keys or read the client secret.
 */
final class SecureUrls {
    private SecureUrls() {}

    /**
     * The URL at {@code url}, stripped; null, with a problem there, when it is not an http(s) URL
     * with a host, or is http:// while {@code allowInsecure} is not true.
     *
     * @param key      the key as the message names it ({@code jwks}, {@code endpoint})
     * @param expected what a good value looks like, for the message
     */
    static String read(ConfigNode url, ConfigNode allowInsecure, String key, String expected) {
        boolean insecureOk = allowed(allowInsecure);
        String u = url.text(expected);
        if (u == null) return null;
        URI uri;
        try {
            uri = URI.create(u.strip());
        } catch (IllegalArgumentException e) {
            url.expected(expected);
            return null;
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (uri.getHost() == null || !(scheme.equals("https") || scheme.equals("http"))) {
            url.expected(expected);
            return null;
        }
        if (scheme.equals("http") && !insecureOk) {
            url.problem(url.describe() + ": " + key + " must be https:// (allowInsecure: true to allow http://)");
            return null;
        }
        return u.strip();
    }

    /** {@code allowInsecure: true | false}, false when absent. */
    private static boolean allowed(ConfigNode n) {
        return n.bool(false);
    }
}
