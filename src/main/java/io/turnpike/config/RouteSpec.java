package io.turnpike.config;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * A route ({@code routes[i]}): which requests it takes and where they go.
 *
 * @param index    position in the file's route list (tie-breaker: earlier wins among equals)
 * @param timeout  overrides the service's request timeout when not null
 */
public record RouteSpec(String id, int index, Match match, String service, Rewrite rewrite, Duration timeout) {

    /**
     * @param hosts    exact ({@code api.example.com}) or wildcard ({@code *.example.com}); empty = any host
     * @param path     exact {@code /a/b}, template {@code /users/{id}}, prefix {@code /api/**}
     * @param methods  upper-case; empty = any method
     * @param headers  header name (lower-case) to required exact value; empty = no header condition
     */
    public record Match(List<String> hosts, String path, List<String> methods, Map<String, String> headers) {
        public Match {
            hosts = List.copyOf(hosts);
            methods = List.copyOf(methods);
            headers = Map.copyOf(headers);
        }
    }

    /**
     * How the upstream path is built. Both null = the request path unchanged.
     *
     * @param path         a template using the match's variables, e.g. {@code /users/{id}};
     *                     for a prefix match {@code {**}} stands for the rest of the path
     * @param stripPrefix  a literal prefix removed from the request path
     */
    public record Rewrite(String path, String stripPrefix) {
        public static final Rewrite NONE = new Rewrite(null, null);
    }
}
