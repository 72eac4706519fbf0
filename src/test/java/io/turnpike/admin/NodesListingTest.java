package io.turnpike.admin;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.turnpike.testing.Json;
import io.turnpike.testing.NoLeaks;
import io.turnpike.testing.TestBackend;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** {@code GET /admin/services/{id}/nodes} shows each node's live statistics. */
@ExtendWith(NoLeaks.class)
class NodesListingTest {
    @TempDir
    Path dir;

    @Test
    void showsLatencyAveragesAndSuccessRate() throws Exception {
        try (TestBackend backend = new TestBackend("b1", 20);
             AdminFixture f = AdminFixture.start(dir, AdminFixture.config(dir, backend.url(), ""))) {
            JsonNode before = Json.parse(f.admin("GET", "/admin/services/svc/nodes", null).body()).get(0);
            assertThat(before.get("successRate").isNull()).as("no calls yet").isTrue();
            assertThat(before.get("ewmaTotalMs").asDouble()).isZero();
            for (int i = 0; i < 3; i++) assertThat(f.traffic("/hello").statusCode()).isEqualTo(200);

            JsonNode node = Json.parse(f.admin("GET", "/admin/services/svc/nodes", null).body()).get(0);
            assertThat(node.get("requests").asLong()).isEqualTo(3);
            assertThat(node.get("ewmaFirstByteMs").asDouble()).isGreaterThanOrEqualTo(19.0);
            assertThat(node.get("ewmaTotalMs").asDouble()).isGreaterThanOrEqualTo(node.get("ewmaFirstByteMs").asDouble());
            assertThat(node.get("successRate").asDouble()).isEqualTo(1.0);
        }
    }
}
