package io.turnpike.route;

import static org.assertj.core.api.Assertions.assertThat;

import io.turnpike.config.ConfigLoader;
import io.turnpike.server.Gateway;
import io.turnpike.testing.Json;
import io.turnpike.testing.NoLeaks;
import io.turnpike.testing.RawHttp;
import io.turnpike.testing.TestBackend;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A servlet container or Spring reads {@code /admin;x/users} as {@code /admin/users}. Through a real
 * gateway with an open catch-all beside a keyed {@code /admin/**}, such a path is held to the keyed
 * route's authentication and never reaches the backend without a key; with one, the route's
 * {@code stripPrefix} takes the segment away with its parameters.
 */
@ExtendWith(NoLeaks.class)
class PathParametersRoutingTest {
    private static final String KEY = "admin-key-0123456789abcdef";
    static TestBackend backend;
    static Gateway gateway;

    @BeforeAll
    static void start() throws Exception {
        backend = new TestBackend("b");
        ConfigLoader.Result r = ConfigLoader.parse("params.yaml", """
                server: { listen: "127.0.0.1:0", eventLoops: 1 }
                admin: { listen: off }
                observe: { accessLog: { enabled: false } }
                consumers:
                  - { id: ops, credentials: [ { apiKey: "%s" } ] }
                services:
                  svc: { nodes: [ "%s" ] }
                routes:
                  - { id: everything, match: { path: "/**" }, service: svc }
                  - { id: admin, match: { path: "/admin/**" }, rewrite: { stripPrefix: /admin }, service: svc, auth: [apiKey] }
                """.formatted(KEY, backend.url()), Map.<String, String>of()::get);
        assertThat(r.problems()).isEmpty();
        gateway = Gateway.start(r.config());
    }

    @AfterAll
    static void stop() {
        gateway.close();
        backend.close();
    }

    @ParameterizedTest
    @ValueSource(strings = {"/admin;x/echo", "/admin;/echo", "/admin;jsessionid=1/echo", "/admin%3Bx/echo", "/admin%3bx/echo"})
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

        try (RawHttp c = new RawHttp(gateway.port())) {
            c.send("GET " + path + " HTTP/1.1\r\nHost: x\r\nX-API-Key: " + KEY + "\r\n\r\n");
            RawHttp.Response r = c.read();
            assertThat(r.status()).as(path).isEqualTo(200);
            assertThat(Json.parse(r.body()).get("uri").asText()).as("the prefix stripped with its parameters")
                    .isEqualTo("/echo");
        }
    }
}
