package io.turnpike.auth;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import io.turnpike.config.ConfigLoader;
import io.turnpike.server.Gateway;
import io.turnpike.testing.Json;
import io.turnpike.testing.NoLeaks;
import io.turnpike.testing.RawHttp;
import io.turnpike.testing.TestBackend;
import java.nio.charset.StandardCharsets;
import java.util.Date;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Bearer JWTs checked against an issuer's inline keys; only a verified token names a consumer. */
@ExtendWith(NoLeaks.class)
class JwtAuthTest {
    private static final String ISSUER = "https://id.acme.example";
    static RSAKey key;
    static TestBackend backend;
    static Gateway gateway;

    @BeforeAll
    static void start() throws Exception {
        key = new RSAKeyGenerator(2048).keyID("k1").generate();
        backend = new TestBackend("b");
        ConfigLoader.Result r = ConfigLoader.parse("jwt.yaml", """
                server: { listen: "127.0.0.1:0", eventLoops: 1 }
                admin: { listen: off }
                observe: { accessLog: { enabled: false } }
                auth:
                  jwt:
                    - issuer: %s
                      keys: %s
                      algorithms: [RS256]
                      audiences: [turnpike]
                      clockSkew: 0s
                      claimsToHeaders: { email: X-User-Email }
                consumers:
                  - { id: acme-app, groups: [partners], credentials: [ { jwt: { issuer: "%s", subject: acme-app } } ] }
                services:
                  svc: { nodes: [ "%s" ] }
                routes:
                  - { id: jwt, match: { path: "/jwt/**" }, rewrite: { stripPrefix: /jwt }, service: svc, auth: [jwt] }
                  - { id: either, match: { path: "/either/**" }, rewrite: { stripPrefix: /either }, service: svc, auth: [apiKey, jwt] }
                """.formatted(ISSUER, "{\"keys\": [" + key.toPublicJWK().toJSONString() + "]}",
                ISSUER, backend.url()), name -> null);
        assertThat(r.problems()).isEmpty();
        gateway = Gateway.start(r.config());
    }

    @AfterAll
    static void stop() {
        gateway.close();
        backend.close();
    }

    private static JWTClaimsSet.Builder claims() {
        return new JWTClaimsSet.Builder().issuer(ISSUER).subject("acme-app").audience("turnpike")
                .expirationTime(new Date(System.currentTimeMillis() + 60_000)).claim("email", "dev@acme.example");
    }

    private static String rs256(JWTClaimsSet c) throws Exception {
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID("k1").build(), c);
        jwt.sign(new RSASSASigner(key));
        return jwt.serialize();
    }

    private static RawHttp.Response get(String path, String token) throws Exception {
        try (RawHttp c = new RawHttp(gateway.port())) {
            c.send("GET " + path + " HTTP/1.1\r\nHost: x\r\nX-User-Email: forged@evil\r\n"
                    + (token == null ? "" : "Authorization: Bearer " + token + "\r\n") + "\r\n");
            return c.read();
        }
    }

    /** A claim is the token holder's text: CR or LF in it must not make a field of its own. */
    @Test
    void aClaimAHeaderCannotCarryIsLeftOutAndOtherTextGoesAsUtf8() throws Exception {
        for (String v : new String[] {"a@b\r\nX-Injected: 1", "a@b\nX-Injected: 1", "a\u0000b@c"}) {
            RawHttp.Response r = get("/jwt/echo", rs256(claims().claim("email", v).build()));
            assertThat(r.status()).isEqualTo(200);
            JsonNode h = Json.parse(r.body()).get("headers");
            assertThat(h.has("x-user-email")).as("left out, as a missing claim: %s", v).isFalse();
            assertThat(h.has("x-injected")).isFalse();
        }
        RawHttp.Response r = get("/jwt/echo", rs256(claims().claim("email", "jos\u00e9.\u674e@acme.example").build()));
        assertThat(r.status()).isEqualTo(200);
        String received = Json.parse(r.body()).get("headers").get("x-user-email").asText(); // the bytes, one char each
        assertThat(new String(received.getBytes(StandardCharsets.ISO_8859_1), StandardCharsets.UTF_8))
                .isEqualTo("jos\u00e9.\u674e@acme.example");
    }

    @Test
    void aValidTokenReachesTheServiceAsItsConsumerWithItsClaimsButNotTheToken() throws Exception {
        RawHttp.Response r = get("/jwt/echo", rs256(claims().build()));
        assertThat(r.status()).isEqualTo(200);
        JsonNode h = Json.parse(r.body()).get("headers");
        assertThat(h.get("x-consumer-id").asText()).isEqualTo("acme-app");
        assertThat(h.get("x-user-email").asText()).isEqualTo("dev@acme.example");
        assertThat(h.has("authorization")).isFalse();
    }

    @Test
    void refusesExpiredWrongAudienceUnknownIssuerAndUnknownSubject() throws Exception {
        List<String> bad = List.of(
                rs256(claims().expirationTime(new Date(System.currentTimeMillis() - 1_000)).build()),
                rs256(claims().audience("someone-else").build()),
                rs256(claims().issuer("https://other.example").build()),
                rs256(claims().subject("stranger").build()),
                "not.a.token");
        for (String token : bad) {
            RawHttp.Response r = get("/jwt/echo", token);
            assertThat(r.status()).as(token).isEqualTo(401);
            assertThat(r.header("www-authenticate")).isEqualTo("Bearer realm=\"turnpike\"");
        }
    }

    @Test
    void refusesUnsignedTokensAndHmacTokensMadeWithThePublicKey() throws Exception {
        String none = new PlainJWT(claims().build()).serialize();
        assertThat(get("/jwt/echo", none).status()).isEqualTo(401);
        // The classic confusion: HS256 "signed" with the RSA public key's bytes as the secret.
        SignedJWT hs = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.HS256).keyID("k1").build(), claims().build());
        hs.sign(new MACSigner(key.toPublicKey().getEncoded()));
        assertThat(get("/jwt/echo", hs.serialize()).status()).isEqualTo(401);
    }

    @Test
    void aRouteTakingEitherCredentialNamesBothSchemes() throws Exception {
        RawHttp.Response r = get("/either/echo", null);
        assertThat(r.status()).isEqualTo(401);
        assertThat(r.header("www-authenticate")).contains("ApiKey header=\"X-API-Key\"").contains("Bearer realm=\"turnpike\"");
        assertThat(get("/either/echo", rs256(claims().build())).status()).isEqualTo(200);
    }
}
