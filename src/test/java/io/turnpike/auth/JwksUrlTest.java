package io.turnpike.auth;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.sun.net.httpserver.HttpServer;
import io.turnpike.config.ConfigLoader;
import io.turnpike.server.Gateway;
import io.turnpike.testing.NoLeaks;
import io.turnpike.testing.RawHttp;
import io.turnpike.testing.TestBackend;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Date;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Keys from an issuer's JWKS URL: fetched off the event loop; a token with a new key id waits for
 * the refresh it triggers; the last good set is kept when the URL fails.
 */
@ExtendWith(NoLeaks.class)
class JwksUrlTest {
    private static final String ISSUER = "https://rotating.example";

    private static String token(RSAKey key) throws Exception {
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(key.getKeyID()).build(),
                new JWTClaimsSet.Builder().issuer(ISSUER).subject("app")
                        .expirationTime(new Date(System.currentTimeMillis() + 60_000)).build());
        jwt.sign(new RSASSASigner(key));
        return jwt.serialize();
    }

    private static int status(Gateway g, String token) throws Exception {
        try (RawHttp c = new RawHttp(g.port())) {
            c.send("GET /x HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + token + "\r\n\r\n");
            return c.read().status();
        }
    }

    @Test
    void fetchesKeysPicksUpARotatedKeyAndKeepsTheLastGoodSetWhenTheUrlFails() throws Exception {
        RSAKey first = new RSAKeyGenerator(2048).keyID("first").generate();
        RSAKey second = new RSAKeyGenerator(2048).keyID("second").generate();
        AtomicReference<String> served = new AtomicReference<>(new JWKSet(first.toPublicJWK()).toString());
        AtomicReference<Integer> status = new AtomicReference<>(200);
        HttpServer jwks = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        java.util.concurrent.atomic.AtomicInteger fetches = new java.util.concurrent.atomic.AtomicInteger();
        jwks.createContext("/jwks.json", ex -> {
            fetches.incrementAndGet();
            byte[] body = served.get().getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(status.get(), body.length);
            ex.getResponseBody().write(body);
            ex.close();
        });
        jwks.start();
        String url = "http://127.0.0.1:" + jwks.getAddress().getPort() + "/jwks.json";
        try (TestBackend b = new TestBackend("b")) {
            ConfigLoader.Result r = ConfigLoader.parse("jwks.yaml", """
                    server: { listen: "127.0.0.1:0", eventLoops: 1 }
                    admin: { listen: off }
                    observe: { accessLog: { enabled: false } }
                    auth: { jwt: [ { issuer: "%s", jwks: "%s", allowInsecure: true, jwksRefresh: 1h } ] }
                    consumers: [ { id: app, credentials: [ { jwt: { issuer: "%s", subject: app } } ] } ]
                    services: { svc: { nodes: [ "%s" ] } }
                    routes: [ { id: r, match: { path: "/**" }, service: svc, auth: [jwt] } ]
                    """.formatted(ISSUER, url, ISSUER, b.url()), name -> null);
            assertThat(r.problems()).isEmpty();
            try (Gateway g = Gateway.start(r.config())) {
                assertThat(status(g, token(first))).isEqualTo(200);
                // the issuer rotates to a new key: the first token with it waits for the refresh it
                // triggers, and passes on that very request
                served.set(new JWKSet(java.util.List.of(first.toPublicJWK(), second.toPublicJWK())).toString());
                String rotated = token(second);
                int fetchesBefore = fetches.get();
                assertThat(status(g, rotated)).isEqualTo(200);
                assertThat(fetches.get()).isEqualTo(fetchesBefore + 1);
                // a key id the issuer does not have either: refused, and no new fetch within the rate limit
                assertThat(status(g, token(new RSAKeyGenerator(2048).keyID("third").generate()))).isEqualTo(401);
                assertThat(fetches.get()).isEqualTo(fetchesBefore + 1);
                // the URL breaks: the keys already fetched keep serving
                status.set(500);
                JwksFetcher.of(url, Duration.ofHours(1)).refreshNow();
                assertThat(status(g, token(first))).isEqualTo(200);
                assertThat(status(g, rotated)).isEqualTo(200);
                // while it is broken, a key id nobody has gets the plain 401, and the known keys still serve
                assertThat(status(g, token(new RSAKeyGenerator(2048).keyID("fourth").generate()))).isEqualTo(401);
                assertThat(status(g, token(first))).isEqualTo(200);
            }
        } finally {
            jwks.stop(0);
        }
    }
}
