package io.turnpike.auth;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.turnpike.config.ConfigLoader;
import io.turnpike.server.Gateway;
import io.turnpike.testing.Json;
import io.turnpike.testing.NoLeaks;
import io.turnpike.testing.RawHttp;
import io.turnpike.testing.TestBackend;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.security.crypto.bcrypt.BCrypt;

/** HTTP Basic against bcrypt hashes: checked off the event loop, then remembered for a while. */
@ExtendWith(NoLeaks.class)
class BasicAuthTest {
    static TestBackend backend;
    static Gateway gateway;

    @BeforeAll
    static void start() throws Exception {
        backend = new TestBackend("b");
        // Cost 4 keeps the test quick; production hashes use 10-12.
        String acme = BCrypt.hashpw("correct horse", BCrypt.gensalt("$2b", 4));
        String other = BCrypt.hashpw("other:pass", BCrypt.gensalt("$2y", 4));
        ConfigLoader.Result r = ConfigLoader.parse("basic.yaml", """
                server: { listen: "127.0.0.1:0", eventLoops: 1 }
                admin: { listen: off }
                observe: { accessLog: { enabled: false } }
                consumers:
                  - { id: acme, groups: [partners], credentials: [ { basic: { user: acme, passwordHash: "%s" } } ] }
                  - { id: other, credentials: [ { basic: { user: "other", passwordHash: "%s" } } ] }
                services:
                  svc: { nodes: [ "%s" ] }
                routes:
                  - { id: basic, match: { path: "/basic/**" }, rewrite: { stripPrefix: /basic }, service: svc, auth: [basic] }
                  - { id: either, match: { path: "/either/**" }, rewrite: { stripPrefix: /either }, service: svc, auth: [apiKey, basic] }
                """.formatted(acme, other, backend.url()), name -> null);
        assertThat(r.problems()).isEmpty();
        gateway = Gateway.start(r.config());
    }

    @AfterAll
    static void stop() {
        gateway.close();
        backend.close();
    }

    private static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    private static RawHttp.Response get(String path, String authorization) throws Exception {
        try (RawHttp c = new RawHttp(gateway.port())) {
            c.send("GET " + path + " HTTP/1.1\r\nHost: x\r\n"
                    + (authorization == null ? "" : "Authorization: " + authorization + "\r\n") + "\r\n");
            return c.read();
        }
    }

    @Test
    void theRightPasswordReachesTheServiceAsItsConsumerWithoutTheCredential() throws Exception {
        RawHttp.Response r = get("/basic/echo", basic("acme", "correct horse"));
        assertThat(r.status()).isEqualTo(200);
        JsonNode h = Json.parse(r.body()).get("headers");
        assertThat(h.get("x-consumer-id").asText()).isEqualTo("acme");
        assertThat(h.get("x-consumer-groups").asText()).isEqualTo("partners");
        assertThat(h.has("authorization")).isFalse();
        // a password may hold a colon: only the first one separates the user
        assertThat(get("/basic/echo", basic("other", "other:pass")).status()).isEqualTo(200);
    }

    @Test
    void repeatedCredentialsAreAnsweredFromTheCacheWithoutBcrypt() throws Exception {
        assertThat(get("/basic/echo", basic("acme", "correct horse")).status()).isEqualTo(200);
        int hashed = BasicVerifier.hashed();
        for (int i = 0; i < 5; i++) {
            assertThat(get("/basic/echo", basic("acme", "correct horse")).status()).isEqualTo(200);
        }
        assertThat(BasicVerifier.hashed()).isEqualTo(hashed);
    }

    @Test
    void unknownUserAndWrongPasswordGetTheSame401() throws Exception {
        int before = backend.requests.get();
        RawHttp.Response wrong = get("/basic/echo", basic("acme", "wrong horse"));
        RawHttp.Response unknown = get("/basic/echo", basic("nobody", "correct horse"));
        RawHttp.Response none = get("/basic/echo", null);
        RawHttp.Response garbage = get("/basic/echo", "Basic !!!not-base64");
        for (RawHttp.Response r : new RawHttp.Response[] {wrong, unknown, none, garbage}) {
            assertThat(r.status()).isEqualTo(401);
            assertThat(r.header("www-authenticate")).contains("Basic realm=\"turnpike\"");
            assertThat(r.header("content-type")).isEqualTo("application/problem+json");
        }
        assertThat(Json.parse(wrong.body()).get("detail")).isEqualTo(Json.parse(unknown.body()).get("detail"));
        assertThat(backend.requests.get()).isEqualTo(before);
    }

    @Test
    void aRouteTakingApiKeysOrBasicChallengesWithBoth() throws Exception {
        RawHttp.Response r = get("/either/echo", null);
        assertThat(r.status()).isEqualTo(401);
        assertThat(r.header("www-authenticate")).contains("ApiKey header=\"X-API-Key\"").contains("Basic realm=\"turnpike\"");
        assertThat(get("/either/echo", basic("acme", "correct horse")).status()).isEqualTo(200);
    }

    @Test
    void theReasonTellsUnknownUserFromWrongPasswordOnlyToObservers() throws Exception {
        java.util.concurrent.ConcurrentLinkedQueue<String> decisions = new java.util.concurrent.ConcurrentLinkedQueue<>();
        gateway.observe(e -> decisions.add(String.valueOf(e.authDecision())), false);
        try {
            get("/basic/echo", basic("acme", "not it"));
            get("/basic/echo", basic("stranger", "not it"));
            assertThat(decisions).containsExactly("bad-password", "unknown-user");
        } finally {
            gateway.observe(io.turnpike.core.ExchangeObserver.NONE, false);
        }
    }
}
