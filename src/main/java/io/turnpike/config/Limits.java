package io.turnpike.config;

import java.time.Duration;

/**
 * Client-facing limits ({@code server.limits:}).
 *
 * @param maxHeaderBytes  header block size; over it the client gets 431
 * @param maxUriBytes     request line size; over it the client gets 414
 * @param maxBodyBytes    request body size; over it the client gets 413
 * @param headerTimeout   a header block not complete within this closes the connection (408)
 * @param idleTimeout     a keep-alive connection idle this long is closed
 * @param maxConnections  client connections accepted at once; more are closed on accept
 * @param rateLimitKeys   rate-limit keys (consumer, IP, ...) kept in memory at once, all limits together
 */
public record Limits(int maxHeaderBytes, int maxUriBytes, long maxBodyBytes, Duration headerTimeout,
                     Duration idleTimeout, int maxConnections, int rateLimitKeys) {
    public static final int DEFAULT_RATE_LIMIT_KEYS = 100_000;
    public static final Limits DEFAULT = new Limits(32 * 1024, 8 * 1024, 10L * 1024 * 1024,
            Duration.ofSeconds(10), Duration.ofSeconds(60), 20_000);

    public Limits(int maxHeaderBytes, int maxUriBytes, long maxBodyBytes, Duration headerTimeout,
                  Duration idleTimeout, int maxConnections) {
        this(maxHeaderBytes, maxUriBytes, maxBodyBytes, headerTimeout, idleTimeout, maxConnections,
                DEFAULT_RATE_LIMIT_KEYS);
    }
}
