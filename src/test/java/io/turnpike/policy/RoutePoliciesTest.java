package io.turnpike.policy;

import io.turnpike.config.Cidr;
import static org.assertj.core.api.Assertions.assertThat;

import io.turnpike.config.ConfigLoader;
import io.turnpike.server.Gateway;
import io.turnpike.testing.Json;
import io.turnpike.testing.NoLeaks;
import io.turnpike.testing.RawHttp;
import io.turnpike.testing.TestBackend;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** A route's IP filter, CORS rules and body limit, through a real gateway. */
@ExtendWith(NoLeaks.class)
class RoutePoliciesTest {
    static TestBackend backend;
    static Gateway gateway;

    @BeforeAll
    static void start() throws Exception {
        backend = new TestBackend("b");
        ConfigLoader.Result r = ConfigLoader.parse("policies.yaml", """
                server: { listen: "127.0.0.1:0", eventLoops: 1 }
                admin: { listen: off }
                observe: { accessLog: { enabled: false } }
                services:
                  svc: { nodes: [ "%s" ] }
                routes:
                  - id: loopback-only
                    match: { path: "/local/**" }
                    rewrite: { stripPrefix: /local }
                    service: svc
                    policies: { ipAllow: [127.0.0.0/8, "::1"] }
                  - id: no-loopback
                    match: { path: "/remote/**" }
                    rewrite: { stripPrefix: /remote }
                    service: svc
                    policies: { ipDeny: [127.0.0.0/8] }
                  - id: small
                    match: { path: "/small/**" }
                    rewrite: { stripPrefix: /small }
                    service: svc
                    policies: { maxBodyBytes: 10 }
                  - id: tenant
                    match: { path: "/tenant/**" }
                    rewrite: { stripPrefix: /tenant }
                    service: svc
                    policies: { requireHeaders: [X-Tenant], cors: { origins: ["https://app.example.com"] } }
                  - id: web
                    match: { path: "/web/**", methods: [GET, PUT] }
                    rewrite: { stripPrefix: /web }
                    service: svc
                    policies:
                      cors: { origins: ["https://app.example.com", "https://*.example.org"], methods: [GET, PUT], headers: [X-Token], exposeHeaders: [X-Served-By], credentials: true, maxAge: 1h }
                  - id: limited-web
                    match: { path: "/limited/**" }
                    rewrite: { stripPrefix: /limited }
                    service: svc
                    rateLimit: { limit: 1000/s, key: ip }
                    policies: { cors: { origins: ["https://app.example.com"] } }
                  - id: any-origin
                    match: { path: "/any-origin/**" }
                    rewrite: { stripPrefix: /any-origin }
                    service: svc
                    policies: { cors: { origins: ["*"] } }
                """.formatted(backend.url()), name -> null);
        assertThat(r.problems()).isEmpty();
        gateway = Gateway.start(r.config());
    }

    @AfterAll
    static void stop() {
        gateway.close();
        backend.close();
    }

    private static RawHttp.Response send(String raw) throws Exception {
        try (RawHttp c = new RawHttp(gateway.port())) {
            c.send(raw);
            return c.read();
        }
    }

    @Test
    void theIpFilterLetsInItsRangesAndDenyWins() throws Exception {
        assertThat(send("GET /local/echo HTTP/1.1\r\nHost: x\r\n\r\n").status()).isEqualTo(200);
        RawHttp.Response denied = send("GET /remote/echo HTTP/1.1\r\nHost: x\r\n\r\n");
        assertThat(denied.status()).isEqualTo(403);
        assertThat(Json.parse(denied.body()).get("type").asText()).endsWith("/forbidden");
    }

    @Test
    void aRouteBodyLimitOverridesTheServers() throws Exception {
        assertThat(send("POST /small/echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello").status()).isEqualTo(200);
        assertThat(send("POST /small/echo HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\n\r\nhello world").status())
                .isEqualTo(413);
    }

    @Test
    void answersAPreflightForAnAllowedOrigin() throws Exception {
        int before = backend.requests.get();
        RawHttp.Response r = send("OPTIONS /web/echo HTTP/1.1\r\nHost: x\r\nOrigin: https://shop.example.org\r\n"
                + "Access-Control-Request-Method: PUT\r\n\r\n");
        assertThat(r.status()).isEqualTo(204);
        assertThat(r.header("access-control-allow-origin")).isEqualTo("https://shop.example.org");
        assertThat(r.header("access-control-allow-methods")).isEqualTo("GET, PUT");
        assertThat(r.header("access-control-allow-headers")).isEqualTo("X-Token");
        assertThat(r.header("access-control-allow-credentials")).isEqualTo("true");
        assertThat(r.header("access-control-max-age")).isEqualTo("3600");
        assertThat(backend.requests.get()).isEqualTo(before); // the service never sees a preflight
    }

