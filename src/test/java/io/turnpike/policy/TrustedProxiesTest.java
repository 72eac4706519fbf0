package io.turnpike.policy;

import io.turnpike.config.TrustedProxies;
import io.turnpike.config.Cidr;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.netty.util.NetUtil;
import io.turnpike.config.ConfigLoader;
import io.turnpike.server.Gateway;
import io.turnpike.testing.Json;
import io.turnpike.testing.NoLeaks;
import io.turnpike.testing.RawHttp;
import io.turnpike.testing.TestBackend;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The client behind trusted proxies: X-Forwarded-For is believed only from a trusted peer, and
 * then only up to the first hop that is not itself trusted.
 */
@ExtendWith(NoLeaks.class)
class TrustedProxiesTest {
    private static final TrustedProxies PROXIES = TrustedProxies.of(List.of(
            Cidr.parse("10.0.0.0/8"), Cidr.parse("192.168.1.128/25"), Cidr.parse("fd00::/8"), Cidr.parse("2001:db8::1/128")));

    private static byte[] ip(String s) {
        return NetUtil.createByteArrayFromIpAddressString(s);
    }

    private static String client(String peer, String... xff) {
        TrustedProxies.Client c = PROXIES.resolve(ip(peer), List.of(xff));
        return c == null ? peer : c.ip();
    }

    @Test
    void theRangesEdgesForBothFamilies() {
        assertThat(PROXIES.trusts(ip("10.0.0.0"))).isTrue();
        assertThat(PROXIES.trusts(ip("10.255.255.255"))).isTrue();
        assertThat(PROXIES.trusts(ip("11.0.0.0"))).isFalse();
        assertThat(PROXIES.trusts(ip("9.255.255.255"))).isFalse();
        assertThat(PROXIES.trusts(ip("192.168.1.128"))).isTrue();
        assertThat(PROXIES.trusts(ip("192.168.1.255"))).isTrue();
        assertThat(PROXIES.trusts(ip("192.168.1.127"))).isFalse();
        assertThat(PROXIES.trusts(ip("fd00::"))).isTrue();
        assertThat(PROXIES.trusts(ip("fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"))).isTrue();
        assertThat(PROXIES.trusts(ip("fe00::"))).isFalse();
        assertThat(PROXIES.trusts(ip("fc00::1"))).isFalse();
        assertThat(PROXIES.trusts(ip("2001:db8::1"))).isTrue();
        assertThat(PROXIES.trusts(ip("2001:db8::2"))).isFalse();
        assertThat(PROXIES.trusts(ip("::ffff:10.0.0.1"))).as("a 16-byte address is not in a 4-byte range").isFalse();
    }

    @Test
    void theClientIsTheRightMostHopThatIsNotATrustedProxy() {
        assertThat(client("10.0.0.5", "203.0.113.7")).isEqualTo("203.0.113.7");
        assertThat(client("10.0.0.5", "203.0.113.7, 10.1.1.1")).isEqualTo("203.0.113.7");
        assertThat(client("10.0.0.5", "203.0.113.7", "10.1.1.1, 192.168.1.200")).isEqualTo("203.0.113.7");
        assertThat(client("fd00::5", "2001:db8::77, 2001:db8::1")).isEqualTo("2001:db8::77");
        assertThat(client("10.0.0.5", "[2001:db8::77]:4711")).isEqualTo("2001:db8::77");
        assertThat(client("10.0.0.5", "203.0.113.7:4711")).isEqualTo("203.0.113.7");
        assertThat(client("10.0.0.5", "::ffff:203.0.113.7")).isEqualTo("203.0.113.7");
        assertThat(client("10.0.0.5", "10.9.9.9, 10.1.1.1")).as("every hop trusted: the furthest").isEqualTo("10.9.9.9");
    }

    @Test
    void aClientCannotChooseItsOwnAddress() {
        // a client writes a friendly address itself; the trusted proxy appends the real one
        assertThat(client("10.0.0.5", "10.1.2.3, 198.51.100.66")).isEqualTo("198.51.100.66");
        // from an untrusted peer, X-Forwarded-For counts for nothing
        assertThat(client("198.51.100.66", "10.1.2.3")).isEqualTo("198.51.100.66");
        // garbage (or a host name: never looked up) ends the walk at the last trusted hop
        assertThat(client("10.0.0.5", "evil.example.com")).isEqualTo("10.0.0.5");
        assertThat(client("10.0.0.5", "evil.example.com, 10.1.1.1")).isEqualTo("10.1.1.1");
        assertThat(client("10.0.0.5")).isEqualTo("10.0.0.5");
    }

