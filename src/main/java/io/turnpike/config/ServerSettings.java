package io.turnpike.config;

import java.time.Duration;

/**
 * The traffic listener ({@code server:}).
 *
 * @param host           address to bind, e.g. {@code 0.0.0.0}
 * @param port           port to bind; 0 picks a free one
 * @param eventLoops     I/O threads; 0 = one per core
 * @param drainTimeout   how long a graceful shutdown waits for requests in flight
 * @param trustedProxies peers whose X-Forwarded-For names the client; {@link TrustedProxies#NONE} = none
 * @param tls            the TLS listener; null when there is none
 * @param plaintext      whether the plaintext listener ({@code host:port}) is bound; false only beside a TLS one
 * @param http2          HTTP/2 from clients ({@code http2}, {@code http2Limits})
 * @param transport      the I/O transport: {@code epoll} (NIO where there is none), {@code io_uring} or {@code nio}
 */
public record ServerSettings(String host, int port, Limits limits, int eventLoops, Duration drainTimeout,
                             TrustedProxies trustedProxies, TlsSettings tls, boolean plaintext, Http2Settings http2,
                             String transport, Duration warmup) {
    public static final String EPOLL = "epoll";
    /** No self-warm-up unless asked for: see docs/OPERATIONS.md, "Start-up and warm-up". */
    public static final Duration NO_WARMUP = Duration.ZERO;

    public static final ServerSettings DEFAULT =
            new ServerSettings("0.0.0.0", 8080, Limits.DEFAULT, 0, Duration.ofSeconds(30));

    public ServerSettings {
        if (trustedProxies == null) trustedProxies = TrustedProxies.NONE;
        if (tls == null) plaintext = true;
        if (http2 == null) http2 = Http2Settings.DEFAULT;
        if (transport == null) transport = EPOLL;
        if (warmup == null) warmup = NO_WARMUP;
    }

    public ServerSettings(String host, int port, Limits limits, int eventLoops, Duration drainTimeout,
                          TrustedProxies trustedProxies, TlsSettings tls, boolean plaintext, Http2Settings http2,
                          String transport) {
        this(host, port, limits, eventLoops, drainTimeout, trustedProxies, tls, plaintext, http2, transport, NO_WARMUP);
    }

    public ServerSettings(String host, int port, Limits limits, int eventLoops, Duration drainTimeout,
                          TrustedProxies trustedProxies, TlsSettings tls, boolean plaintext, Http2Settings http2) {
        this(host, port, limits, eventLoops, drainTimeout, trustedProxies, tls, plaintext, http2, EPOLL);
    }

    public ServerSettings(String host, int port, Limits limits, int eventLoops, Duration drainTimeout,
                          TrustedProxies trustedProxies, TlsSettings tls, boolean plaintext) {
        this(host, port, limits, eventLoops, drainTimeout, trustedProxies, tls, plaintext, Http2Settings.DEFAULT);
    }

    public ServerSettings(String host, int port, Limits limits, int eventLoops, Duration drainTimeout,
                          TrustedProxies trustedProxies) {
        this(host, port, limits, eventLoops, drainTimeout, trustedProxies, null, true, Http2Settings.DEFAULT);
    }

    public ServerSettings(String host, int port, Limits limits, int eventLoops, Duration drainTimeout) {
        this(host, port, limits, eventLoops, drainTimeout, TrustedProxies.NONE);
    }

    /** The same settings with the TLS files' relative paths resolved against {@code folder}. */
    ServerSettings resolvedAgainst(java.nio.file.Path folder) {
        return tls == null ? this : new ServerSettings(host, port, limits, eventLoops, drainTimeout, trustedProxies,
                tls.resolvedAgainst(folder), plaintext, http2, transport, warmup);
    }
}
