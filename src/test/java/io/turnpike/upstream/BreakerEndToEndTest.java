package io.turnpike.upstream;

import static io.turnpike.upstream.Traffic.get;
import static org.assertj.core.api.Assertions.assertThat;

import io.turnpike.config.ServiceSpec;
import io.turnpike.server.Gateway;
import io.turnpike.testing.RawHttp;
import io.turnpike.testing.NoLeaks;
import io.turnpike.testing.TestBackend;
import io.turnpike.testing.TestConfigs;
import io.turnpike.upstream.breaker.CircuitBreaker;
import io.turnpike.upstream.breaker.CircuitState;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** A failing service's breaker, seen by clients: stopped at once while open, resumed after probes. */
@ExtendWith(NoLeaks.class)
class BreakerEndToEndTest {
    static final ServiceSpec.CircuitBreaker BREAKER =
            new ServiceSpec.CircuitBreaker(0.5, null, 1.0, 4, Duration.ofMillis(400), 1);

    @Test
    void opensOnFailuresAnswers503WithoutCallingTheServiceThenRecovers() throws Exception {
        try (TestBackend backend = new TestBackend("b");
             Gateway g = Gateway.start(TestConfigs.gateway().service("svc", backend.url())
                     .resilience("svc", null, null, BREAKER).route("all", "/**", "svc").build())) {
            backend.failWith = 503;
            for (int i = 0; i < 4; i++) assertThat(get(g, "/x").status()).isEqualTo(503);
            assertThat(g.snapshot().services().get("svc").guard().breaker().circuit().state())
                    .isEqualTo(CircuitState.OPEN);
            int before = backend.requests.get();

            long t0 = System.nanoTime();
            RawHttp.Response r = get(g, "/x");
            assertThat(System.nanoTime() - t0).isLessThan(Duration.ofMillis(300).toNanos());
            assertThat(r.status()).isEqualTo(503);
            assertThat(r.header("content-type")).isEqualTo("application/problem+json");
            assertThat(r.body()).contains("/circuit-open");
            assertThat(r.header("retry-after")).isEqualTo("1");
            assertThat(backend.requests.get()).as("no upstream call while open").isEqualTo(before);

            backend.failWith = 0;
            Thread.sleep(450);
            assertThat(get(g, "/x").status()).as("the probe").isEqualTo(200);
            assertThat(g.snapshot().services().get("svc").guard().breaker().circuit().state())
                    .isEqualTo(CircuitState.CLOSED);
            for (int i = 0; i < 3; i++) assertThat(get(g, "/x").status()).isEqualTo(200);
        }
    }

    @Test
    void servesTheRouteFallbackWhileOpen() throws Exception {
        try (TestBackend backend = new TestBackend("b");
             Gateway g = Gateway.start(TestConfigs.gateway().service("svc", backend.url())
                     .resilience("svc", null, null, BREAKER).route("all", "/**", "svc")
                     .fallback(200, Map.of("X-Fallback", "yes"), "{\"items\":[]}").build())) {
            g.snapshot().services().get("svc").guard().breaker().circuit()
                    .override(CircuitBreaker.Manual.OPEN, "admin", "test");
            RawHttp.Response r = get(g, "/x");
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.header("x-fallback")).isEqualTo("yes");
            assertThat(r.body()).isEqualTo("{\"items\":[]}");
            assertThat(backend.requests.get()).isZero();
        }
    }

    @Test
    void anOpenNodeBreakerSendsTrafficToTheOtherNodes() throws Exception {
        try (TestBackend sick = new TestBackend("sick"); TestBackend well = new TestBackend("well");
             Gateway g = Gateway.start(TestConfigs.gateway().service("svc", sick.url(), well.url())
                     .resilience("svc", null, null, new ServiceSpec.CircuitBreaker(0.75, null, 1.0, 4,
                             Duration.ofSeconds(30), 1)).route("all", "/**", "svc").build())) {
            sick.failWith = 500;
            // the sick node fails all its calls and its breaker opens; the service as a whole fails half: not enough
            for (int i = 0; i < 8; i++) get(g, "/x");
            assertThat(Traffic.node(g, "svc", 0).health().breaker().state()).isEqualTo(CircuitState.OPEN);
            int before = sick.requests.get();
            for (int i = 0; i < 6; i++) assertThat(get(g, "/x").body()).isEqualTo("well");
            assertThat(sick.requests.get()).isEqualTo(before);
        }
    }

    @Test
    void breakerStateSurvivesAReload() throws Exception {
        try (TestBackend backend = new TestBackend("b")) {
            TestConfigs cfg = TestConfigs.gateway().service("svc", backend.url())
                    .resilience("svc", null, null, BREAKER).route("all", "/**", "svc");
            try (Gateway g = Gateway.start(cfg.build())) {
                g.snapshot().services().get("svc").guard().breaker().circuit()
                        .override(CircuitBreaker.Manual.OPEN, "admin", "maintenance");
                g.apply(cfg.build());
                assertThat(get(g, "/x").status()).isEqualTo(503);
                assertThat(backend.requests.get()).isZero();
            }
        }
    }
}
