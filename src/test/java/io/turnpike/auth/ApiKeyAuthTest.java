package io.turnpike.auth;

import io.turnpike.core.Consumer;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.turnpike.config.ConfigLoader;
import io.turnpike.server.Gateway;
import io.turnpike.testing.Json;
import io.turnpike.testing.NoLeaks;
import io.turnpike.testing.RawHttp;
import io.turnpike.testing.TestBackend;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** API keys: the service sees who calls, never the key; unknown and wrong keys look the same. */
@ExtendWith(NoLeaks.class)
class ApiKeyAuthTest {
    private static final String ACME = "acme-key-0123456789abcdef";
    private static final String SOLO = "solo-key-0123456789abcdef";
    static TestBackend backend;
    static Gateway gateway;

    @BeforeAll
    static void start() throws Exception {
        backend = new TestBackend("b");
        ConfigLoader.Result r = ConfigLoader.parse("auth.yaml", """
                server: { listen: "127.0.0.1:0", eventLoops: 1 }
                admin: { listen: off }
                observe: { accessLog: { enabled: false } }
                auth: { apiKey: { header: X-API-Key, query: api_key } }
                consumers:
                  - { id: acme, groups: [partners, beta], credentials: [ { apiKey: "${ACME_KEY}" } ] }
                  - { id: solo, credentials: [ { apiKeyHash: "sha256:%s" } ] }
                services:
                  svc: { nodes: [ "%s" ] }
                routes:
                  - { id: open, match: { path: "/open/**" }, rewrite: { stripPrefix: /open }, service: svc }
                  - { id: keyed, match: { path: "/keyed/**" }, rewrite: { stripPrefix: /keyed }, service: svc, auth: [apiKey] }
                  - { id: partners, match: { path: "/partners/**" }, rewrite: { stripPrefix: /partners }, service: svc, auth: [apiKey], acl: { allow: [partners] } }
                  - { id: no-beta, match: { path: "/stable/**" }, rewrite: { stripPrefix: /stable }, service: svc, auth: [apiKey], acl: { deny: [beta] } }
                  - { id: passthrough, match: { path: "/raw/**" }, rewrite: { stripPrefix: /raw }, service: svc, auth: [apiKey], forwardCredentials: true }
                  - { id: everything, match: { path: "/**" }, service: svc }
                """.formatted(sha256(SOLO), backend.url()),
                Map.of("ACME_KEY", ACME)::get);
        assertThat(r.problems()).isEmpty();
        gateway = Gateway.start(r.config());
    }

