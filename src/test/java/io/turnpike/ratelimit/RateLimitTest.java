package io.turnpike.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.turnpike.config.ConfigLoader;
import io.turnpike.config.GatewayConfig;
import io.turnpike.server.Gateway;
import io.turnpike.testing.Json;
import io.turnpike.testing.NoLeaks;
import io.turnpike.testing.RawHttp;
import io.turnpike.testing.TestBackend;
import java.util.Date;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * In-process rate limits through a real gateway: keys of each kind, route and plan limits
 * together, the RateLimit headers, 429 with Retry-After, and counts kept across a reload.
 * Limits are per minute so that nothing refills while a test runs.
 */
@ExtendWith(NoLeaks.class)
class RateLimitTest {
    private static final String ISSUER = "https://id.example";
    private static final String SECRET = "0123456789abcdef0123456789abcdef-test-only";
    private static final Map<String, String> ENV = Map.of(
            "ALICE_KEY", "alice-key-0123456789abcdef", "BOB_KEY", "bob-key-0123456789abcdef",
            "CAROL_KEY", "carol-key-0123456789abcdef", "JWT_SECRET", SECRET);
    static final String CONFIG = """
            server: { listen: "127.0.0.1:0", eventLoops: 1 }
            admin: { listen: off }
            observe: { accessLog: { enabled: false } }
            auth:
              apiKey: { header: X-API-Key }
              jwt: [ { issuer: "%s", secret: "${JWT_SECRET}", algorithms: [HS256] } ]
            plans:
              gold: { rateLimit: 3/min }
              free: { rateLimit: [ 100/s, 2/min ] }
            consumers:
              - { id: alice, plan: gold, credentials: [ { apiKey: "${ALICE_KEY}" } ] }
              - { id: bob, plan: free, credentials: [ { apiKey: "${BOB_KEY}" } ] }
              - { id: carol, credentials: [ { apiKey: "${CAROL_KEY}" }, { jwt: { issuer: "%s", subject: carol } } ] }
            services:
              svc: { nodes: [ "%s" ] }
            routes:
              - { id: by-ip, match: { path: "/ip/**" }, rewrite: { stripPrefix: /ip }, service: svc, rateLimit: 3/min }
              - { id: by-header, match: { path: "/hdr/**" }, rewrite: { stripPrefix: /hdr }, service: svc,
                  rateLimit: { limit: 2/min, key: "header:X-Tenant" } }
              - { id: by-route, match: { path: "/all/**" }, rewrite: { stripPrefix: /all }, service: svc,
                  rateLimit: { limit: 2/min, key: route } }
              - { id: by-pair, match: { path: "/pair/**" }, rewrite: { stripPrefix: /pair }, service: svc,
                  rateLimit: { limit: 1/min, key: [ip, "header:X-Tenant"] } }
              - { id: by-consumer, match: { path: "/c/**" }, rewrite: { stripPrefix: /c }, service: svc,
                  auth: [apiKey], rateLimit: 5/min }
              - { id: by-claim, match: { path: "/claim/**" }, rewrite: { stripPrefix: /claim }, service: svc,
                  auth: [jwt], rateLimit: { limit: 2/min, key: "claim:tenant" } }
              - { id: reloaded, match: { path: "/re/**" }, rewrite: { stripPrefix: /re }, service: svc, rateLimit: %s }
              - { id: open, match: { path: "/open/**" }, rewrite: { stripPrefix: /open }, service: svc }
            """;
    static TestBackend backend;
    static Gateway gateway;

    static GatewayConfig config(String reloadedLimit) {
        ConfigLoader.Result r = ConfigLoader.parse("ratelimit.yaml",
                CONFIG.formatted(ISSUER, ISSUER, backend.url(), reloadedLimit), ENV::get);
        assertThat(r.problems()).isEmpty();
        return r.config();
    }

    @BeforeAll
    static void start() throws Exception {
        backend = new TestBackend("b");
        gateway = Gateway.start(config("2/min"));
    }

    @AfterAll
    static void stop() {
        gateway.close();
        backend.close();
    }

