package io.turnpike.config;

import java.time.Duration;

/**
 * Client-facing limits ({@code server.limits:}).
 *
 * @param maxHeaderBytes          header block size; over it the client gets 431
 * @param maxUriBytes             request line size; over it the client gets 414
 * @param maxBodyBytes            request body size; over it the client gets 413
 * @param headerTimeout           a header block not complete within this closes the connection (408)
 * @param idleTimeout             a keep-alive connection idle this long is closed
 * @param maxConnections          client connections accepted at once; more are closed on accept
 * @param rateLimitKeys           rate-limit keys (consumer, IP, ...) kept in memory at once, all limits together
 * @param maxHeaders              header fields in one request head; over it the client gets 431
 * @param headersWithUnderscores  what happens to a request header whose name has an underscore
 * @param maxConnectionsPerIp     client connections one address may hold at once; 0 = no limit
 * @param minRequestBodyRate      a request body slower than this after its grace is cut (408)
 * @param rateLimitIpv6Prefix     IPv6 clients share an {@code ip} rate-limit key per prefix of this length
 * @param handshakeTimeout        a TLS handshake (ClientHello included) not done within this closes the connection
 * @param websocketIdleTimeout    a WebSocket tunnel with no byte either way for this long is closed
 * @param maxRequestsPerConnection requests one HTTP/1.x client connection carries; the last one's answer
 *                                says {@code Connection: close} and the connection closes after it (nginx's
 *                                {@code keepalive_requests}); 0 = no limit. HTTP/2: {@link Http2Settings}
 */
