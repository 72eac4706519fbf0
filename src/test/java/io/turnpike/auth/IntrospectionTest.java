package io.turnpike.auth;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import io.turnpike.config.ConfigLoader;
import io.turnpike.server.Gateway;
import io.turnpike.testing.Json;
import io.turnpike.testing.NoLeaks;
import io.turnpike.testing.RawHttp;
import io.turnpike.testing.TestBackend;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * OAuth2 token introspection against a real little authorization server on loopback: active
 * tokens let their client's consumer in, inactive ones are refused, answers are cached, and an
 * endpoint that cannot be reached means 503, never a way in.
 */
@ExtendWith(NoLeaks.class)
class IntrospectionTest {
    static HttpServer server;
    static final AtomicInteger calls = new AtomicInteger();
    static final Map<String, String> answers = new ConcurrentHashMap<>();
    static final ConcurrentLinkedQueue<String> authorizations = new ConcurrentLinkedQueue<>();
    static TestBackend backend;
    static Gateway gateway;
    static Gateway downGateway;

    @BeforeAll
    static void start() throws Exception {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/introspect", ex -> {
            calls.incrementAndGet();
            authorizations.add(String.valueOf(ex.getRequestHeaders().getFirst("Authorization")));
            String form = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            String token = null;
            for (String pair : form.split("&")) {
                if (pair.startsWith("token=")) token = URLDecoder.decode(pair.substring(6), StandardCharsets.UTF_8);
            }
            byte[] body = answers.getOrDefault(token, "{\"active\": false}").getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().add("Content-Type", "application/json");
            ex.sendResponseHeaders(200, body.length);
            ex.getResponseBody().write(body);
            ex.close();
        });
        server.start();
        int closedPort;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            closedPort = s.getLocalPort();
        }
        backend = new TestBackend("b");
        gateway = start("http://127.0.0.1:" + server.getAddress().getPort() + "/introspect");
        downGateway = start("http://127.0.0.1:" + closedPort + "/introspect");
    }

    private static Gateway start(String endpoint) throws Exception {
        ConfigLoader.Result r = ConfigLoader.parse("introspection.yaml", """
                server: { listen: "127.0.0.1:0", eventLoops: 1 }
                admin: { listen: off }
                observe: { accessLog: { enabled: false } }
                auth:
                  introspection: { endpoint: "%s", allowInsecure: true, clientId: "turnpike gw", clientSecret: "${SECRET}", timeout: 1s, cacheTtl: 1m }
                consumers:
                  - { id: acme, groups: [partners], credentials: [ { oauth2: { clientId: acme-app } } ] }
                services:
                  svc: { nodes: [ "%s" ] }
                routes:
                  - { id: opaque, match: { path: "/opaque/**" }, rewrite: { stripPrefix: /opaque }, service: svc, auth: [introspection] }
                  - { id: orders, match: { path: "/orders/**" }, rewrite: { stripPrefix: /orders }, service: svc, auth: [introspection], acl: { scopes: [orders:write] } }
                """.formatted(endpoint, backend.url()), Map.of("SECRET", "s3cret&more")::get);
        assertThat(r.problems()).isEmpty();
        return Gateway.start(r.config());
    }

    @AfterAll
    static void stop() {
        gateway.close();
        downGateway.close();
        backend.close();
        server.stop(0);
    }

    private static String active(String client, String scope) {
        return "{\"active\": true, \"client_id\": \"" + client + "\", \"sub\": \"u1\", \"scope\": \"" + scope
                + "\", \"exp\": " + (System.currentTimeMillis() / 1000 + 300) + "}";
    }

    private static RawHttp.Response get(Gateway g, String path, String token) throws Exception {
        try (RawHttp c = new RawHttp(g.port())) {
            c.send("GET " + path + " HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + token + "\r\n\r\n");
            return c.read();
        }
    }

    @Test
    void anActiveTokenLetsItsClientsConsumerInAndIsAskedAboutOnce() throws Exception {
        answers.put("tok-active", active("acme-app", "orders:read"));
        int before = calls.get();
        for (int i = 0; i < 2; i++) {
            RawHttp.Response r = get(gateway, "/opaque/echo", "tok-active");
            assertThat(r.status()).isEqualTo(200);
            JsonNode h = Json.parse(r.body()).get("headers");
            assertThat(h.get("x-consumer-id").asText()).isEqualTo("acme");
            assertThat(h.has("authorization")).isFalse();
        }
        assertThat(calls.get()).isEqualTo(before + 1);
        // the gateway authenticates itself with its client id and secret, form-encoded (RFC 6749 2.3.1)
        assertThat(authorizations).contains("Basic " + Base64.getEncoder()
                .encodeToString("turnpike+gw:s3cret%26more".getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void inactiveTokensAndTokensOfUnknownClientsAreRefused() throws Exception {
        answers.put("tok-stranger", active("someone-else", "orders:read"));
        for (String token : new String[] {"tok-revoked", "tok-stranger"}) {
            RawHttp.Response r = get(gateway, "/opaque/echo", token);
            assertThat(r.status()).as(token).isEqualTo(401);
            assertThat(r.header("www-authenticate")).isEqualTo("Bearer realm=\"turnpike\"");
        }
        // an inactive answer is kept briefly too: a client retrying a revoked token costs no call
        int before = calls.get();
        assertThat(get(gateway, "/opaque/echo", "tok-revoked").status()).isEqualTo(401);
        assertThat(calls.get()).isEqualTo(before);
    }

    @Test
    void anActiveAnswerIsNotKeptPastTheTokensExp() throws Exception {
        long exp = System.currentTimeMillis() / 1000 + 2;
        answers.put("tok-short", "{\"active\": true, \"client_id\": \"acme-app\", \"exp\": " + exp + "}");
        int before = calls.get();
        assertThat(get(gateway, "/opaque/echo", "tok-short").status()).isEqualTo(200);
        assertThat(get(gateway, "/opaque/echo", "tok-short").status()).isEqualTo(200);
        assertThat(calls.get()).isEqualTo(before + 1);
        while (System.currentTimeMillis() < exp * 1000 + 100) Thread.sleep(50);
        // asked again (the cache let it go at exp), and an answer whose exp has passed counts as inactive
        assertThat(get(gateway, "/opaque/echo", "tok-short").status()).isEqualTo(401);
        assertThat(calls.get()).isEqualTo(before + 2);
    }

    @Test
    void theScopesOfTheAnswerAreCheckedByTheRoute() throws Exception {
        answers.put("tok-reader", active("acme-app", "orders:read"));
        answers.put("tok-writer", active("acme-app", "orders:read orders:write"));
        assertThat(get(gateway, "/orders/echo", "tok-reader").status()).isEqualTo(403);
        assertThat(get(gateway, "/orders/echo", "tok-writer").status()).isEqualTo(200);
    }

    @Test
    void anEndpointThatCannotBeReachedMeans503() throws Exception {
        RawHttp.Response r = get(downGateway, "/opaque/echo", "tok-anything");
        assertThat(r.status()).isEqualTo(503);
        assertThat(Json.parse(r.body()).get("type").asText()).endsWith("/check-unavailable");
    }
}
