package io.turnpike.policy;

/**
 * A route's request policies ({@code policies:}); each part null when the route does not set it.
 *
 * @param maxBodyBytes this route's body limit; -1 = the server's
 */
public record RoutePolicies(IpFilter ipFilter, Cors cors, long maxBodyBytes) {
    public static final RoutePolicies NONE = new RoutePolicies(null, null, -1);
}