    static RawHttp.Response get(String from, String path, String headers) throws Exception {
        try (RawHttp c = new RawHttp(gateway.port(), from)) {
            c.send("GET " + path + " HTTP/1.1\r\nHost: x\r\n" + headers + "\r\n");
            return c.read();
        }
    }

    static int status(String from, String path, String headers) throws Exception {
        return get(from, path, headers).status();
    }

    @Test
    void theHeadersCountDownAndTheNextCallIsRefusedWith429AndRetryAfter() throws Exception {
        RawHttp.Response first = get("127.0.0.11", "/ip/echo", "");
        assertThat(first.status()).isEqualTo(200);
        assertThat(first.header("RateLimit-Limit")).isEqualTo("3");
        assertThat(first.header("RateLimit-Remaining")).isEqualTo("2");
        assertThat(first.header("RateLimit-Reset")).isEqualTo("20"); // one call = 20 s of a 3/min budget
        assertThat(first.header("RateLimit-Policy")).isEqualTo("3;w=60");
        assertThat(get("127.0.0.11", "/ip/echo", "").header("RateLimit-Remaining")).isEqualTo("1");
        RawHttp.Response last = get("127.0.0.11", "/ip/echo", "");
        assertThat(last.status()).isEqualTo(200);
        assertThat(last.header("RateLimit-Remaining")).isEqualTo("0");
        assertThat(last.header("RateLimit-Reset")).isIn("59", "60");

        RawHttp.Response refused = get("127.0.0.11", "/ip/echo", "");
        assertThat(refused.status()).isEqualTo(429);
        assertThat(refused.header("Content-Type")).isEqualTo("application/problem+json");
        assertThat(refused.header("Retry-After")).isIn("19", "20");
        assertThat(refused.header("RateLimit-Remaining")).isEqualTo("0");
        assertThat(refused.header("RateLimit-Policy")).isEqualTo("3;w=60");
        assertThat(refused.header("X-Request-Id")).isNotBlank();
        JsonNode problem = Json.parse(refused.body());
        assertThat(problem.get("type").asText()).endsWith("/rate-limited");
        assertThat(problem.get("status").asInt()).isEqualTo(429);
        assertThat(problem.get("detail").asText()).contains("3/min");
        assertThat(backend.requests.get()).isPositive();
    }

    @Test
    void anIpKeyCountsEachAddressApart() throws Exception {
        for (int i = 0; i < 3; i++) assertThat(status("127.0.0.21", "/ip/echo", "")).isEqualTo(200);
        assertThat(status("127.0.0.21", "/ip/echo", "")).isEqualTo(429);
        assertThat(status("127.0.0.22", "/ip/echo", "")).isEqualTo(200);
    }

    @Test
    void aHeaderKeyCountsEachValueApart() throws Exception {
        assertThat(status("127.0.0.31", "/hdr/echo", "X-Tenant: a\r\n")).isEqualTo(200);
        assertThat(status("127.0.0.32", "/hdr/echo", "X-Tenant: a\r\n")).isEqualTo(200);
        assertThat(status("127.0.0.33", "/hdr/echo", "X-Tenant: a\r\n")).isEqualTo(429);
        assertThat(status("127.0.0.33", "/hdr/echo", "X-Tenant: b\r\n")).isEqualTo(200);
    }

    @Test
    void aRouteKeyIsOneBudgetForEveryCaller() throws Exception {
        assertThat(status("127.0.0.41", "/all/echo", "")).isEqualTo(200);
        assertThat(status("127.0.0.42", "/all/echo", "")).isEqualTo(200);
        assertThat(status("127.0.0.43", "/all/echo", "")).isEqualTo(429);
    }

    @Test
    void aCombinedKeyCountsEachPairApart() throws Exception {
        assertThat(status("127.0.0.51", "/pair/echo", "X-Tenant: a\r\n")).isEqualTo(200);
        assertThat(status("127.0.0.51", "/pair/echo", "X-Tenant: a\r\n")).isEqualTo(429);
        assertThat(status("127.0.0.51", "/pair/echo", "X-Tenant: b\r\n")).isEqualTo(200);
        assertThat(status("127.0.0.52", "/pair/echo", "X-Tenant: a\r\n")).isEqualTo(200);
    }

