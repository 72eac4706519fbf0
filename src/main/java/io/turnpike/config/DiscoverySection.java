package io.turnpike.config;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Binds {@code discovery: dns://name:port} (or {@code { dns: "name:port", refresh: 5s }}) and
 * {@code registration: { ttl: 30s }} into {@link ServiceSpec.Discovery}.
 */
final class DiscoverySection {
    private static final String DNS_EXPECTED = "dns://name:port";
    private static final Duration DEFAULT_REFRESH = Duration.ofSeconds(5);

    private DiscoverySection() {}

    static ServiceSpec.Discovery bind(ConfigNode discovery, ConfigNode registration) {
        if (!discovery.isPresent() && !registration.isPresent()) return null;
        String host = null;
        int port = 0;
        Duration refresh = DEFAULT_REFRESH;
        if (discovery.isPresent()) {
            ConfigNode dns = discovery;
            if (discovery.isMapping()) {
                discovery.checkKeys(List.of("dns", "refresh"), Map.of());
                dns = discovery.require("dns", DNS_EXPECTED);
                refresh = discovery.get("refresh").duration(DEFAULT_REFRESH, false);
            }
            String text = dns.text(DNS_EXPECTED);
            if (text != null) {
                String t = text.strip();
                try {
                    URI u = URI.create(t.startsWith("dns://") ? t : "dns://" + t);
                    if (u.getHost() == null || u.getPort() <= 0 || (u.getPath() != null && !u.getPath().isEmpty())) {
                        throw new IllegalArgumentException();
                    }
                    host = u.getHost();
                    port = u.getPort();
                } catch (IllegalArgumentException e) {
                    dns.expected(DNS_EXPECTED);
                }
            }
        }
        Duration ttl = null;
        if (registration.isPresent()) {
            registration.checkKeys(List.of("ttl"), Map.of());
            ttl = registration.get("ttl").duration(Duration.ofSeconds(30), false);
            if (ttl == null) ttl = Duration.ofSeconds(30);
        }
        return new ServiceSpec.Discovery(host, port, refresh, ttl);
    }
}
