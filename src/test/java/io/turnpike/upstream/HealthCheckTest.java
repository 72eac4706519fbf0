package io.turnpike.upstream;

import static io.turnpike.upstream.Traffic.await;
import static io.turnpike.upstream.Traffic.get;
import static org.assertj.core.api.Assertions.assertThat;

import io.turnpike.config.ServiceSpec;
import io.turnpike.server.Gateway;
import io.turnpike.testing.NoLeaks;
import io.turnpike.testing.RawHttp;
import io.turnpike.testing.TestBackend;
import io.turnpike.testing.TestConfigs;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Active health checks take a failing node out of rotation and bring it back when it passes again. */
@ExtendWith(NoLeaks.class)
class HealthCheckTest {
    static final ServiceSpec.HealthCheck CHECK =
            new ServiceSpec.HealthCheck("/health", Duration.ofMillis(50), Duration.ofMillis(50), 2, 2);

    @Test
    void takesANodeOutWhileItsChecksFailAndBringsItBack() throws Exception {
        try (TestBackend a = new TestBackend("a"); TestBackend b = new TestBackend("b");
             Gateway g = Gateway.start(TestConfigs.gateway().service("svc", a.url(), b.url())
                     .resilience("svc", CHECK, null, null).route("all", "/**", "svc").build())) {
            await(2000, "checks running", () -> b.healthChecks.get() >= 2);
            b.failWith = 503;
            await(2000, "b marked unhealthy", () -> !Traffic.node(g, "svc", 1).available(io.netty.util.concurrent.Ticker.systemTicker().nanoTime()));
            for (int i = 0; i < 6; i++) assertThat(get(g, "/x").body()).isEqualTo("a");
            b.failWith = 0;
            await(2000, "b healthy again", () -> Traffic.node(g, "svc", 1).available(io.netty.util.concurrent.Ticker.systemTicker().nanoTime()));
            boolean sawB = false;
            for (int i = 0; i < 6; i++) sawB |= get(g, "/x").body().equals("b");
            assertThat(sawB).isTrue();
        }
    }

    @Test
    void allNodesDownAnswers503AtOnce() throws Exception {
        TestBackend only = new TestBackend("only");
        try (Gateway g = Gateway.start(TestConfigs.gateway().service("svc", only.url())
                .resilience("svc", CHECK, null, null).route("all", "/**", "svc").build())) {
            only.close(); // killed: connects are refused, checks fail
            await(2000, "node marked unhealthy", () -> Traffic.node(g, "svc", 0).health().checkedDown());
            long t0 = System.nanoTime();
            RawHttp.Response r = get(g, "/x");
            assertThat(System.nanoTime() - t0).isLessThan(Duration.ofMillis(200).toNanos());
            assertThat(r.status()).isEqualTo(503);
            assertThat(r.body()).contains("/no-healthy-node");
        }
    }

    @Test
    void aReloadWithoutHealthChecksPutsNodesBackAndStopsChecking() throws Exception {
        try (TestBackend a = new TestBackend("a")) {
            TestConfigs checked = TestConfigs.gateway().service("svc", a.url()).resilience("svc", CHECK, null, null)
                    .route("all", "/**", "svc");
            try (Gateway g = Gateway.start(checked.build())) {
                a.failWith = 503;
                await(2000, "a unhealthy", () -> Traffic.node(g, "svc", 0).health().checkedDown());
                g.apply(TestConfigs.gateway().service("svc", a.url()).route("all", "/**", "svc").build());
                assertThat(Traffic.node(g, "svc", 0).health().checkedDown()).isFalse();
                int checks = a.healthChecks.get();
                Thread.sleep(200);
                assertThat(a.healthChecks.get()).isLessThanOrEqualTo(checks + 1); // one may have been in flight
            }
        }
    }
}