    private static String sha256(String s) throws Exception {
        return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                .digest(s.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    }

    @AfterAll
    static void stop() {
        gateway.close();
        backend.close();
    }

    private static RawHttp.Response get(String target, String headers) throws Exception {
        try (RawHttp c = new RawHttp(gateway.port())) {
            c.send("GET " + target + " HTTP/1.1\r\nHost: x\r\n" + headers + "\r\n");
            return c.read();
        }
    }

    @Test
    void anonymousRoutesStayOpenAndClientConsumerHeadersAreStripped() throws Exception {
        RawHttp.Response r = get("/open/echo", "X-Consumer-Id: admin\r\nX-Consumer-Groups: root\r\n");
        assertThat(r.status()).isEqualTo(200);
        JsonNode h = Json.parse(r.body()).get("headers");
        assertThat(h.has("x-consumer-id")).isFalse();
        assertThat(h.has("x-consumer-groups")).isFalse();
    }

    @Test
    void aValidKeyReachesTheServiceAsAConsumerWithoutTheKey() throws Exception {
        RawHttp.Response r = get("/keyed/echo", "X-API-Key: " + ACME + "\r\nX-Consumer-Id: spoofed\r\n");
        assertThat(r.status()).isEqualTo(200);
        JsonNode h = Json.parse(r.body()).get("headers");
        assertThat(h.get("x-consumer-id").asText()).isEqualTo("acme");
        assertThat(h.get("x-consumer-groups").asText()).isEqualTo("partners,beta");
        assertThat(h.has("x-api-key")).isFalse();
    }

    @Test
    void aKeyGivenAsItsDigestWorksAndAQueryKeyIsRemovedBeforeForwarding() throws Exception {
        RawHttp.Response r = get("/keyed/echo?a=1&api_key=" + SOLO + "&b=2", "");
        assertThat(r.status()).isEqualTo(200);
        JsonNode body = Json.parse(r.body());
        assertThat(body.get("uri").asText()).isEqualTo("/echo?a=1&b=2");
        assertThat(body.at("/headers/x-consumer-id").asText()).isEqualTo("solo");
        assertThat(body.at("/headers/x-consumer-groups").asText()).isEmpty();
    }

    @Test
    void unknownAndWrongKeysGetTheSame401() throws Exception {
        int before = backend.requests.get();
        RawHttp.Response none = get("/keyed/echo", "");
        RawHttp.Response wrong = get("/keyed/echo", "X-API-Key: " + ACME + "x\r\n");
        for (RawHttp.Response r : new RawHttp.Response[] {none, wrong}) {
            assertThat(r.status()).isEqualTo(401);
            assertThat(r.header("www-authenticate")).isEqualTo("ApiKey header=\"X-API-Key\", query=\"api_key\"");
            assertThat(r.header("content-type")).isEqualTo("application/problem+json");
            assertThat(Json.parse(r.body()).get("detail").asText()).doesNotContain(ACME);
        }
        assertThat(Json.parse(none.body()).get("detail")).isEqualTo(Json.parse(wrong.body()).get("detail"));
        assertThat(backend.requests.get()).isEqualTo(before);
    }

    @Test
    void theAclLetsInItsGroupsAndDenyWins() throws Exception {
        assertThat(get("/partners/echo", "X-API-Key: " + ACME + "\r\n").status()).isEqualTo(200);
        RawHttp.Response solo = get("/partners/echo", "X-API-Key: " + SOLO + "\r\n");
        assertThat(solo.status()).isEqualTo(403);
        assertThat(Json.parse(solo.body()).get("type").asText()).endsWith("/forbidden");
        assertThat(get("/stable/echo", "X-API-Key: " + ACME + "\r\n").status()).isEqualTo(403);
        assertThat(get("/stable/echo", "X-API-Key: " + SOLO + "\r\n").status()).isEqualTo(200);
    }

    @Test
    void aRouteMayForwardTheCredential() throws Exception {
        RawHttp.Response r = get("/raw/echo", "X-API-Key: " + ACME + "\r\n");
        assertThat(Json.parse(r.body()).at("/headers/x-api-key").asText()).isEqualTo(ACME);
    }

    @Test
    void theReasonGoesToTheObserversNeverToTheClient() throws Exception {
        java.util.concurrent.ConcurrentLinkedQueue<String> decisions = new java.util.concurrent.ConcurrentLinkedQueue<>();
        gateway.observe(e -> decisions.add(String.valueOf(e.authDecision())), false);
        try {
            get("/keyed/echo", "");
            get("/keyed/echo", "X-API-Key: not-a-known-key-at-all\r\n");
            get("/partners/echo", "X-API-Key: " + SOLO + "\r\n");
            get("/keyed/echo", "X-API-Key: " + ACME + "\r\n");
            get("/open/echo", "");
            assertThat(decisions).containsExactly("no-credential", "unknown-credential", "acl-denied", "ok", "null");
        } finally {
            gateway.observe(io.turnpike.core.ExchangeObserver.NONE, false);
        }
    }

    /**
     * A servlet container or Spring reads {@code /keyed;x/echo} as {@code /keyed/echo}. With an open
     * catch-all beside the keyed route, such a path is held to the keyed route's authentication and
     * never reaches the backend without a key; with one, {@code stripPrefix} takes the segment away
     * with its parameters.
     */
    @ParameterizedTest
    @ValueSource(strings = {"/keyed;x/echo", "/keyed;/echo", "/keyed;jsessionid=1/echo", "/keyed%3Bx/echo", "/keyed%3bx/echo"})
    void aSegmentWithPathParametersIsHeldToTheRouteItNames(String path) throws Exception {
        int before = backend.requests.get();
        try (RawHttp c = new RawHttp(gateway.port())) {
            c.send("GET " + path + " HTTP/1.1\r\nHost: x\r\n\r\n");
            RawHttp.Response r = c.read();
            assertThat(r.status()).as(path).isEqualTo(401);
            c.send("GET /open HTTP/1.1\r\nHost: x\r\n\r\n");
            assertThat(c.read().status()).isEqualTo(200);
        }
        // the backend answered the request sent after it, so one sent before would be counted by now
        assertThat(backend.requests.get()).as("requests the backend saw").isEqualTo(before + 1);

        RawHttp.Response r = get(path, "X-API-Key: " + ACME + "\r\n");
        assertThat(r.status()).as(path).isEqualTo(200);
        assertThat(Json.parse(r.body()).get("uri").asText()).as("the prefix stripped with its parameters").isEqualTo("/echo");
    }
}
