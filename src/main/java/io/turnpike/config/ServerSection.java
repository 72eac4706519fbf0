package io.turnpike.config;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/** Binds {@code server:} into {@link ServerSettings}, defaults from {@link ServerSettings#DEFAULT}. */
final class ServerSection {
    static final String LISTEN_EXPECTED = "host:port like 0.0.0.0:8080, :8080, 8080 or [::1]:8080";
    private static final int MAX_INT_SIZE = Integer.MAX_VALUE;
    private static final Leaf.Words UNDERSCORES = Leaf.words("allow", "drop", "reject");
    private static final Leaf.Words OFF = Leaf.words("off", "false");
    private static final Leaf.Words TRANSPORTS = Leaf.words("epoll", "io_uring", "nio");

    private ServerSection() {}

    static ServerSettings bind(ConfigNode server) {
        ServerSettings d = ServerSettings.DEFAULT;
        server.checkKeys(List.of("listen", "eventLoops", "drainTimeout", "limits", "trustedProxies", "tls", "http2",
                "http2Limits", "transport", "warmup"), Map.of());
        String host = d.host();
        int port = d.port();
        ConfigNode listen = server.get("listen");
        String text = listen.text(LISTEN_EXPECTED);
        if (text != null) {
            HostPort hp = parseListen(text.strip());
            if (hp == null) {
                listen.expected(LISTEN_EXPECTED);
            } else {
                host = hp.host();
                port = hp.port();
            }
        }
        int eventLoops = server.get("eventLoops").integer(0, Integer.MAX_VALUE, d.eventLoops());
        String transport = server.get("transport").choice(TRANSPORTS, d.transport(), "epoll, io_uring or nio",
                "epoll, io_uring or nio");
        if (transport == null) transport = d.transport();
        Duration drain = server.get("drainTimeout").duration(d.drainTimeout(), true);
        TlsSettings tls = TlsSection.bind(server.get("tls"));
        // With a TLS listener the plaintext one is there only when asked for.
        boolean plaintext = tls == null || listen.isPresent();
        if (tls != null && plaintext && tls.port() != 0 && tls.port() == port) {
            server.get("tls").get("listen").problem("port " + port + " is also server.listen's "
                    + "(expected: another port for TLS)");
        }
        if (tls != null && tls.redirectHttp() && !plaintext) {
            server.get("tls").get("redirectHttp").problem("there is no plaintext listener to redirect "
                    + "(expected: server.listen set, or redirectHttp: false)");
        }
        Http2Settings http2 = http2(server.get("http2"), server.get("http2Limits"));
        if (tls != null) tls = tls.withH2(http2.enabled());
        return new ServerSettings(host, port, limits(server.get("limits")), eventLoops, drain,
                trustedProxies(server.get("trustedProxies")), tls, plaintext, http2, transport, warmup(server.get("warmup")));
    }

    /** {@code http2: true} (h2c prior knowledge, h2 in ALPN) and {@code http2Limits: {...}}. */
    private static Http2Settings http2(ConfigNode on, ConfigNode limits) {
        Http2Settings d = Http2Settings.DEFAULT;
        limits.checkKeys(List.of("maxConcurrentStreams", "initialWindowSize", "maxResetsPerWindow", "resetWindow",
                "maxStreamsPerConnection"), Map.of());
        return new Http2Settings(on.bool(d.enabled()),
                limits.get("maxConcurrentStreams").integer(1, 10_000, d.maxConcurrentStreams()),
                (int) limits.get("initialWindowSize").size(65_535, Integer.MAX_VALUE, d.initialWindowSize()),
                limits.get("maxResetsPerWindow").integer(1, 1_000_000, d.maxResetsPerWindow()),
                (int) limits.get("resetWindow").duration(java.time.Duration.ofSeconds(d.resetWindowSeconds()), false)
                        .toSeconds(),
                limits.get("maxStreamsPerConnection").integer(0, Integer.MAX_VALUE, d.maxStreamsPerConnection()));
    }

    /** {@code warmup: { duration: 3s }}, or {@code off}: synthetic traffic before {@code /ready} says yes. */
    private static Duration warmup(ConfigNode n) {
        String expected = "off, or { duration: 3s }";
        if (!n.isPresent()) return ServerSettings.NO_WARMUP;
        if (n.isScalar()) {
            String t = n.text(expected, OFF);
            if (t != null && OFF.match(t) != null) return Duration.ZERO;
            n.expected(expected);
            return ServerSettings.NO_WARMUP;
        }
        n.checkKeys(List.of("duration"), Map.of());
        Duration d = n.get("duration").duration(Duration.ofSeconds(3), true);
        if (d.compareTo(Duration.ofMinutes(5)) > 0) {
            n.get("duration").expected("a duration of at most 5m (the node is not ready meanwhile)");
            return ServerSettings.NO_WARMUP;
        }
        return d;
    }

