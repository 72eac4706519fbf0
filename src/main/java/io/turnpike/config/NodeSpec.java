package io.turnpike.config;

/**
 * One node of a service: {@code http://host:port} (or {@code https://}) and a relative weight.
 *
 * @param url     as written, normalised to {@code http://host:port} or {@code https://host:port}
 */
public record NodeSpec(String url, String host, int port, int weight) {
    /** Spoken to over TLS (the service's {@code tls:} settings). */
    public boolean https() {
        return url.regionMatches(true, 0, "https://", 0, 8);
    }

    /** Stable identity across reloads: a node keeps its pool and statistics while this stays. */
    public String key() {
        return host + ":" + port;
    }
}
