package io.turnpike.admin;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.turnpike.testing.Json;
import io.turnpike.testing.NoLeaks;
import io.turnpike.testing.TestBackend;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** Operators open and close circuits through the admin API, and live traffic follows. */
@ExtendWith(NoLeaks.class)
class CircuitAdminTest {

    @Test
    void manualOpenStopsTrafficClosedResumesItAndAutoHandsBack(@TempDir Path dir) throws Exception {
        try (TestBackend backend = new TestBackend("b");
             AdminFixture f = AdminFixture.start(dir, AdminFixture.config(dir, backend.url(), ""))) {
            assertThat(f.traffic("/hello").statusCode()).isEqualTo(200);

            HttpResponse<String> open = f.admin("PUT", "/admin/services/svc/circuit",
                    "{\"state\":\"open\",\"reason\":\"deploying svc\"}");
            assertThat(open.statusCode()).isEqualTo(200);
            assertThat(Json.parse(open.body()).get("state").asText()).isEqualTo("forced-open");
            int before = backend.requests.get();
            HttpResponse<String> refused = f.traffic("/hello");
            assertThat(refused.statusCode()).isEqualTo(503);
            assertThat(refused.headers().firstValue("retry-after")).hasValue("1");
            assertThat(refused.body()).contains("/circuit-open");
            assertThat(backend.requests.get()).isEqualTo(before);

            assertThat(f.admin("PUT", "/admin/services/svc/circuit", "{\"state\":\"closed\"}").statusCode()).isEqualTo(200);
            assertThat(f.traffic("/hello").statusCode()).isEqualTo(200);
            HttpResponse<String> auto = f.admin("PUT", "/admin/services/svc/circuit", "{\"state\":\"auto\",\"reason\":\"done\"}");
            assertThat(Json.parse(auto.body()).get("state").asText()).isEqualTo("closed");

            JsonNode got = Json.parse(f.admin("GET", "/admin/services/svc/circuit", null).body());
            assertThat(got.get("state").asText()).isEqualTo("closed");
            JsonNode events = got.get("events");
            assertThat(events.size()).isEqualTo(3);
            assertThat(events.get(2).get("to").asText()).isEqualTo("forced-open");
            assertThat(events.get(2).get("who").asText()).isEqualTo("admin");
            assertThat(events.get(2).get("reason").asText()).isEqualTo("deploying svc");
            assertThat(events.get(0).get("reason").asText()).isEqualTo("done");
        }
    }

    @Test
    void aBadStateIsA400Problem(@TempDir Path dir) throws Exception {
        try (TestBackend backend = new TestBackend("b");
             AdminFixture f = AdminFixture.start(dir, AdminFixture.config(dir, backend.url(), ""))) {
            HttpResponse<String> r = f.admin("PUT", "/admin/services/svc/circuit", "{\"state\":\"ajar\"}");
            assertThat(r.statusCode()).isEqualTo(400);
            assertThat(r.headers().firstValue("content-type")).hasValue("application/problem+json");
            assertThat(r.body()).contains("\\\"ajar\\\" (expected: {\\\"state\\\": \\\"open|closed|auto\\\"");
            assertThat(f.admin("PUT", "/admin/services/nope/circuit", "{\"state\":\"open\"}").statusCode()).isEqualTo(404);
            assertThat(f.admin("PUT", "/admin/services/svc/circuit", "{\"state\":\"open\"}", null).statusCode()).isEqualTo(401);
        }
    }

    @Test
    void aNodeCircuitOpenedByHandTakesTheNodeOut(@TempDir Path dir) throws Exception {
        try (TestBackend backend = new TestBackend("b");
             AdminFixture f = AdminFixture.start(dir, AdminFixture.config(dir, backend.url(), ""))) {
            String node = "/admin/services/svc/nodes/127.0.0.1:" + backend.port() + "/circuit";
            assertThat(f.admin("PUT", node, "{\"state\":\"open\",\"reason\":\"bad disk\"}").statusCode()).isEqualTo(200);
            HttpResponse<String> r = f.traffic("/hello");
            assertThat(r.statusCode()).isEqualTo(503);
            assertThat(r.body()).contains("/no-healthy-node");
            JsonNode nodes = Json.parse(f.admin("GET", "/admin/services/svc/nodes", null).body());
            assertThat(nodes.get(0).get("breaker").asText()).isEqualTo("forced-open");
            assertThat(nodes.get(0).get("health").asText()).isEqualTo("healthy");
            assertThat(nodes.get(0).get("ejectedUntil").isNull()).isTrue();
            assertThat(f.admin("PUT", node, "{\"state\":\"auto\"}").statusCode()).isEqualTo(200);
            assertThat(f.traffic("/hello").statusCode()).isEqualTo(200);
            assertThat(f.admin("GET", "/admin/services/svc/nodes/10.9.9.9:1/circuit", null).statusCode()).isEqualTo(404);
        }
    }
}
