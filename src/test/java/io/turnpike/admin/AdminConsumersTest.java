package io.turnpike.admin;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.turnpike.testing.Json;
import io.turnpike.testing.NoLeaks;
import io.turnpike.testing.TestBackend;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** Consumers changed through the admin API: only digests are stored, and no secret is shown. */
@ExtendWith(NoLeaks.class)
class AdminConsumersTest {
    private static final String KEY = "partner-key-0123456789-abcdef";
    private static final String FILE_KEY = "file-key-0123456789-abcdef";

    private static String sha256(String s) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes()));
    }

    private static int call(AdminFixture f, String key) throws Exception {
        return AdminFixture.HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + f.gateway.port() + "/keyed"))
                .header("X-API-Key", key).build(), HttpResponse.BodyHandlers.ofString()).statusCode();
    }

    @Test
    void aPutConsumersKeyIsStoredAsItsDigestAndServesAtOnce(@TempDir Path dir) throws Exception {
        try (TestBackend b = new TestBackend("b");
             AdminFixture f = AdminFixture.start(dir, AdminFixture.config(dir, b.url(), """
                       - { id: keyed, match: { path: /keyed }, service: svc, auth: [apiKey] }
                     consumers:
                       - { id: from-file, credentials: [ { apiKey: %s } ] }
                     """.formatted(FILE_KEY)))) {
            assertThat(call(f, KEY)).isEqualTo(401);
            HttpResponse<String> put = f.admin("PUT", "/admin/consumers/partner",
                    "{\"groups\": [\"partners\"], \"credentials\": [{\"apiKey\": \"" + KEY + "\"}]}");
            assertThat(put.statusCode()).isEqualTo(200);
            assertThat(put.body()).doesNotContain(KEY).doesNotContain(sha256(KEY));
            assertThat(call(f, KEY)).isEqualTo(200);

            String persisted = Files.readString(f.sources.overlayFile());
            assertThat(persisted).doesNotContain(KEY).contains(sha256(KEY)).contains("apiKeyHash");

            JsonNode one = Json.parse(f.admin("GET", "/admin/consumers/partner", null).body());
            assertThat(one.at("/groups/0").asText()).isEqualTo("partners");
            assertThat(one.at("/credentials/0/apiKeyHash").asText()).isEqualTo(Redaction.REDACTED);
            String all = f.admin("GET", "/admin/consumers", null).body();
            assertThat(all).contains("from-file").contains("partner").doesNotContain(KEY).doesNotContain(FILE_KEY)
                    .doesNotContain(sha256(KEY));

            assertThat(f.admin("DELETE", "/admin/consumers/partner", null).statusCode()).isEqualTo(204);
            assertThat(call(f, KEY)).isEqualTo(401);
            assertThat(f.admin("GET", "/admin/consumers/partner", null).statusCode()).isEqualTo(404);
            assertThat(f.admin("DELETE", "/admin/consumers/from-file", null).statusCode()).isEqualTo(204);
            assertThat(call(f, FILE_KEY)).isEqualTo(401);
        }
    }

    @Test
    void refusesAPlainPasswordAndAShortKeyWithLocatedProblemsAndStoresNothing(@TempDir Path dir) throws Exception {
        try (TestBackend b = new TestBackend("b");
             AdminFixture f = AdminFixture.start(dir, AdminFixture.config(dir, b.url(), ""))) {
            HttpResponse<String> plain = f.admin("PUT", "/admin/consumers/acme",
                    "{\"credentials\": [{\"basic\": {\"user\": \"acme\", \"password\": \"hunter2-hunter2\"}}]}");
            assertThat(plain.statusCode()).isEqualTo(400);
            assertThat(plain.body()).contains("PUT /admin/consumers/acme:1:").contains("a plain password is never kept")
                    .doesNotContain("hunter2");
            HttpResponse<String> shortKey = f.admin("PUT", "/admin/consumers/acme", "{\"credentials\": [{\"apiKey\": \"tiny\"}]}");
            assertThat(shortKey.statusCode()).isEqualTo(400);
            assertThat(shortKey.body()).contains("shorter than 16 characters").doesNotContain("tiny\"");
            // One group to the gateway's ACL would be two in X-Consumer-Groups at the service.
            HttpResponse<String> comma = f.admin("PUT", "/admin/consumers/acme",
                    "{\"groups\": [\"partners,admins\"], \"credentials\": [{\"apiKey\": \"" + KEY + "\"}]}");
            assertThat(comma.statusCode()).isEqualTo(400);
            assertThat(comma.body()).contains("PUT /admin/consumers/acme:1:").contains("without ','");
            assertThat(f.admin("GET", "/admin/consumers/acme", null).statusCode()).isEqualTo(404);
            assertThat(Files.exists(f.sources.overlayFile())).isFalse();
        }
    }
}
