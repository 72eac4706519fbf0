package io.turnpike.config;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * A route ({@code routes[i]}): which requests it takes and where they go.
 *
 * @param index    position in the file's route list (tie-breaker: earlier wins among equals)
 * @param timeout       overrides the service's request timeout when not null
 * @param highPriority  {@code priority: high}: calls go to the fastest node
 * @param fallback      served while the circuit is open; null = a 503 problem
 * @param retryNonIdempotent {@code retries: { nonIdempotent: true }}: retry POST/PATCH too
 * @param auth          accepted credential kinds ({@code apiKey}); empty = anonymous allowed
 * @param acl           group rules for authenticated consumers; null = any consumer
 * @param forwardCredentials pass the client's credential on to the service (default: removed)
 * @param policies      IP filter, CORS and body limit of the route
 * @param rateLimits    the route's own limits ({@code rateLimit:}); the consumer's plan may add more
 * @param cost          billing units per call ({@code cost:}, default 1)
 * @param transform     request/response reshaping per client profile; null = none
 * @param aggregate     several calls merged into one answer (then {@code service} is null); null = a proxy route
 * @param websocket     {@code websocket: true}: a WebSocket handshake may switch the connection to a tunnel
 * @param grpcWeb       {@code grpcWeb: true}: grpc-web calls are translated to gRPC for the service and back
 */
public record RouteSpec(String id, int index, Match match, String service, Rewrite rewrite, Duration timeout,
                        boolean highPriority, Fallback fallback, boolean retryNonIdempotent, List<String> auth,
                        Acl acl, boolean forwardCredentials, io.turnpike.config.RoutePolicies policies,
                        List<RateLimitSpec> rateLimits, long cost, TransformSpec transform,
                        AggregateSpec aggregate, boolean websocket, boolean grpcWeb) {

    public RouteSpec {
        rateLimits = rateLimits == null ? List.of() : List.copyOf(rateLimits);
        auth = auth == null ? List.of() : List.copyOf(auth);
        if (policies == null) policies = io.turnpike.config.RoutePolicies.NONE;
    }

    public RouteSpec(String id, int index, Match match, String service, Rewrite rewrite, Duration timeout,
                     boolean highPriority, Fallback fallback, boolean retryNonIdempotent, List<String> auth,
                     Acl acl, boolean forwardCredentials, io.turnpike.config.RoutePolicies policies,
                     List<RateLimitSpec> rateLimits, long cost, TransformSpec transform, AggregateSpec aggregate,
                     boolean websocket) {
        this(id, index, match, service, rewrite, timeout, highPriority, fallback, retryNonIdempotent, auth, acl,
                forwardCredentials, policies, rateLimits, cost, transform, aggregate, websocket, false);
    }

    public RouteSpec(String id, int index, Match match, String service, Rewrite rewrite, Duration timeout,
                     boolean highPriority, Fallback fallback, boolean retryNonIdempotent, List<String> auth,
                     Acl acl, boolean forwardCredentials, io.turnpike.config.RoutePolicies policies,
                     List<RateLimitSpec> rateLimits, long cost, TransformSpec transform, AggregateSpec aggregate) {
        this(id, index, match, service, rewrite, timeout, highPriority, fallback, retryNonIdempotent, auth, acl,
                forwardCredentials, policies, rateLimits, cost, transform, aggregate, false);
    }

    public RouteSpec(String id, int index, Match match, String service, Rewrite rewrite, Duration timeout,
                     boolean highPriority, Fallback fallback, boolean retryNonIdempotent, List<String> auth,
                     Acl acl, boolean forwardCredentials, io.turnpike.config.RoutePolicies policies,
                     List<RateLimitSpec> rateLimits, long cost) {
        this(id, index, match, service, rewrite, timeout, highPriority, fallback, retryNonIdempotent, auth, acl,
                forwardCredentials, policies, rateLimits, cost, null, null);
    }

    public RouteSpec(String id, int index, Match match, String service, Rewrite rewrite, Duration timeout,
                     boolean highPriority, Fallback fallback, boolean retryNonIdempotent, List<String> auth,
                     Acl acl, boolean forwardCredentials, io.turnpike.config.RoutePolicies policies) {
        this(id, index, match, service, rewrite, timeout, highPriority, fallback, retryNonIdempotent, auth, acl,
                forwardCredentials, policies, List.of(), 1);
    }

    public RouteSpec(String id, int index, Match match, String service, Rewrite rewrite, Duration timeout,
                     boolean highPriority, Fallback fallback, boolean retryNonIdempotent, List<String> auth,
                     Acl acl, boolean forwardCredentials) {
        this(id, index, match, service, rewrite, timeout, highPriority, fallback, retryNonIdempotent, auth, acl,
                forwardCredentials, io.turnpike.config.RoutePolicies.NONE);
    }

    public RouteSpec(String id, int index, Match match, String service, Rewrite rewrite, Duration timeout,
                     boolean highPriority, Fallback fallback, boolean retryNonIdempotent) {
        this(id, index, match, service, rewrite, timeout, highPriority, fallback, retryNonIdempotent, List.of(),
                null, false);
    }

    /**
     * Which consumers may call the route ({@code acl:}), by group; deny wins over allow.
     *
     * @param allow  empty = every authenticated consumer
     * @param scopes every one of these must be granted by the credential's {@code scope}/{@code scp}
     */
    public record Acl(List<String> allow, List<String> deny, List<String> scopes) {
        public Acl {
            allow = List.copyOf(allow);
            deny = List.copyOf(deny);
            scopes = scopes == null ? List.of() : List.copyOf(scopes);
        }

        public Acl(List<String> allow, List<String> deny) {
            this(allow, deny, List.of());
        }
    }

    public RouteSpec(String id, int index, Match match, String service, Rewrite rewrite, Duration timeout) {
        this(id, index, match, service, rewrite, timeout, false, null, false);
    }

    public RouteSpec(String id, int index, Match match, String service, Rewrite rewrite, Duration timeout,
                     boolean highPriority, Fallback fallback) {
        this(id, index, match, service, rewrite, timeout, highPriority, fallback, false);
    }

    /**
     * What the client gets instead of a 503 while the service's circuit is open ({@code fallback:}).
     *
     * @param headers header name to value
     */
    public record Fallback(int status, java.util.Map<String, String> headers, String body) {}

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
