package io.turnpike.upstream.balance;

import static org.assertj.core.api.Assertions.assertThat;

import io.turnpike.config.ServiceSpec;
import io.turnpike.server.Gateway;
import io.turnpike.testing.Json;
import io.turnpike.testing.NoLeaks;
import io.turnpike.testing.RawHttp;
import io.turnpike.testing.TestBackend;
import io.turnpike.testing.TestConfigs;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** At its in-flight limit a service sheds normal calls with 503 + Retry-After; high-priority ones pass. */
@ExtendWith(NoLeaks.class)
class SheddingTest {

    @Test
    void shedsNormalCallsFirstUnderOverload() throws Exception {
        try (TestBackend a = new TestBackend("a", 30);
             TestBackend b = new TestBackend("b", 30);
             Gateway g = Gateway.start(TestConfigs.gateway().eventLoops(2)
                     .service("svc", a.url(), b.url())
                     .balancing("svc", "least-request", new ServiceSpec.Priority(2.0, 10))
                     .route("normal", "/n/**", "svc")
                     .highPriorityRoute("important", "/hp/**", "svc").build())) {
            AtomicReference<List<RawHttp.Response>> high = new AtomicReference<>();
            Thread vip = Thread.ofPlatform().start(() -> {
                try {
                    high.set(ClientLoad.run(g.port(), "/hp/x", 2, 40));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            List<RawHttp.Response> normal = ClientLoad.run(g.port(), "/n/x", 24, 20);
            vip.join();

            List<RawHttp.Response> shed = normal.stream().filter(r -> r.status() == 503).toList();
            assertThat(shed).as("some normal calls are shed").isNotEmpty();
            assertThat(normal).allSatisfy(r -> assertThat(r.status()).isIn(200, 503));
            RawHttp.Response one = shed.get(0);
            assertThat(one.header("retry-after")).isEqualTo("1");
            assertThat(one.header("content-type")).isEqualTo("application/problem+json");
            assertThat(Json.parse(one.body()).get("status").asInt()).isEqualTo(503);
            assertThat(high.get()).hasSize(80).allSatisfy(r -> assertThat(r.status()).isEqualTo(200));
        }
    }

    @Test
    void noLimitMeansNoShedding() throws Exception {
        try (TestBackend a = new TestBackend("a", 10);
             Gateway g = Gateway.start(TestConfigs.gateway()
                     .service("svc", a.url())
                     .route("normal", "/**", "svc").build())) {
            assertThat(ClientLoad.run(g.port(), "/x", 16, 10)).allSatisfy(r -> assertThat(r.status()).isEqualTo(200));
        }
    }
}
