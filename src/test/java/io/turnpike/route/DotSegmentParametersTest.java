package io.turnpike.route;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.turnpike.config.RouteSpec;
import io.turnpike.server.Gateway;
import io.turnpike.testing.Json;
import io.turnpike.testing.NoLeaks;
import io.turnpike.testing.RawHttp;
import io.turnpike.testing.TestBackend;
import io.turnpike.testing.TestConfigs;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code /api/public/..;/private} routes under {@code /api/public/**}, and an origin that drops
 * {@code ;params} before resolving dots (Tomcat, Jetty, Spring) reads it as {@code /api/private}:
 * through a real gateway it is refused and never reaches the backend.
 */
@ExtendWith(NoLeaks.class)
class DotSegmentParametersTest {
    static TestBackend backend;
    static Gateway gateway;

    @BeforeAll
    static void start() throws Exception {
        backend = new TestBackend("public");
        gateway = Gateway.start(TestConfigs.gateway()
                .service("svc", backend.url())
                .route("public", new RouteSpec.Match(List.of(), "/api/public/**", List.of(), Map.of()), "svc",
                        new RouteSpec.Rewrite("/echo/{**}", null))
                .build());
    }

    @AfterAll
    static void stop() {
        gateway.close();
        backend.close();
    }

    @ParameterizedTest
    @ValueSource(strings = {"/api/public/..;/private/secret", "/api/public/..;jsessionid=1/private/secret",
            "/api/public/%2e%2E;x/private/secret", "/api/public/.%2e;/private/secret", "/api/public/..%3B/private/secret",
            "/api/public/.;/x"})
    void aDotSegmentWithParametersIsRefusedBeforeTheBackend(String path) throws Exception {
        int before = backend.requests.get();
        try (RawHttp c = new RawHttp(gateway.port())) {
            c.send("GET " + path + " HTTP/1.1\r\nHost: api.test\r\n\r\n");
            RawHttp.Response r = c.read();
            assertThat(r.status()).isEqualTo(400);
            assertThat(r.header("content-type")).isEqualTo("application/problem+json");
            JsonNode problem = Json.parse(r.body());
            assertThat(problem.get("detail").asText()).isEqualTo(RequestPath.DOT_SEGMENT_PARAMETERS);
        }
        // the same backend answers the next request, so a request it had been sent would be counted by now
        assertThat(echoedUri("/api/public/ok")).isEqualTo("/echo/ok");
        assertThat(backend.requests.get()).as("requests the backend saw").isEqualTo(before + 1);
    }

    @Test
    void parametersOfOtherSegmentsPassAsTheyCame() throws Exception {
        assertThat(echoedUri("/api/public/a;b=c/d")).isEqualTo("/echo/a;b=c/d");
        assertThat(echoedUri("/api/public/...;x/d")).isEqualTo("/echo/...;x/d");
        assertThat(echoedUri("/api/public/files/report.pdf;v=2?q=1")).isEqualTo("/echo/files/report.pdf;v=2?q=1");
    }

    private static String echoedUri(String path) throws Exception {
        try (RawHttp c = new RawHttp(gateway.port())) {
            c.send("GET " + path + " HTTP/1.1\r\nHost: api.test\r\n\r\n");
            RawHttp.Response r = c.read();
            assertThat(r.status()).as(path).isEqualTo(200);
            return Json.parse(r.body()).get("uri").asText();
        }
    }
}
