package io.turnpike.observe;

import static org.assertj.core.api.Assertions.assertThat;

import io.turnpike.server.Gateway;
import io.turnpike.testing.NoLeaks;
import io.turnpike.testing.RawHttp;
import io.turnpike.testing.TestBackend;
import io.turnpike.testing.TestConfigs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Node gauges follow the config: present while a node is listed, gone after a reload drops it. */
@ExtendWith(NoLeaks.class)
class NodeMetricsTest {

    @Test
    void nodeGaugesFollowReloads() throws Exception {
        try (TestBackend a = new TestBackend("a"); TestBackend b = new TestBackend("b");
             Observability obs = new Observability(new GatewayMetrics(), null);
             Gateway gateway = Gateway.start(TestConfigs.gateway()
                     .service("svc", a.url(), b.url()).route("all", "/**", "svc").build(), obs)) {
            String nodeA = "127.0.0.1:" + a.port();
            String nodeB = "127.0.0.1:" + b.port();
            Scrape before = Scrape.parse(obs.scrape());
            for (String name : new String[] {"turnpike_node_in_flight", "turnpike_node_requests_total",
                    "turnpike_node_failures_total", "turnpike_node_latency_ewma_seconds"}) {
                assertThat(before.has(name, "node", nodeA, "service", "svc")).as(name).isTrue();
                assertThat(before.has(name, "node", nodeB, "service", "svc")).as(name).isTrue();
            }
            assertThat(before.has("turnpike_node_connections", "node", nodeB, "service", "svc", "state", "open")).isTrue();

            gateway.apply(TestConfigs.gateway().service("svc", a.url()).route("all", "/**", "svc").build());
            obs.recordReload(true);
            obs.recordReload(false);

            Scrape after = Scrape.parse(obs.scrape());
            assertThat(after.text()).doesNotContain(nodeB);
            assertThat(after.has("turnpike_node_requests_total", "node", nodeA, "service", "svc")).isTrue();
            assertThat(after.value("turnpike_config_reloads_total", "result", "ok")).isEqualTo(1);
            assertThat(after.value("turnpike_config_reloads_total", "result", "failed")).isEqualTo(1);
        }
    }

    @Test
    void countsPooledConnectionsPerNode() throws Exception {
        try (TestBackend a = new TestBackend("a");
             Observability obs = new Observability(new GatewayMetrics(), null);
             Gateway gateway = Gateway.start(TestConfigs.gateway()
                     .service("svc", a.url()).route("all", "/**", "svc").build(), obs);
             RawHttp client = new RawHttp(gateway.port())) {
            for (int i = 0; i < 3; i++) {
                client.send("GET /x HTTP/1.1\r\nHost: t\r\n\r\n");
                assertThat(client.read().status()).isEqualTo(200);
            }
            // One keep-alive client, one loop: every request reused the first upstream connection.
            Scrape s = Scrape.parse(obs.scrape());
            String node = "127.0.0.1:" + a.port();
            assertThat(s.value("turnpike_node_connections", "node", node, "service", "svc", "state", "open")).isEqualTo(1);
            assertThat(s.value("turnpike_node_connections", "node", node, "service", "svc", "state", "idle"))
                    .isBetween(0.0, 1.0); // the last one goes back to the pool just after its response
            assertThat(a.connections.get()).isEqualTo(1);
        }
    }
}
