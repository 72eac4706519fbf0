package io.turnpike.upstream;

import io.turnpike.upstream.breaker.Outcome;
import static io.turnpike.upstream.Traffic.get;
import static org.assertj.core.api.Assertions.assertThat;

import io.turnpike.config.ServiceSpec;
import io.turnpike.server.Gateway;
import io.turnpike.testing.NoLeaks;
import io.turnpike.testing.TestBackend;
import io.turnpike.testing.TestConfigs;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Passive outlier detection: consecutive failures eject a node for a while, within the service's cap. */
@ExtendWith(NoLeaks.class)
class OutlierEjectionTest {

    @Test
    void ejectsAFailingNodeAndTakesItBackAfterEjectFor() throws Exception {
        try (TestBackend a = new TestBackend("a"); TestBackend b = new TestBackend("b");
             Gateway g = Gateway.start(TestConfigs.gateway().service("svc", a.url(), b.url())
                     .resilience("svc", null, new ServiceSpec.OutlierDetection(3, Duration.ofMillis(300), 0.5), null)
                     .route("all", "/**", "svc").build())) {
            b.failWith = 500;
            for (int i = 0; i < 6; i++) get(g, "/x");
            NodeHealth hb = Traffic.node(g, "svc", 1).health();
            assertThat(hb.ejected(io.netty.util.concurrent.Ticker.systemTicker().nanoTime())).isTrue();
            assertThat(hb.ejections()).isEqualTo(1);
            int before = b.requests.get();
            for (int i = 0; i < 6; i++) assertThat(get(g, "/x").body()).isEqualTo("a");
            assertThat(b.requests.get()).isEqualTo(before);
            b.failWith = 0;
            Thread.sleep(350);
            boolean sawB = false;
            for (int i = 0; i < 4; i++) sawB |= get(g, "/x").body().equals("b");
            assertThat(sawB).isTrue();
        }
    }

    @Test
    void neverEjectsMoreThanMaxEjected() throws Exception {
        try (TestBackend a = new TestBackend("a"); TestBackend b = new TestBackend("b"); TestBackend c = new TestBackend("c");
             Gateway g = Gateway.start(TestConfigs.gateway().service("svc", a.url(), b.url(), c.url())
                     .resilience("svc", null, new ServiceSpec.OutlierDetection(2, Duration.ofSeconds(30), 0.34), null)
                     .route("all", "/**", "svc").build())) {
            b.failWith = 500;
            c.failWith = 500;
            for (int i = 0; i < 30; i++) get(g, "/x");
            long now = io.netty.util.concurrent.Ticker.systemTicker().nanoTime();
            int ejected = 0;
            for (int i = 0; i < 3; i++) if (Traffic.node(g, "svc", i).health().ejected(now)) ejected++;
            assertThat(ejected).as("34% of 3 nodes is 1").isEqualTo(1);
            assertThat(Traffic.node(g, "svc", 0).health().ejected(now)).isFalse();
        }
    }

    @Test
    void eachEjectionLastsLonger() {
        NodeHealth h = new NodeHealth();
        Node n = Traffic.nodeFor("svc", "http://127.0.0.1:1");
        ServiceSpec spec = TestConfigs.gateway().service("svc", "http://127.0.0.1:1")
                .resilience("svc", null, new ServiceSpec.OutlierDetection(1, Duration.ofSeconds(1), 1.0), null)
                .build().services().get("svc");
        h.configure(n, spec, null);
        long now = 0;
        h.onOutcome(Outcome.SERVER_ERROR, 1, now);
        assertThat(h.ejectedUntil() - now).isEqualTo(Duration.ofSeconds(1).toNanos());
        now = h.ejectedUntil();
        h.onOutcome(Outcome.TIMEOUT, 1, now);
        assertThat(h.ejectedUntil() - now).isEqualTo(Duration.ofSeconds(2).toNanos());
        for (int i = 0; i < 20; i++) {
            now = h.ejectedUntil();
            h.onOutcome(Outcome.RESET, 1, now);
        }
        assertThat(h.ejectedUntil() - now).as("capped").isEqualTo(Duration.ofSeconds(10).toNanos());
        h.onOutcome(Outcome.CANCELLED, 1, h.ejectedUntil());
        assertThat(h.ejections()).isEqualTo(22);
    }
}
