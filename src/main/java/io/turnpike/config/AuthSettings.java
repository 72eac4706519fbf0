package io.turnpike.config;

/**
 * How credentials are read ({@code auth:}).
 *
 * @param apiKeyHeader the header an API key comes in
 * @param apiKeyQuery  a query parameter an API key may come in instead; null = none
 */
public record AuthSettings(String apiKeyHeader, String apiKeyQuery) {
    public static final AuthSettings DEFAULT = new AuthSettings("X-API-Key", null);
}
