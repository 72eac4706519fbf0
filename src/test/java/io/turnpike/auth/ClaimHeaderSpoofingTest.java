package io.turnpike.auth;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.turnpike.config.ConfigLoader;
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
 * A header an issuer's {@code claimsToHeaders} writes is the service's proof of a verified claim:
 * whatever the route's credential (an API key, a token of another issuer or without the claim,
 * none at all, an aggregation), the value the client sent itself never gets through.
 */
@ExtendWith(NoLeaks.class)
class ClaimHeaderSpoofingTest {
    private static final String MAPPING = "https://id.mapping.example";
    private static final String OTHER = "https://id.other.example";
    private static final String SECRET = "0123456789abcdef0123456789abcdef-test-only";
    private static final String OTHER_SECRET = "fedcba9876543210fedcba9876543210-test-only";
    private static final String KEY = "acme-key-0123456789abcdef";
    private static final String FORGED = "admin@evil";
    static TestBackend backend;
    static Gateway gateway;

    @BeforeAll
    static void start() throws Exception {
        backend = new TestBackend("b");
        ConfigLoader.Result r = ConfigLoader.parse("claims.yaml", """
                server: { listen: "127.0.0.1:0", eventLoops: 1 }
                admin: { listen: off }
                observe: { accessLog: { enabled: false } }
                auth:
                  jwt:
                    - { issuer: "%s", secret: "${SECRET}", algorithms: [HS256], audiences: [turnpike],
                        claimsToHeaders: { email: X-User-Email } }
                    - { issuer: "%s", secret: "${OTHER_SECRET}", algorithms: [HS256], audiences: [turnpike] }
                consumers:
                  - id: acme
                    credentials:
                      - { apiKey: "${KEY}" }
                      - { jwt: { issuer: "%s", subject: acme } }
                      - { jwt: { issuer: "%s", subject: acme } }
                services:
                  svc: { nodes: [ "%s" ] }
                routes:
                  - { id: key, match: { path: "/key/**" }, rewrite: { stripPrefix: /key }, service: svc, auth: [apiKey] }
                  - { id: open, match: { path: "/open/**" }, rewrite: { stripPrefix: /open }, service: svc }
                  - { id: jwt, match: { path: "/jwt/**" }, rewrite: { stripPrefix: /jwt }, service: svc, auth: [jwt] }
                  - id: agg
                    match: { path: /agg }
                    aggregate: { calls: { me: { service: svc, path: "/echo?email={header.X-User-Email}" } } }
                """.formatted(MAPPING, OTHER, MAPPING, OTHER, backend.url()),
                Map.of("SECRET", SECRET, "OTHER_SECRET", OTHER_SECRET, "KEY", KEY)::get);
        assertThat(r.problems()).isEmpty();
        gateway = Gateway.start(r.config());
    }

    @AfterAll
    static void stop() {
        gateway.close();
        backend.close();
    }

    private static String token(String issuer, String secret, String email) throws Exception {
        JWTClaimsSet.Builder c = new JWTClaimsSet.Builder().issuer(issuer).subject("acme").audience("turnpike")
                .expirationTime(new Date(System.currentTimeMillis() + 60_000));
        if (email != null) c.claim("email", email);
        SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256), c.build());
        jwt.sign(new MACSigner(secret.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        return jwt.serialize();
    }

    /** The headers the service received, for a request that carries the forged claim header. */
    private static JsonNode received(String path, String credential) throws Exception {
        try (RawHttp c = new RawHttp(gateway.port())) {
            c.send("GET " + path + " HTTP/1.1\r\nHost: x\r\nX-User-Email: " + FORGED + "\r\n"
                    + (credential == null ? "" : credential + "\r\n") + "\r\n");
            RawHttp.Response r = c.read();
            assertThat(r.status()).as(r.body()).isEqualTo(200);
            return Json.parse(r.body()).get("headers");
        }
    }

    @Test
    void anApiKeyRouteDropsTheClaimHeaderTheClientSent() throws Exception {
        JsonNode h = received("/key/echo", "X-API-Key: " + KEY);
        assertThat(h.get("x-consumer-id").asText()).isEqualTo("acme");
        assertThat(h.has("x-user-email")).isFalse();
    }

    @Test
    void anAnonymousRouteDropsTheClaimHeaderTheClientSent() throws Exception {
        assertThat(received("/open/echo", null).has("x-user-email")).isFalse();
    }

    @Test
    void aTokenWithoutTheClaimLetsNoClientValueThrough() throws Exception {
        JsonNode h = received("/jwt/echo", "Authorization: Bearer " + token(MAPPING, SECRET, null));
        assertThat(h.get("x-consumer-id").asText()).isEqualTo("acme");
        assertThat(h.has("x-user-email")).isFalse();
    }

    @Test
    void aTokenOfAnIssuerThatMapsNoClaimsLetsNoClientValueThrough() throws Exception {
        JsonNode h = received("/jwt/echo", "Authorization: Bearer " + token(OTHER, OTHER_SECRET, "dev@acme.example"));
        assertThat(h.get("x-consumer-id").asText()).isEqualTo("acme");
        assertThat(h.has("x-user-email")).isFalse();
    }

    @Test
    void aTokenWithTheClaimStillSetsTheHeader() throws Exception {
        JsonNode h = received("/jwt/echo", "Authorization: Bearer " + token(MAPPING, SECRET, "dev@acme.example"));
        assertThat(h.get("x-user-email").asText()).isEqualTo("dev@acme.example");
    }

    @Test
    void anAggregationsCallsNeverSeeTheClientValue() throws Exception {
        try (RawHttp c = new RawHttp(gateway.port())) {
            c.send("GET /agg HTTP/1.1\r\nHost: x\r\nX-User-Email: " + FORGED + "\r\n\r\n");
            RawHttp.Response r = c.read();
            assertThat(r.status()).as(r.body()).isEqualTo(200);
            JsonNode me = Json.parse(r.body()).get("me");
            assertThat(me.get("uri").asText()).isEqualTo("/echo?email=");
            assertThat(me.get("headers").has("x-user-email")).isFalse();
        }
    }
}