    @Test
    void refusesAPreflightFromAnotherOrigin() throws Exception {
        RawHttp.Response r = send("OPTIONS /web/echo HTTP/1.1\r\nHost: x\r\nOrigin: https://evil.example.net\r\n"
                + "Access-Control-Request-Method: GET\r\n\r\n");
        assertThat(r.status()).isEqualTo(403);
        assertThat(r.header("access-control-allow-origin")).isNull();
    }

    @Test
    void addsCorsHeadersToResponsesForAllowedOriginsOnly() throws Exception {
        RawHttp.Response ok = send("GET /web/echo HTTP/1.1\r\nHost: x\r\nOrigin: https://app.example.com\r\n\r\n");
        assertThat(ok.status()).isEqualTo(200);
        assertThat(ok.header("access-control-allow-origin")).isEqualTo("https://app.example.com");
        assertThat(ok.header("access-control-expose-headers")).isEqualTo("X-Served-By");
        assertThat(ok.header("vary")).containsIgnoringCase("origin");
        RawHttp.Response other = send("GET /web/echo HTTP/1.1\r\nHost: x\r\nOrigin: https://evil.example.net\r\n\r\n");
        assertThat(other.status()).isEqualTo(200);
        assertThat(other.header("access-control-allow-origin")).isNull();
        assertThat(other.header("vary")).as("a cache must not give this answer to an allowed origin").isEqualToIgnoringCase("origin");
        RawHttp.Response none = send("GET /web/echo HTTP/1.1\r\nHost: x\r\n\r\n");
        assertThat(none.header("access-control-allow-origin")).isNull();
        assertThat(none.header("vary")).as("nor this one").isEqualToIgnoringCase("origin");
        RawHttp.Response any = send("GET /any-origin/echo HTTP/1.1\r\nHost: x\r\nOrigin: https://evil.example.net\r\n\r\n");
        assertThat(any.header("access-control-allow-origin")).isEqualTo("*");
        assertThat(any.header("vary")).as("* is the same answer for every origin").isNull();
    }

    @Test
    void theGatewaysResponseHeadersReplaceTheServicesButVaryAddsUp() throws Exception {
        RawHttp.Response r = send("GET /limited/with-headers?RateLimit-Limit=999&RateLimit-Limit=998"
                + "&Vary=Accept-Encoding&Access-Control-Allow-Origin=*&X-Kept=yes HTTP/1.1\r\n"
                + "Host: x\r\nOrigin: https://app.example.com\r\n\r\n");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.header("ratelimit-limit")).as("the gateway's limit, not the service's two").isEqualTo("1000");
        assertThat(r.header("ratelimit-policy")).isEqualTo("1000;w=1");
        assertThat(r.header("access-control-allow-origin")).isEqualTo("https://app.example.com");
        assertThat(r.header("vary")).containsIgnoringCase("accept-encoding").containsIgnoringCase("origin");
        assertThat(r.header("x-kept")).isEqualTo("yes");
    }

    @Test
    void aRequiredHeaderMissingIsA400ThatABrowserCanRead() throws Exception {
        int before = backend.requests.get();
        for (String extra : new String[] {"", "X-Tenant: \r\n"}) {
            RawHttp.Response r = send("GET /tenant/echo HTTP/1.1\r\nHost: x\r\nOrigin: https://app.example.com\r\n"
                    + extra + "\r\n");
            assertThat(r.status()).isEqualTo(400);
            assertThat(Json.parse(r.body()).get("detail").asText()).contains("X-Tenant");
            assertThat(r.header("access-control-allow-origin")).isEqualTo("https://app.example.com");
        }
        assertThat(backend.requests.get()).isEqualTo(before);
        assertThat(send("GET /tenant/echo HTTP/1.1\r\nHost: x\r\nx-tenant: t1\r\n\r\n").status()).isEqualTo(200);
    }

    @Test
    void parsesRangesOfBothFamilies() {
        assertThat(Cidr.parse("10.0.0.0/8").contains(new byte[] {10, 1, 2, 3})).isTrue();
        assertThat(Cidr.parse("10.0.0.0/8").contains(new byte[] {11, 1, 2, 3})).isFalse();
        assertThat(Cidr.parse("192.168.1.128/25").contains(new byte[] {(byte) 192, (byte) 168, 1, (byte) 200})).isTrue();
        assertThat(Cidr.parse("192.168.1.128/25").contains(new byte[] {(byte) 192, (byte) 168, 1, 5})).isFalse();
        byte[] v6 = new byte[16];
        v6[0] = 0x20;
        v6[1] = 0x01;
        v6[2] = 0x0d;
        v6[3] = (byte) 0xb8;
        assertThat(Cidr.parse("2001:db8::/32").contains(v6)).isTrue();
        assertThat(Cidr.parse("2001:db8::/32").contains(new byte[] {10, 1, 2, 3})).isFalse();
    }
}
