package io.turnpike.admin;

import static org.assertj.core.api.Assertions.assertThat;

import io.turnpike.testing.Json;
import io.turnpike.testing.NoLeaks;
import io.turnpike.testing.TestBackend;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code server.warmup}: {@code /ready} is 503 and says so while the node warms itself up, 200
 * after; clients are served meanwhile, and the synthetic requests reach no configured service and
 * are not counted where clients' calls are.
 */
@ExtendWith(NoLeaks.class)
class WarmupReadyTest {

    @Test
    void readyWaitsForTheWarmupWhileClientsAreServed(@TempDir Path dir) throws Exception {
        String yaml = AdminFixture.config(dir, "%s", "").replace("eventLoops: 1 }", "eventLoops: 1, warmup: { duration: 3s } }");
        try (TestBackend backend = new TestBackend("b");
             AdminFixture f = AdminFixture.start(dir, yaml.replace("\"%s\"", "\"" + backend.url() + "\""))) {
            HttpResponse<String> during = f.admin("GET", "/ready", null, null);
            assertThat(during.statusCode()).as(during.body()).isEqualTo(503);
            assertThat(Json.parse(during.body()).at("/checks/warmup").asText()).startsWith("warming up (");
            assertThat(Json.parse(during.body()).at("/checks/trafficListener").asText()).isEqualTo("bound");

            HttpResponse<String> served = f.traffic("/hello");
            assertThat(served.statusCode()).isEqualTo(200);
            assertThat(f.admin("GET", "/ready", null, null).statusCode())
                    .as("still warming up when the client's call was answered").isEqualTo(503);

            HttpResponse<String> after = awaitReady(f);
            String detail = Json.parse(after.body()).at("/checks/warmup").asText();
            assertThat(detail).startsWith("done (");
            long synthetic = Long.parseLong(detail.replaceAll("^done \\((\\d+) synthetic.*$", "$1"));
            assertThat(synthetic).as("the warm-up sent requests").isGreaterThan(100);

            // Only the client's call reached the service, the analytics and the meter.
            assertThat(backend.requests.get()).isEqualTo(1);
            f.analytics.drain();
            assertThat(f.analytics.totals(null, null, 60_000).calls()).isEqualTo(1);
            assertThat(f.metering.meteredCalls()).isLessThanOrEqualTo(1);
        }
    }

    private static HttpResponse<String> awaitReady(AdminFixture f) throws Exception {
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (true) {
            HttpResponse<String> r = f.admin("GET", "/ready", null, null);
            if (r.statusCode() == 200 || System.nanoTime() > deadline) {
                assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
                return r;
            }
            Thread.sleep(50);
        }
    }
}
