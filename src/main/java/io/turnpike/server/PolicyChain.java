package io.turnpike.server;

import io.turnpike.core.Policy;
import io.turnpike.auth.AuthPolicy;
import io.turnpike.compose.ProfilePolicy;
import io.turnpike.compose.RequestTransformPolicy;
import io.turnpike.config.RouteSpec;
import io.turnpike.policy.AclPolicy;
import io.turnpike.policy.BodyLimitPolicy;
import io.turnpike.policy.CorsPolicy;
import io.turnpike.policy.IpPolicy;
import io.turnpike.config.RoutePolicies;
import java.util.ArrayList;
import java.util.List;

/**
 * Builds a route's policy chain once per snapshot, in the documented order: (a CORS preflight is
 * answered) -> (claim headers the client sent are dropped) -> request limits -> IP
 * filter -> CORS -> required headers -> authentication -> ACL -> (rate limit, quota) -> client
 * profile -> request transform -> response transform (a step that sees the service's response).
 * Required headers come after CORS so a browser can read the 400.
 * Steps a route does not use are
 * left out, so an open route runs only the body limit.
 */
final class PolicyChain {
    private PolicyChain() {}

    static Policy[] build(RouteSpec route, Serving.Parts parts) {
        List<Policy> chain = new ArrayList<>(6);
        RoutePolicies p = route.policies();
        io.turnpike.config.Cors cors = p.cors() == null ? null : route.grpcWeb() ? p.cors().withGrpcWeb() : p.cors();
        // A preflight is answered before anything else looks at it.
        if (cors != null) chain.add(new io.turnpike.policy.CorsPreflightPolicy(cors));
        // First, on every route: no later step (nor the service) may take a client's value for a verified claim.
        if (parts.claimHeaders() != null) chain.add(parts.claimHeaders());
        chain.add(new BodyLimitPolicy(p.maxBodyBytes() >= 0 ? p.maxBodyBytes()
                : parts.config().server().limits().maxBodyBytes()));
        if (p.ipFilter() != null) chain.add(new IpPolicy(p.ipFilter()));
        if (cors != null) chain.add(new CorsPolicy(cors));
        if (!p.requiredHeaders().isEmpty()) chain.add(new io.turnpike.policy.RequireHeadersPolicy(p.requiredHeaders()));
        if (!route.auth().isEmpty()) {
            chain.add(new AuthPolicy(route.auth(), route.forwardCredentials(), parts.config().auth(),
                    parts.consumers(), parts.jwt()));
            if (route.acl() != null) chain.add(new AclPolicy(route.acl()));
        }
        Policy rateLimit = parts.rateLimiting().policy(route, parts.config());
        if (rateLimit != null) chain.add(rateLimit);
        Policy quota = parts.quotas() == null ? null : parts.quotas().policy(route, parts.config());
        if (quota != null) chain.add(quota);
        if (parts.profiles() != null) chain.add(new ProfilePolicy(parts.profiles())); // may use the consumer
        // Keep last: the request is edited for the upstream once every check has passed.
        Policy transform = RequestTransformPolicy.of(route.transform());
        if (transform != null) chain.add(transform);
        // Sees the service's response (not an aggregation's: that one is shaped as it is merged).
        if (route.aggregate() == null) {
            Policy responseTransform = io.turnpike.compose.ResponseTransformPolicy.of(route.transform());
            if (responseTransform != null) chain.add(responseTransform);
        }
        return chain.toArray(Policy[]::new);
    }
}
