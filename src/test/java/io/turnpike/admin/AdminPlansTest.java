package io.turnpike.admin;

import static org.assertj.core.api.Assertions.assertThat;

import io.turnpike.testing.Json;
import io.turnpike.testing.NoLeaks;
import io.turnpike.testing.TestBackend;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** Plans changed through the admin API: consumers on a plan follow it at once, their counts kept. */
@ExtendWith(NoLeaks.class)
class AdminPlansTest {
    private static final String KEY = "partner-key-0123456789-abcdef";

    private static int call(AdminFixture f) throws Exception {
        return AdminFixture.HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + f.gateway.port() + "/keyed"))
                .header("X-API-Key", KEY).build(), HttpResponse.BodyHandlers.ofString()).statusCode();
    }

    @Test
    void aPlanPutThroughTheAdminApiLimitsItsConsumersAndCanBeRaised(@TempDir Path dir) throws Exception {
        try (TestBackend b = new TestBackend("b");
             AdminFixture f = AdminFixture.start(dir, AdminFixture.config(dir, b.url(), """
                       - { id: keyed, match: { path: /keyed }, service: svc, auth: [apiKey] }
                     plans:
                       free: { quota: 100/day }
                     """))) {
            HttpResponse<String> bad = f.admin("PUT", "/admin/plans/tiny", "{\"quota\": \"2/week\"}");
            assertThat(bad.statusCode()).isEqualTo(400);
            assertThat(bad.body()).contains("10000/month or 500/day");

            assertThat(f.admin("PUT", "/admin/plans/tiny", "{\"quota\": \"2/day\"}").statusCode()).isEqualTo(200);
            assertThat(f.admin("PUT", "/admin/consumers/partner",
                    "{\"plan\": \"tiny\", \"credentials\": [{\"apiKey\": \"" + KEY + "\"}]}").statusCode()).isEqualTo(200);
            assertThat(Json.parse(f.admin("GET", "/admin/plans", null).body()).fieldNames())
                    .toIterable().containsExactly("free", "tiny");
            assertThat(call(f)).isEqualTo(200);
            assertThat(call(f)).isEqualTo(200);
            assertThat(call(f)).isEqualTo(429);

            // raised: the two calls already made still count
            assertThat(f.admin("PUT", "/admin/plans/tiny", "{\"quota\": \"3/day\"}").statusCode()).isEqualTo(200);
            assertThat(call(f)).isEqualTo(200);
            assertThat(call(f)).isEqualTo(429);

            // a plan a consumer is on cannot go away
            HttpResponse<String> gone = f.admin("DELETE", "/admin/plans/tiny", null);
            assertThat(gone.statusCode()).isEqualTo(400);
            assertThat(gone.body()).contains("no plan \\\"tiny\\\"");
            assertThat(f.admin("DELETE", "/admin/consumers/partner", null).statusCode()).isEqualTo(204);
            assertThat(f.admin("DELETE", "/admin/plans/tiny", null).statusCode()).isEqualTo(204);
            assertThat(f.admin("GET", "/admin/plans/tiny", null).statusCode()).isEqualTo(404);
        }
    }
}