    @Test
    void aConsumerKeyFollowsTheCredentialNotTheAddress() throws Exception {
        String carol = "X-API-Key: " + ENV.get("CAROL_KEY") + "\r\n";
        for (int i = 0; i < 5; i++) assertThat(status("127.0.0." + (60 + i), "/c/echo", carol)).isEqualTo(200);
        assertThat(status("127.0.0.66", "/c/echo", carol)).isEqualTo(429);
    }

    @Test
    void thePlanAndTheRouteBothApplyAndTheStricterAnswers() throws Exception {
        String alice = "X-API-Key: " + ENV.get("ALICE_KEY") + "\r\n";
        RawHttp.Response first = get("127.0.0.71", "/c/echo", alice);
        assertThat(first.header("RateLimit-Policy")).isEqualTo("5;w=60, 3;w=60");
        assertThat(first.header("RateLimit-Limit")).isEqualTo("3"); // the plan's, closer to refusing
        assertThat(first.header("RateLimit-Remaining")).isEqualTo("2");
        assertThat(status("127.0.0.71", "/c/echo", alice)).isEqualTo(200);
        assertThat(status("127.0.0.71", "/c/echo", alice)).isEqualTo(200);
        RawHttp.Response refused = get("127.0.0.71", "/c/echo", alice);
        assertThat(refused.status()).isEqualTo(429);
        assertThat(Json.parse(refused.body()).get("detail").asText()).contains("3/min");
        // bob's plan has two windows: 100/s lets a burst through, 2/min does not
        String bob = "X-API-Key: " + ENV.get("BOB_KEY") + "\r\n";
        assertThat(get("127.0.0.72", "/c/echo", bob).header("RateLimit-Policy")).isEqualTo("5;w=60, 100;w=1, 2;w=60");
        assertThat(status("127.0.0.72", "/c/echo", bob)).isEqualTo(200);
        assertThat(status("127.0.0.72", "/c/echo", bob)).isEqualTo(429);
    }

    @Test
    void aClaimKeyCountsEachClaimValueApart() throws Exception {
        String t1 = "Authorization: Bearer " + token("t1") + "\r\n";
        assertThat(status("127.0.0.81", "/claim/echo", t1)).isEqualTo(200);
        assertThat(status("127.0.0.81", "/claim/echo", t1)).isEqualTo(200);
        assertThat(status("127.0.0.81", "/claim/echo", t1)).isEqualTo(429);
        assertThat(status("127.0.0.81", "/claim/echo", "Authorization: Bearer " + token("t2") + "\r\n")).isEqualTo(200);
    }

    @Test
    void anUnlimitedRouteCarriesNoRateLimitHeaders() throws Exception {
        RawHttp.Response r = get("127.0.0.91", "/open/echo", "");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.header("RateLimit-Limit")).isNull();
        assertThat(r.header("RateLimit-Policy")).isNull();
    }

    @Test
    void aReloadKeepsTheCountsOfAnUnchangedLimitAndResetsAChangedOne() throws Exception {
        assertThat(status("127.0.0.101", "/re/echo", "")).isEqualTo(200);
        assertThat(status("127.0.0.101", "/re/echo", "")).isEqualTo(200);
        assertThat(status("127.0.0.101", "/re/echo", "")).isEqualTo(429);
        gateway.apply(config("2/min")); // the same limit, a new snapshot
        assertThat(status("127.0.0.101", "/re/echo", "")).isEqualTo(429);
        gateway.apply(config("3/min")); // a new limit starts afresh
        RawHttp.Response r = get("127.0.0.101", "/re/echo", "");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.header("RateLimit-Policy")).isEqualTo("3;w=60");
        gateway.apply(config("2/min"));
    }

    private static String token(String tenant) throws Exception {
        JWTClaimsSet c = new JWTClaimsSet.Builder().issuer(ISSUER).subject("carol")
                .expirationTime(new Date(System.currentTimeMillis() + 60_000)).claim("tenant", tenant).build();
        SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256), c);
        jwt.sign(new MACSigner(SECRET.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        return jwt.serialize();
    }
}