    /** {@code trustedProxies: [10.0.0.0/8, ...]}: peers whose X-Forwarded-For is believed. */
    private static io.turnpike.config.TrustedProxies trustedProxies(ConfigNode list) {
        String expected = "an address or range like 10.0.0.0/8 or fd00::/8";
        List<io.turnpike.config.Cidr> out = new java.util.ArrayList<>();
        for (ConfigNode item : list.items("a list of ranges like [10.0.0.0/8]", true)) {
            String t = item.text(expected);
            if (t == null) continue;
            try {
                out.add(io.turnpike.config.Cidr.parse(t));
            } catch (IllegalArgumentException e) {
                item.expected(expected);
            }
        }
        return io.turnpike.config.TrustedProxies.of(out);
    }

    /** {@code :8080} and {@code 8080} listen on every IPv4 address, like the default. */
    static HostPort parseListen(String text) {
        String portOnly = text.startsWith(":") ? text.substring(1) : text;
        if (!portOnly.isEmpty() && portOnly.length() <= 5 && portOnly.chars().allMatch(Character::isDigit)) {
            return HostPort.parse(ServerSettings.DEFAULT.host() + ":" + portOnly, -1, 0);
        }
        return HostPort.parse(text, -1, 0);
    }

    private static Limits limits(ConfigNode limits) {
        Limits d = Limits.DEFAULT;
        limits.checkKeys(List.of("maxHeaderBytes", "maxUriBytes", "maxBodyBytes", "headerTimeout",
                "idleTimeout", "maxConnections", "rateLimitKeys", "maxHeaders", "headersWithUnderscores",
                "maxConnectionsPerIp", "minRequestBodyRate", "rateLimitIpv6Prefix", "handshakeTimeout",
                "websocketIdleTimeout", "maxRequestsPerConnection"), Map.of());
        return new Limits(
                (int) limits.get("maxHeaderBytes").size(1, MAX_INT_SIZE, d.maxHeaderBytes()),
                (int) limits.get("maxUriBytes").size(1, MAX_INT_SIZE, d.maxUriBytes()),
                limits.get("maxBodyBytes").size(0, Long.MAX_VALUE, d.maxBodyBytes()),
                limits.get("headerTimeout").duration(d.headerTimeout(), false),
                limits.get("idleTimeout").duration(d.idleTimeout(), false),
                limits.get("maxConnections").integer(1, Integer.MAX_VALUE, d.maxConnections()),
                limits.get("rateLimitKeys").integer(1000, Integer.MAX_VALUE, d.rateLimitKeys()),
                limits.get("maxHeaders").integer(1, 10_000, d.maxHeaders()),
                underscores(limits.get("headersWithUnderscores"), d.headersWithUnderscores()),
                limits.get("maxConnectionsPerIp").integer(0, Integer.MAX_VALUE, d.maxConnectionsPerIp()),
                bodyRate(limits.get("minRequestBodyRate"), d.minRequestBodyRate()),
                limits.get("rateLimitIpv6Prefix").integer(1, 128, d.rateLimitIpv6Prefix()),
                limits.get("handshakeTimeout").duration(d.handshakeTimeout(), false),
                limits.get("websocketIdleTimeout").duration(d.websocketIdleTimeout(), false),
                limits.get("maxRequestsPerConnection").integer(0, Integer.MAX_VALUE, d.maxRequestsPerConnection()));
    }

    private static Limits.Underscores underscores(ConfigNode n, Limits.Underscores fallback) {
        String expected = "allow, drop or reject";
        String word = n.choice(UNDERSCORES, null, expected, expected);
        return word == null ? fallback : Limits.Underscores.valueOf(word.toUpperCase(java.util.Locale.ROOT));
    }

    /** {@code minRequestBodyRate: { bytesPerSecond: 240, grace: 5s }}, or {@code off}. */
    private static Limits.BodyRate bodyRate(ConfigNode n, Limits.BodyRate fallback) {
        if (!n.isPresent()) return fallback;
        if (n.isScalar()) {
            String t = n.text("off, or { bytesPerSecond: 240, grace: 5s }", OFF);
            if (t != null && OFF.match(t) != null) return Limits.BodyRate.OFF;
            n.expected("off, or { bytesPerSecond: 240, grace: 5s }");
            return fallback;
        }
        n.checkKeys(List.of("bytesPerSecond", "grace"), Map.of());
        long rate = n.get("bytesPerSecond").size(0, Integer.MAX_VALUE, fallback.bytesPerSecond());
        Duration grace = n.get("grace").duration(fallback.grace(), true);
        return new Limits.BodyRate(rate, grace);
    }
}
