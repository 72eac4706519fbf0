package io.turnpike.admin;

import static io.turnpike.admin.AdminFixture.TOKEN;
import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import io.turnpike.testing.Json;
import io.turnpike.testing.NoLeaks;
import io.turnpike.testing.TestBackend;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/** The admin listener against a real gateway: auth, health, CRUD that changes live routing, persistence. */
@ExtendWith(NoLeaks.class)
class AdminApiTest {
    private static TestBackend backend;

    @TempDir
    Path dir;

    @BeforeAll
    static void startBackend() throws Exception {
        backend = new TestBackend("b1");
    }

    @AfterAll
    static void stopBackend() {
        backend.close();
    }

    private AdminFixture start() throws Exception {
        return AdminFixture.start(dir, AdminFixture.config(dir, backend.url(), ""));
    }

    @Test
    void adminPathsNeedTheBearerToken() throws Exception {
        try (AdminFixture f = start()) {
            HttpResponse<String> missing = f.admin("GET", "/admin/routes", null, null);
            assertThat(missing.statusCode()).isEqualTo(401);
            assertThat(missing.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(v -> assertThat(v).startsWith("Bearer"));
            assertThat(missing.headers().firstValue("Content-Type")).hasValue("application/problem+json");
            assertThat(f.admin("GET", "/admin/routes", null, TOKEN + "x").statusCode()).isEqualTo(401);
            assertThat(f.admin("GET", "/admin/routes", null, TOKEN.substring(1)).statusCode()).isEqualTo(401);
            assertThat(f.admin("GET", "/admin/routes", null, "").statusCode()).isEqualTo(401);
            // unknown admin paths are not told apart from known ones without the token
            assertThat(f.admin("GET", "/admin/nothing-here", null, null).statusCode()).isEqualTo(401);
            assertThat(f.admin("GET", "/admin/routes", null).statusCode()).isEqualTo(200);
        }
    }

    @Test
    void theConfigSchemaIsServedBehindTheToken() throws Exception {
        try (AdminFixture f = start()) {
            assertThat(f.admin("GET", "/admin/schema", null, null).statusCode()).isEqualTo(401);
            HttpResponse<String> schema = f.admin("GET", "/admin/schema", null);
            assertThat(schema.statusCode()).isEqualTo(200);
            assertThat(schema.headers().firstValue("Content-Type")).hasValue("application/schema+json");
            assertThat(schema.body()).isEqualTo(io.turnpike.config.ConfigSchema.text());
            assertThat(Json.parse(schema.body()).at("/properties/routes/type").asText()).isEqualTo("array");
            assertThat(f.admin("PUT", "/admin/schema", "{}").statusCode()).isEqualTo(405);
        }
    }

    @Test
    void tokenCheckComparesDigests() {
        BearerToken t = new BearerToken("abc");
        assertThat(t.admits("Bearer abc")).isTrue();
        assertThat(t.admits("bearer abc")).isTrue();
        assertThat(t.admits("Bearer abd")).isFalse();
        assertThat(t.admits("Bearer ab")).isFalse();
        assertThat(t.admits("Basic abc")).isFalse();
        assertThat(t.admits(null)).isFalse();
        assertThat(new BearerToken(null).admits(null)).isTrue();
    }

    @Test
    void healthReadyAndMetricsNeedNoToken() throws Exception {
        try (AdminFixture f = start()) {
            HttpResponse<String> health = f.admin("GET", "/health", null, null);
            assertThat(health.statusCode()).isEqualTo(200);
            assertThat(Json.parse(health.body()).get("status").asText()).isEqualTo("up");
            HttpResponse<String> ready = f.admin("GET", "/ready", null, null);
            assertThat(ready.statusCode()).isEqualTo(200);
            assertThat(Json.parse(ready.body()).at("/checks/trafficListener").asText()).isEqualTo("bound");
            HttpResponse<String> metrics = f.admin("GET", "/metrics", null, null);
            assertThat(metrics.statusCode()).isEqualTo(200);
            assertThat(metrics.headers().firstValue("Content-Type")).hasValue("text/plain; version=0.0.4; charset=utf-8");
            assertThat(metrics.body()).isEqualTo("up 1\n");
            f.gateway.shutdown(java.time.Duration.ZERO);
            assertThat(f.admin("GET", "/ready", null, null).statusCode()).isEqualTo(503);
        }
    }

    @Test
    void theTokenNeverLeavesTheProcess() throws Exception {
        Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        ListAppender<ILoggingEvent> logs = new ListAppender<>();
        logs.start();
        root.addAppender(logs);
        try (AdminFixture f = start()) {
            for (String source : List.of("effective", "file", "overlay")) {
                HttpResponse<String> r = f.admin("GET", "/admin/config?source=" + source, null);
                assertThat(r.statusCode()).isEqualTo(200);
                assertThat(r.body()).doesNotContain(TOKEN);
            }
            JsonNode effective = Json.parse(f.admin("GET", "/admin/config", null).body());
            assertThat(effective.at("/admin/token").asText()).isEqualTo("***redacted***");
            // a config whose token is written inline, validated and refused: still not echoed
            String inline = "admin: { listen: \"0.0.0.0:1\", token: \"" + TOKEN + "\" }\nbogus: 1\n";
            HttpResponse<String> v = f.admin("POST", "/admin/config/validate", inline);
            assertThat(v.statusCode()).isEqualTo(400);
            assertThat(v.body()).doesNotContain(TOKEN);
            f.admin("PUT", "/admin/routes/x", "{\"match\": {\"path\": \"/x\"}, \"service\": \"svc\", \"token\": \"" + TOKEN + "\"}");
        } finally {
            root.detachAppender(logs);
        }
        assertThat(logs.list).isNotEmpty()
                .allSatisfy(e -> assertThat(e.getFormattedMessage()).doesNotContain(TOKEN));
    }

    @Test
    void putRouteServesTrafficAndDeleteTakesItAway() throws Exception {
        try (AdminFixture f = start()) {
            assertThat(f.traffic("/added").statusCode()).isEqualTo(404);
            HttpResponse<String> put = f.admin("PUT", "/admin/routes/added",
                    "{\"match\": {\"path\": \"/added\", \"methods\": [\"GET\"]}, \"service\": \"svc\"}");
            assertThat(put.statusCode()).as(put.body()).isEqualTo(200);
            assertThat(Json.parse(put.body()).get("id").asText()).isEqualTo("added");
            assertThat(f.traffic("/added").body()).isEqualTo("b1");
            assertThat(Json.parse(f.admin("GET", "/admin/routes/added", null).body()).at("/match/path").asText())
                    .isEqualTo("/added");
            assertThat(Json.parse(f.admin("GET", "/admin/config?source=overlay", null).body()).at("/routes/added/service")
                    .asText()).isEqualTo("svc");

            assertThat(f.admin("DELETE", "/admin/routes/added", null).statusCode()).isEqualTo(204);
            assertThat(f.traffic("/added").statusCode()).isEqualTo(404);
            assertThat(f.admin("GET", "/admin/routes/added", null).statusCode()).isEqualTo(404);
            assertThat(f.admin("DELETE", "/admin/routes/added", null).statusCode()).isEqualTo(404);

            // a route the file defines is hidden by a deletion, and comes back with a PUT
            assertThat(f.admin("DELETE", "/admin/routes/hello", null).statusCode()).isEqualTo(204);
            assertThat(f.traffic("/hello").statusCode()).isEqualTo(404);
            assertThat(Json.parse(f.admin("GET", "/admin/config?source=overlay", null).body()).at("/routes/hello").isNull())
                    .isTrue();
            assertThat(f.admin("PUT", "/admin/routes/hello", "{\"match\": {\"path\": \"/hello\"}, \"service\": \"svc\"}")
                    .statusCode()).isEqualTo(200);
            assertThat(f.traffic("/hello").statusCode()).isEqualTo(200);
        }
    }

    @Test
    void servicesChangeLiveAndOneInUseCannotBeDeleted() throws Exception {
        try (TestBackend other = new TestBackend("b2"); AdminFixture f = start()) {
            HttpResponse<String> put = f.admin("PUT", "/admin/services/svc", "{\"nodes\": [\"" + other.url() + "\"]}");
            assertThat(put.statusCode()).as(put.body()).isEqualTo(200);
            assertThat(f.traffic("/hello").body()).isEqualTo("b2");
            JsonNode nodes = Json.parse(f.admin("GET", "/admin/services/svc/nodes", null).body());
            assertThat(nodes).hasSize(1);
            assertThat(nodes.get(0).get("url").asText()).isEqualTo(other.url());
            assertThat(nodes.get(0).get("requests").asLong()).isEqualTo(1);

            HttpResponse<String> delete = f.admin("DELETE", "/admin/services/svc", null);
            assertThat(delete.statusCode()).isEqualTo(400);
            assertThat(Json.parse(delete.body()).get("problems").get(0).asText()).isEqualTo(
                    f.file + ":10:14: routes[0].service: no service \"svc\" (expected: a service defined under services:)");
            assertThat(f.traffic("/hello").body()).isEqualTo("b2");
        }
    }

    @Test
    void anInvalidPutIsRefusedWithTheLoadersMessagesLocatedInTheBody() throws Exception {
        try (AdminFixture f = start()) {
            HttpResponse<String> r = f.admin("PUT", "/admin/routes/bad", """
                    {
                      "match": { "path": "/bad/{id}", "methods": ["FETCH"] },
                      "service": "nobody",
                      "colour": "blue"
                    }""");
            assertThat(r.statusCode()).isEqualTo(400);
            assertThat(r.headers().firstValue("Content-Type")).hasValue("application/problem+json");
            List<String> problems = new ArrayList<>();
            Json.parse(r.body()).get("problems").forEach(p -> problems.add(p.asText()));
            assertThat(problems).hasSize(3);
            assertThat(problems.subList(0, 2)).containsExactly(
                    "PUT /admin/routes/bad:2:47: routes[1].match.methods[0]: \"FETCH\" (expected: one of GET, HEAD, POST, PUT, DELETE, PATCH, OPTIONS, TRACE, CONNECT)",
                    "PUT /admin/routes/bad:3:14: routes[1].service: no service \"nobody\" (expected: one of the services: svc)");
            assertThat(problems.get(2)).startsWith(
                    "PUT /admin/routes/bad:4:3: routes[1]: unknown key \"colour\" (expected one of: id, match, service, ");
            HttpResponse<String> wrongId = f.admin("PUT", "/admin/routes/bad", "{\"id\": \"other\", \"match\": {\"path\": \"/b\"}, \"service\": \"svc\"}");
            assertThat(Json.parse(wrongId.body()).get("problems").get(0).asText()).isEqualTo(
                    "PUT /admin/routes/bad:1:8: id: \"other\" differs from the id in the path (expected: \"bad\", or no id)");
            assertThat(f.admin("PUT", "/admin/routes/bad", "{ nope").statusCode()).isEqualTo(400);
            assertThat(f.admin("GET", "/admin/routes/bad", null).statusCode()).isEqualTo(404);
        }
    }

    @Test
    void concurrentPutsAllLand() throws Exception {
        try (AdminFixture f = start()) {
            ExecutorService pool = Executors.newFixedThreadPool(20);
            List<Future<HttpResponse<String>>> puts = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                String id = "r" + i;
                puts.add(pool.submit(() -> f.admin("PUT", "/admin/routes/" + id,
                        "{\"match\": {\"path\": \"/" + id + "\"}, \"service\": \"svc\"}")));
            }
            for (Future<HttpResponse<String>> p : puts) assertThat(p.get().statusCode()).isEqualTo(200);
            pool.shutdown();
            JsonNode routes = Json.parse(f.admin("GET", "/admin/routes", null).body());
            assertThat(routes).hasSize(21);
            for (int i = 0; i < 20; i++) assertThat(f.traffic("/r" + i).statusCode()).isEqualTo(200);
            assertThat(Json.parse(Files.readString(f.sources.overlayFile())).get("routes").size()).isEqualTo(20);
        }
    }