    private static int status(int port, String xff) throws Exception {
        try (RawHttp c = new RawHttp(port)) {
            c.send("GET /x/echo HTTP/1.1\r\nHost: x\r\n" + (xff == null ? "" : "X-Forwarded-For: " + xff + "\r\n") + "\r\n");
            RawHttp.Response r = c.read();
            if (r.status() == 200) {
                // the service still gets the whole chain, with the peer appended
                assertThat(Json.parse(r.body()).at("/headers/x-forwarded-for").asText()).endsWith("127.0.0.1");
            }
            return r.status();
        }
    }

    @Test
    void theIpFilterJudgesTheForwardedClientOnlyBehindATrustedProxy() throws Exception {
        try (TestBackend b = new TestBackend("b")) {
            String routes = """
                    services: { svc: { nodes: [ "%s" ] } }
                    routes:
                      - { id: r, match: { path: "/x/**" }, rewrite: { stripPrefix: /x }, service: svc, policies: { ipAllow: [203.0.113.0/24] } }
                    """.formatted(b.url());
            String head = """
                    admin: { listen: off }
                    observe: { accessLog: { enabled: false } }
                    """;
            ConfigLoader.Result trusted = ConfigLoader.parse("t.yaml", "server: { listen: \"127.0.0.1:0\", eventLoops: 1, "
                    + "trustedProxies: [127.0.0.0/8] }\n" + head + routes, n -> null);
            ConfigLoader.Result untrusted = ConfigLoader.parse("u.yaml", "server: { listen: \"127.0.0.1:0\", eventLoops: 1 }\n"
                    + head + routes, n -> null);
            assertThat(trusted.problems()).isEmpty();
            try (Gateway g = Gateway.start(trusted.config()); Gateway open = Gateway.start(untrusted.config())) {
                java.util.concurrent.ConcurrentLinkedQueue<String> ips = new java.util.concurrent.ConcurrentLinkedQueue<>();
                g.observe(e -> ips.add(e.clientIp()), false);
                assertThat(status(g.port(), "203.0.113.9")).isEqualTo(200);
                assertThat(status(g.port(), "198.51.100.1")).isEqualTo(403);
                assertThat(status(g.port(), "203.0.113.9, 198.51.100.1")).as("spoofed left-most entry").isEqualTo(403);
                assertThat(status(g.port(), null)).isEqualTo(403);
                assertThat(ips).containsExactly("203.0.113.9", "198.51.100.1", "198.51.100.1", "127.0.0.1");
                assertThat(status(open.port(), "203.0.113.9")).as("no trusted proxies: XFF ignored").isEqualTo(403);
            }
        }
    }

    @Test
    void connectionCannotNameAwayTheClientATrustedProxyForwards() throws Exception {
        // A trusted proxy that passes the client's Connection header on: were X-Forwarded-For dropped
        // as hop-by-hop, the service would take the proxy for the client, and X-Forwarded-Proto
        // would say http for a call that came in over https.
        try (TestBackend b = new TestBackend("b")) {
            ConfigLoader.Result r = ConfigLoader.parse("t.yaml", """
                    server: { listen: "127.0.0.1:0", eventLoops: 1, trustedProxies: [127.0.0.0/8] }
                    admin: { listen: off }
                    observe: { accessLog: { enabled: false } }
                    services: { svc: { nodes: [ "%s" ] } }
                    routes:
                      - { id: inside, match: { path: "/inside/**" }, rewrite: { stripPrefix: /inside }, service: svc, policies: { ipAllow: [127.0.0.0/8] } }
                      - { id: open, match: { path: "/open/**" }, rewrite: { stripPrefix: /open }, service: svc }
                    """.formatted(b.url()), n -> null);
            assertThat(r.problems()).isEmpty();
            try (Gateway g = Gateway.start(r.config()); RawHttp c = new RawHttp(g.port())) {
                String forwarded = "X-Forwarded-For: 198.51.100.1\r\nX-Forwarded-Proto: https\r\n"
                        + "Connection: keep-alive, X-Forwarded-For, x-forwarded-proto, Forwarded, X-Real-IP\r\n\r\n";
                c.send("GET /inside/echo HTTP/1.1\r\nHost: x\r\n" + forwarded);
                assertThat(c.read().status()).as("the client is 198.51.100.1, not the proxy").isEqualTo(403);
                c.send("GET /open/echo HTTP/1.1\r\nHost: x\r\n" + forwarded);
                RawHttp.Response ok = c.read();
                assertThat(ok.status()).isEqualTo(200);
                JsonNode headers = Json.parse(ok.body()).get("headers");
                assertThat(headers.get("x-forwarded-for").asText()).isEqualTo("198.51.100.1, 127.0.0.1");
                assertThat(headers.get("x-forwarded-proto").asText()).isEqualTo("https");
            }
        }
    }
}
