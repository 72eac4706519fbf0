package io.turnpike.observe;

import static org.assertj.core.api.Assertions.assertThat;

import io.turnpike.server.Gateway;
import io.turnpike.testing.NoLeaks;
import io.turnpike.testing.TestBackend;
import io.turnpike.testing.TestConfigs;
import io.turnpike.upstream.breaker.CircuitBreaker;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Breaker transitions and states are in the scrape, for the service and for each node. */
@ExtendWith(NoLeaks.class)
class CircuitMetricsTest {

    @Test
    void countsTransitionsAndShowsTheState() throws Exception {
        try (TestBackend a = new TestBackend("a");
             Observability obs = new Observability(new GatewayMetrics(), null);
             Gateway gateway = Gateway.start(TestConfigs.gateway()
                     .service("svc", a.url()).route("all", "/**", "svc").build(), obs)) {
            String node = "127.0.0.1:" + a.port();
            CircuitBreaker service = gateway.snapshot().services().get("svc").guard().breaker().circuit();
            service.override(CircuitBreaker.Manual.OPEN, "admin", "test");
            gateway.snapshot().services().get("svc").nodes().get(0).health().breaker()
                    .override(CircuitBreaker.Manual.CLOSED, "admin", "test");
            Scrape s = Scrape.parse(obs.scrape());
            assertThat(s.value("turnpike_circuit_transitions_total", "node", "*", "service", "svc", "to", "forced-open"))
                    .isEqualTo(1);
            assertThat(s.value("turnpike_circuit_state", "node", "*", "service", "svc", "state", "forced-open"))
                    .isEqualTo(1);
            assertThat(s.value("turnpike_circuit_state", "node", "*", "service", "svc", "state", "closed"))
                    .isEqualTo(0);
            assertThat(s.value("turnpike_circuit_transitions_total", "node", node, "service", "svc", "to", "forced-closed"))
                    .isEqualTo(1);
            // a reload keeps the breakers, so their series go on counting
            gateway.apply(TestConfigs.gateway().service("svc", a.url()).route("all", "/**", "svc").build());
            service.override(CircuitBreaker.Manual.AUTO, "admin", "test");
            Scrape after = Scrape.parse(obs.scrape());
            assertThat(after.value("turnpike_circuit_transitions_total", "node", "*", "service", "svc", "to", "closed"))
                    .isEqualTo(1);
        }
    }
}
