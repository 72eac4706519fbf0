package io.turnpike.config;

/**
 * How credentials are read ({@code auth:}).
 *
 * @param apiKeyHeader  the header an API key comes in
 * @param apiKeyQuery   a query parameter an API key may come in instead; null = none
 * @param jwt           the JWT issuers the gateway trusts
 * @param introspection the OAuth2 introspection endpoint; null = none configured
 */
public record AuthSettings(String apiKeyHeader, String apiKeyQuery, java.util.List<JwtIssuerSpec> jwt,
                           IntrospectionSettings introspection) {
    public static final AuthSettings DEFAULT = new AuthSettings("X-API-Key", null, java.util.List.of());

    public AuthSettings {
        jwt = java.util.List.copyOf(jwt);
    }

    public AuthSettings(String apiKeyHeader, String apiKeyQuery, java.util.List<JwtIssuerSpec> jwt) {
        this(apiKeyHeader, apiKeyQuery, jwt, null);
    }

    public AuthSettings(String apiKeyHeader, String apiKeyQuery) {
        this(apiKeyHeader, apiKeyQuery, java.util.List.of());
    }
}
