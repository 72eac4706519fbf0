package io.turnpike.demo;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.turnpike.server.Gateway;
import io.turnpike.testing.Json;
import io.turnpike.testing.NoLeaks;
import io.turnpike.testing.RawHttp;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** The tour's dashboard and mobile stops against the demo config and the real sample services. */
@ExtendWith(NoLeaks.class)
class DemoCompositionTest {
    @TempDir
    static Path dir;
    static SampleFleet fleet;
    static Gateway gateway;

    @BeforeAll
    static void start() throws Exception {
        fleet = SampleFleet.start(1);
        gateway = Gateway.start(DemoConfig.build("127.0.0.1", 0, 0, dir, fleet.ports()));
    }

    @AfterAll
    static void stop() {
        gateway.close();
        fleet.close();
    }

    static RawHttp.Response get(String path, String headers) throws Exception {
        try (RawHttp c = new RawHttp(gateway.port())) {
            c.send("GET " + path + " HTTP/1.1\r\nHost: demo\r\n" + headers + "\r\n");
            return c.read();
        }
    }

    @Test
    void theDashboardJoinsUserOrdersAndRecommendations() throws Exception {
        RawHttp.Response res = get("/api/dashboard/1", "");
        assertThat(res.status()).isEqualTo(200);
        JsonNode body = Json.parse(res.body());
        assertThat(body.get("profile").get("id").asInt()).isEqualTo(1);
        assertThat(body.get("orders").isArray()).isTrue();
        assertThat(body.get("orders")).isNotEmpty();
        assertThat(body.get("recs").isArray()).isTrue();
        assertThat(body.get("recs")).allSatisfy(item -> assertThat(item.get("segment").asText())
                .isEqualTo(body.get("profile").get("segment").asText()));
        assertThat(res.header("turnpike-partial")).isNull();
    }

    @Test
    void aMobileClientGetsACompactUser() throws Exception {
        JsonNode full = Json.parse(get("/api/users/1", "").body());
        JsonNode mobile = Json.parse(get("/api/users/1", "X-Client: mobile\r\n").body());
        assertThat(full.has("segment")).isTrue();
        assertThat(mobile.get("id")).isEqualTo(full.get("id"));
        assertThat(mobile.get("name")).isEqualTo(full.get("name"));
        assertThat(mobile.size()).isEqualTo(2);
    }
}
