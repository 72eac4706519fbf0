package io.turnpike.config;

import java.util.List;

/**
 * A route's request policies ({@code policies:}); each part null when the route does not set it.
 *
 * @param maxBodyBytes    this route's body limit; -1 = the server's
 * @param requiredHeaders headers every request must carry ({@code requireHeaders}); empty = none
 */
public record RoutePolicies(IpFilter ipFilter, Cors cors, long maxBodyBytes, List<String> requiredHeaders) {
    public static final RoutePolicies NONE = new RoutePolicies(null, null, -1);

    public RoutePolicies {
        requiredHeaders = requiredHeaders == null ? List.of() : List.copyOf(requiredHeaders);
    }

    public RoutePolicies(IpFilter ipFilter, Cors cors, long maxBodyBytes) {
        this(ipFilter, cors, maxBodyBytes, List.of());
    }
}
