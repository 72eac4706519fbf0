package io.turnpike.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.turnpike.config.Limits;
import io.turnpike.testing.Json;
import io.turnpike.testing.NoLeaks;
import io.turnpike.testing.RawHttp;
import io.turnpike.testing.TestBackend;
import io.turnpike.testing.TestConfigs;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * server.limits.headersWithUnderscores: {@code X_User} and {@code X-User} are the same header to
 * many frameworks, so a client could slip one past a policy that only knows the other.
 */
@ExtendWith(NoLeaks.class)
class HeaderUnderscoresTest {
    static TestBackend backend;

    @BeforeAll
    static void start() throws Exception {
        backend = new TestBackend("b1");
    }

    @AfterAll
    static void stop() {
        backend.close();
    }

    private static Gateway gateway(Limits.Underscores rule) throws InterruptedException {
        return Gateway.start(TestConfigs.gateway()
                .limits(Limits.DEFAULT.withUnderscores(rule))
                .service("svc", backend.url())
                .route("all", "/**", "svc")
                .build());
    }

    private static RawHttp.Response send(Gateway g) throws Exception {
        try (RawHttp c = new RawHttp(g.port())) {
            c.send("GET /echo HTTP/1.1\r\nHost: x\r\nX_User: admin\r\nX-Real: 1\r\nx-also_this: 2\r\n\r\n");
            return c.read();
        }
    }

    @Test
    void dropsNamesWithUnderscoresByDefault() throws Exception {
        assertThat(Limits.DEFAULT.headersWithUnderscores()).isEqualTo(Limits.Underscores.DROP);
        try (Gateway g = gateway(Limits.Underscores.DROP)) {
            RawHttp.Response r = send(g);
            assertThat(r.status()).isEqualTo(200);
            JsonNode headers = Json.parse(r.body()).get("headers");
            assertThat(headers.has("x-real")).isTrue();
            assertThat(headers.has("x_user")).as("X_User reached the service").isFalse();
            assertThat(headers.has("x-also_this")).isFalse();
        }
    }

    @Test
    void rejectsThemWhenConfigured() throws Exception {
        try (Gateway g = gateway(Limits.Underscores.REJECT)) {
            RawHttp.Response r = send(g);
            assertThat(r.status()).isEqualTo(400);
            assertThat(Json.parse(r.body()).get("detail").asText()).contains("underscore");
        }
    }

    @Test
    void forwardsThemWhenAllowed() throws Exception {
        try (Gateway g = gateway(Limits.Underscores.ALLOW)) {
            RawHttp.Response r = send(g);
            assertThat(r.status()).isEqualTo(200);
            JsonNode headers = Json.parse(r.body()).get("headers");
            assertThat(headers.get("x_user").asText()).isEqualTo("admin");
            assertThat(headers.get("x-also_this").asText()).isEqualTo("2");
        }
    }

    @Test
    void underscoresInValuesAndPathsAreNotNames() throws Exception {
        try (Gateway g = gateway(Limits.Underscores.REJECT);
             RawHttp c = new RawHttp(g.port())) {
            c.send("GET /echo/a_b?c_d=e_f HTTP/1.1\r\nHost: x\r\nX-Value: snake_case\r\n\r\n");
            RawHttp.Response r = c.read();
            assertThat(r.status()).isEqualTo(200);
            assertThat(Json.parse(r.body()).get("headers").get("x-value").asText()).isEqualTo("snake_case");
        }
    }
}