    @Test
    void changesSurviveARestartAndAFileReload() throws Exception {
        try (AdminFixture f = start()) {
            assertThat(f.admin("PUT", "/admin/routes/kept", "{\"match\": {\"path\": \"/kept\"}, \"service\": \"svc\"}")
                    .statusCode()).isEqualTo(200);
        }
        try (AdminFixture f = start()) {
            assertThat(f.traffic("/kept").statusCode()).isEqualTo(200);
            // the file changes (a new route): the admin route stays
            Files.writeString(f.file, AdminFixture.config(dir, backend.url(), """
                      - id: fresh
                        match: { path: /fresh }
                        service: svc
                    """));
            assertThat(f.sources.reloadFile(Files.readAllBytes(f.file)).ok()).isTrue();
            assertThat(f.traffic("/fresh").statusCode()).isEqualTo(200);
            assertThat(f.traffic("/kept").statusCode()).isEqualTo(200);
        }
    }

    @Test
    void anOverlayThatNoLongerFitsIsSetAsideAndTheFileServes() throws Exception {
        try (AdminFixture f = start()) {
            f.admin("PUT", "/admin/services/extra", "{\"nodes\": [\"" + backend.url() + "\"]}");
            assertThat(f.admin("PUT", "/admin/routes/uses-extra", "{\"match\": {\"path\": \"/e\"}, \"service\": \"extra\"}")
                    .statusCode()).isEqualTo(200);
        }
        // hand-edit the overlay so the route refers to a service nobody defines
        Path overlay = dir.resolve("data/admin-overlay.json");
        Files.writeString(overlay, Files.readString(overlay).replace("\"extra\" : {", "\"gone\" : {"));
        try (AdminFixture f = start()) {
            assertThat(f.traffic("/hello").statusCode()).isEqualTo(200);
            assertThat(f.traffic("/e").statusCode()).isEqualTo(404);
            assertThat(Files.exists(overlay)).isFalse();
            try (var aside = Files.list(dir.resolve("data"))) {
                assertThat(aside.map(p -> p.getFileName().toString())).anyMatch(n -> n.startsWith("admin-overlay.rejected-"));
            }
        }
    }

    @Test
    void unknownPathsAndWrongMethods() throws Exception {
        try (AdminFixture f = start()) {
            assertThat(f.admin("GET", "/admin/nothing", null).statusCode()).isEqualTo(404);
            assertThat(f.admin("GET", "/nothing", null, null).statusCode()).isEqualTo(404);
            HttpResponse<String> wrong = f.admin("POST", "/admin/routes/hello", "{}");
            assertThat(wrong.statusCode()).isEqualTo(405);
            assertThat(wrong.headers().firstValue("Allow")).hasValue("DELETE, GET, PUT");
            HttpResponse<String> validate = f.admin("POST", "/admin/config/validate", "services: {a: {nodes: [http://127.0.0.1:1]}}");
            assertThat(Json.parse(validate.body()).get("summary").asText()).isEqualTo("1 services, 1 nodes, 0 routes");
        }
    }
}
