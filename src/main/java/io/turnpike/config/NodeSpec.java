package io.turnpike.config;

/**
 * One node of a service: {@code http://host:port} and a relative weight.
 *
 * @param url     as written, normalised to {@code http://host:port}
 */
public record NodeSpec(String url, String host, int port, int weight) {
    /** Stable identity across reloads: a node keeps its pool and statistics while this stays. */
    public String key() {
        return host + ":" + port;
    }
}