public record Limits(int maxHeaderBytes, int maxUriBytes, long maxBodyBytes, Duration headerTimeout,
                     Duration idleTimeout, int maxConnections, int rateLimitKeys, int maxHeaders,
                     Underscores headersWithUnderscores, int maxConnectionsPerIp, BodyRate minRequestBodyRate,
                     int rateLimitIpv6Prefix, Duration handshakeTimeout, Duration websocketIdleTimeout,
                     int maxRequestsPerConnection) {
    public static final Duration DEFAULT_HANDSHAKE_TIMEOUT = Duration.ofSeconds(10);
    public static final Duration DEFAULT_WEBSOCKET_IDLE = Duration.ofMinutes(5);
    public static final int DEFAULT_RATE_LIMIT_KEYS = 100_000;
    public static final int DEFAULT_MAX_HEADERS = 100;
    public static final int DEFAULT_IPV6_PREFIX = 64;
    /** nginx's {@code keepalive_requests} default. */
    public static final int DEFAULT_MAX_REQUESTS_PER_CONNECTION = 1000;
    public static final Limits DEFAULT = new Limits(32 * 1024, 8 * 1024, 10L * 1024 * 1024,
            Duration.ofSeconds(10), Duration.ofSeconds(60), 20_000);

    /** {@code headersWithUnderscores}: nginx's choice by default (drop), since {@code X_User} and {@code X-User} look alike to many frameworks. */
    public enum Underscores { ALLOW, DROP, REJECT }

    /**
     * {@code minRequestBodyRate: { bytesPerSecond: 240, grace: 5s }} (Kestrel's numbers): once a
     * body has been sent for {@code grace}, it must average at least {@code bytesPerSecond}.
     * {@code bytesPerSecond: 0} turns the check off.
     */
    public record BodyRate(long bytesPerSecond, Duration grace) {
        public static final BodyRate DEFAULT = new BodyRate(240, Duration.ofSeconds(5));
        public static final BodyRate OFF = new BodyRate(0, Duration.ofSeconds(5));

        public boolean enabled() { return bytesPerSecond > 0; }
    }

    public Limits {
        if (handshakeTimeout == null) handshakeTimeout = DEFAULT_HANDSHAKE_TIMEOUT;
        if (websocketIdleTimeout == null) websocketIdleTimeout = DEFAULT_WEBSOCKET_IDLE;
        if (maxRequestsPerConnection < 0) {
            throw new IllegalArgumentException("maxRequestsPerConnection: " + maxRequestsPerConnection + " (expected: >= 0)");
        }
    }

    public Limits(int maxHeaderBytes, int maxUriBytes, long maxBodyBytes, Duration headerTimeout,
                  Duration idleTimeout, int maxConnections, int rateLimitKeys, int maxHeaders,
                  Underscores headersWithUnderscores, int maxConnectionsPerIp, BodyRate minRequestBodyRate,
                  int rateLimitIpv6Prefix, Duration handshakeTimeout, Duration websocketIdleTimeout) {
        this(maxHeaderBytes, maxUriBytes, maxBodyBytes, headerTimeout, idleTimeout, maxConnections, rateLimitKeys,
                maxHeaders, headersWithUnderscores, maxConnectionsPerIp, minRequestBodyRate, rateLimitIpv6Prefix,
                handshakeTimeout, websocketIdleTimeout, DEFAULT_MAX_REQUESTS_PER_CONNECTION);
    }

    public Limits(int maxHeaderBytes, int maxUriBytes, long maxBodyBytes, Duration headerTimeout,
                  Duration idleTimeout, int maxConnections, int rateLimitKeys, int maxHeaders,
                  Underscores headersWithUnderscores, int maxConnectionsPerIp, BodyRate minRequestBodyRate,
                  int rateLimitIpv6Prefix) {
        this(maxHeaderBytes, maxUriBytes, maxBodyBytes, headerTimeout, idleTimeout, maxConnections, rateLimitKeys,
                maxHeaders, headersWithUnderscores, maxConnectionsPerIp, minRequestBodyRate, rateLimitIpv6Prefix,
                DEFAULT_HANDSHAKE_TIMEOUT, DEFAULT_WEBSOCKET_IDLE);
    }

    public Limits(int maxHeaderBytes, int maxUriBytes, long maxBodyBytes, Duration headerTimeout,
                  Duration idleTimeout, int maxConnections) {
        this(maxHeaderBytes, maxUriBytes, maxBodyBytes, headerTimeout, idleTimeout, maxConnections,
                DEFAULT_RATE_LIMIT_KEYS);
    }

    public Limits(int maxHeaderBytes, int maxUriBytes, long maxBodyBytes, Duration headerTimeout,
                  Duration idleTimeout, int maxConnections, int rateLimitKeys) {
        this(maxHeaderBytes, maxUriBytes, maxBodyBytes, headerTimeout, idleTimeout, maxConnections,
                rateLimitKeys, DEFAULT_MAX_HEADERS, Underscores.DROP, 0, BodyRate.DEFAULT, DEFAULT_IPV6_PREFIX);
    }

    public Limits withMaxHeaders(int n) {
        return new Limits(maxHeaderBytes, maxUriBytes, maxBodyBytes, headerTimeout, idleTimeout, maxConnections,
                rateLimitKeys, n, headersWithUnderscores, maxConnectionsPerIp, minRequestBodyRate, rateLimitIpv6Prefix,
                handshakeTimeout, websocketIdleTimeout, maxRequestsPerConnection);
    }

    public Limits withUnderscores(Underscores u) {
        return new Limits(maxHeaderBytes, maxUriBytes, maxBodyBytes, headerTimeout, idleTimeout, maxConnections,
                rateLimitKeys, maxHeaders, u, maxConnectionsPerIp, minRequestBodyRate, rateLimitIpv6Prefix,
                handshakeTimeout, websocketIdleTimeout, maxRequestsPerConnection);
    }

    public Limits withMaxConnectionsPerIp(int n) {
        return new Limits(maxHeaderBytes, maxUriBytes, maxBodyBytes, headerTimeout, idleTimeout, maxConnections,
                rateLimitKeys, maxHeaders, headersWithUnderscores, n, minRequestBodyRate, rateLimitIpv6Prefix,
                handshakeTimeout, websocketIdleTimeout, maxRequestsPerConnection);
    }

    public Limits withWebsocketIdleTimeout(Duration d) {
        return new Limits(maxHeaderBytes, maxUriBytes, maxBodyBytes, headerTimeout, idleTimeout, maxConnections,
                rateLimitKeys, maxHeaders, headersWithUnderscores, maxConnectionsPerIp, minRequestBodyRate,
                rateLimitIpv6Prefix, handshakeTimeout, d, maxRequestsPerConnection);
    }

    public Limits withMaxRequestsPerConnection(int n) {
        return new Limits(maxHeaderBytes, maxUriBytes, maxBodyBytes, headerTimeout, idleTimeout, maxConnections,
                rateLimitKeys, maxHeaders, headersWithUnderscores, maxConnectionsPerIp, minRequestBodyRate,
                rateLimitIpv6Prefix, handshakeTimeout, websocketIdleTimeout, n);
    }
}
