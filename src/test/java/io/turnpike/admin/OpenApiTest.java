package io.turnpike.admin;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.turnpike.testing.Json;
import io.turnpike.testing.NoLeaks;
import io.turnpike.testing.TestBackend;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** The OpenAPI document describes what is served: every documented operation answers. */
@ExtendWith(NoLeaks.class)
class OpenApiTest {

    private record Operation(String method, String path) {}

    @Test
    void everyDocumentedOperationAnswers(@TempDir Path dir) throws Exception {
        try (TestBackend backend = new TestBackend("b");
             AdminFixture f = AdminFixture.start(dir, AdminFixture.config(dir, backend.url(),
                     "plans: { svc: {} }\nconsumers: [ { id: svc }, { id: acme, credentials: [ { apiKey: acme-key-0123456789 } ] } ]\n")
                     .replace("    nodes: [", "    registration: { ttl: 30s }\n    nodes: ["))) {
            HttpResponse<String> doc = f.admin("GET", "/admin/openapi.json", null);
            assertThat(doc.statusCode()).isEqualTo(200);
            JsonNode api = Json.parse(doc.body());
            assertThat(api.get("openapi").asText()).startsWith("3.1");
            List<Operation> ops = new ArrayList<>();
            api.get("paths").fields().forEachRemaining(p -> p.getValue().fieldNames().forEachRemaining(m -> {
                if (!m.equals("parameters")) ops.add(new Operation(m.toUpperCase(Locale.ROOT), p.getKey()));
            }));
            // deletions last, so the entries the other operations name still exist; sub-resources first
            ops.sort(Comparator.comparing((Operation o) -> o.method().equals("DELETE"))
                    .thenComparing(o -> o.method().equals("DELETE") ? -o.path().length() : 0));
            assertThat(ops).hasSizeGreaterThan(12);
            for (Operation op : ops) {
                String path = op.path().replace("{id}", op.path().startsWith("/admin/routes") ? "hello" : "svc")
                        .replace("{node}", "127.0.0.1:" + backend.port()).replace("{consumer}", "acme");
                String body = op.method().equals("GET") || op.method().equals("DELETE") ? null : "{}";
                int status = f.admin(op.method(), path, body).statusCode();
                assertThat(status).as(op.method() + " " + path).isNotIn(404, 405);
            }
        }
    }
}
