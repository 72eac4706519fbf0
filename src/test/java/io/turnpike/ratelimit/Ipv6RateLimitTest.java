package io.turnpike.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import io.turnpike.config.ConfigLoader;
import io.turnpike.server.Gateway;
import io.turnpike.testing.NoLeaks;
import io.turnpike.testing.RawHttp;
import io.turnpike.testing.TestBackend;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * IPv6 clients behind a trusted proxy (their address in X-Forwarded-For): one budget per /64, so
 * a host cannot get a fresh one per address of its prefix; an IPv4-mapped address is its IPv4 client.
 */
@ExtendWith(NoLeaks.class)
class Ipv6RateLimitTest {
    static TestBackend backend;
    static Gateway gateway;

    @BeforeAll
    static void start() throws Exception {
        backend = new TestBackend("b");
        ConfigLoader.Result r = ConfigLoader.parse("ipv6.yaml", """
                server: { listen: "127.0.0.1:0", eventLoops: 1, trustedProxies: [127.0.0.1/32] }
                admin: { listen: off }
                observe: { accessLog: { enabled: false } }
                services:
                  svc: { nodes: [ "%s" ] }
                routes:
                  - { id: by-ip, match: { path: "/ip/**" }, rewrite: { stripPrefix: /ip }, service: svc, rateLimit: 2/min }
                """.formatted(backend.url()), name -> null);
        assertThat(r.problems()).isEmpty();
        gateway = Gateway.start(r.config());
    }

    @AfterAll
    static void stop() {
        gateway.close();
        backend.close();
    }

    private static int status(String forwardedFor) throws Exception {
        try (RawHttp c = new RawHttp(gateway.port())) {
            c.send("GET /ip/echo HTTP/1.1\r\nHost: x\r\nX-Forwarded-For: " + forwardedFor + "\r\n\r\n");
            return c.read().status();
        }
    }

    @Test
    void addressesOfOneSlash64ShareOneBudget() throws Exception {
        assertThat(status("2001:db8:1:2::1")).isEqualTo(200);
        assertThat(status("2001:db8:1:2::2")).isEqualTo(200);
        assertThat(status("[2001:db8:1:2:ffff:ffff:ffff:ffff]:4711")).isEqualTo(429);
        assertThat(status("2001:db8:1:3::1")).isEqualTo(200); // the next /64 is someone else
    }

    @Test
    void anIpv4MappedAddressSharesItsIpv4ClientsBudget() throws Exception {
        assertThat(status("203.0.113.7")).isEqualTo(200);
        assertThat(status("::ffff:203.0.113.7")).isEqualTo(200);
        assertThat(status("203.0.113.7")).isEqualTo(429);
    }
}
