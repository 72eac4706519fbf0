package io.turnpike.admin;

import static org.assertj.core.api.Assertions.assertThat;

import io.turnpike.testing.NoLeaks;
import io.turnpike.testing.TestBackend;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** One node: admin entries carry strong ETags (a hash of their content), and a stale If-Match changes nothing. */
@ExtendWith(NoLeaks.class)
class EntityTagsTest {
    private static final String ROUTE = "{\"match\": {\"path\": \"/new\"}, \"service\": \"svc\"}";

    @Test
    void aStaleIfMatchGets412AndTheCurrentOneLands(@TempDir Path dir) throws Exception {
        try (TestBackend backend = new TestBackend("b");
             AdminFixture f = AdminFixture.start(dir, AdminFixture.config(dir, backend.url(), ""))) {
            HttpResponse<String> put = f.admin("PUT", "/admin/routes/new", ROUTE);
            String first = put.headers().firstValue("etag").orElseThrow();
            assertThat(first).matches("\"h[0-9a-f]{24}\"");
            assertThat(f.admin("GET", "/admin/routes/new", null).headers().firstValue("etag")).hasValue(first);
            assertThat(f.admin("GET", "/admin/routes/hello", null).headers().firstValue("etag")).isPresent();

            HttpResponse<String> second = put(f, "/admin/routes/new", ROUTE.replace("/new", "/newer"), first);
            assertThat(second.statusCode()).isEqualTo(200);
            String current = second.headers().firstValue("etag").orElseThrow();
            assertThat(current).isNotEqualTo(first);

            HttpResponse<String> stale = put(f, "/admin/routes/new", ROUTE, first);
            assertThat(stale.statusCode()).isEqualTo(412);
            assertThat(stale.headers().firstValue("content-type")).hasValue("application/problem+json");
            assertThat(stale.headers().firstValue("etag")).hasValue(current);
            assertThat(f.traffic("/newer").statusCode()).isEqualTo(200); // the stale write changed nothing
            assertThat(put(f, "/admin/routes/new", ROUTE, "W/" + current).statusCode()).isEqualTo(412); // weak never matches
            assertThat(put(f, "/admin/routes/absent", ROUTE.replace("/new", "/absent"), current).statusCode()).isEqualTo(412);
            assertThat(put(f, "/admin/routes/new", ROUTE, "*").statusCode()).isEqualTo(200);
        }
    }

    private static HttpResponse<String> put(AdminFixture f, String path, String body, String ifMatch) throws Exception {
        return AdminFixture.HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + f.admin.port() + path))
                .PUT(HttpRequest.BodyPublishers.ofString(body)).header("Authorization", "Bearer " + AdminFixture.TOKEN)
                .header("If-Match", ifMatch).build(), HttpResponse.BodyHandlers.ofString());
    }
}
