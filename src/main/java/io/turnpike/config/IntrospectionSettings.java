package io.turnpike.config;

import java.time.Duration;

/**
 * OAuth2 token introspection (RFC 7662, {@code auth.introspection}): where opaque bearer tokens are
 * checked, with which client credentials, and how long answers are kept.
 *
 * @param endpoint     the authorization server's introspection URL
 * @param clientId     the gateway's client id at that server (HTTP Basic on the POST)
 * @param clientSecret its secret (never shown)
 * @param timeout      how long one introspection call may take before the request is answered 503
 * @param cacheTtl     the longest an active answer is kept (never past the token's {@code exp})
 */
public record IntrospectionSettings(String endpoint, String clientId, String clientSecret, Duration timeout,
                                    Duration cacheTtl) {
    @Override
    public String toString() {
        return "IntrospectionSettings[endpoint=" + endpoint + ", clientId=" + clientId + ", timeout=" + timeout
                + ", cacheTtl=" + cacheTtl + "]";
    }
}
