package io.turnpike.observe;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.turnpike.config.ConfigLoader;
import io.turnpike.server.Gateway;
import io.turnpike.testing.Json;
import io.turnpike.testing.NoLeaks;
import io.turnpike.testing.RawHttp;
import io.turnpike.testing.TestBackend;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** The client profile in the metrics and the access log; an aggregation's calls in the node metrics. */
@ExtendWith(NoLeaks.class)
class ProfileObservabilityTest {
    @TempDir
    static Path dir;
    static Scrape scrape;
    static List<JsonNode> lines;
    static int backendPort;

    @BeforeAll
    static void sendTraffic() throws Exception {
        TestBackend backend = new TestBackend("b1");
        backendPort = backend.port();
        Path log = dir.resolve("access.log");
        Observability obs = new Observability(new AccessLogSettings(true, log.toString(), 1.0));
        ConfigLoader.Result r = ConfigLoader.parse("profiles.yaml", """
                server: { listen: "127.0.0.1:0", eventLoops: 1 }
                admin: { listen: off }
                services:
                  svc: { nodes: [ "%s" ] }
                clients:
                  mobile: { when: { header: { X-Client: mobile } } }
                routes:
                  - { id: api, match: { path: "/api/**" }, rewrite: { stripPrefix: /api }, service: svc }
                  - id: both
                    match: { path: /both }
                    aggregate:
                      calls:
                        one: { service: svc, path: /status/404, optional: true }
                        two: { service: svc, path: /status/404, optional: true }
                """.formatted(backend.url()), name -> null);
        assertThat(r.problems()).isEmpty();
        Gateway gateway = Gateway.start(r.config(), obs);
        try (RawHttp c = new RawHttp(gateway.port())) {
            for (String client : new String[] {"mobile", "mobile", "desktop"}) {
                c.send("GET /api/echo HTTP/1.1\r\nHost: t\r\nX-Client: " + client + "\r\n\r\n");
                assertThat(c.read().status()).isEqualTo(200);
            }
            c.send("GET /both HTTP/1.1\r\nHost: t\r\n\r\n");
            assertThat(c.read().status()).isEqualTo(200);
        } finally {
            gateway.close();
            scrape = Scrape.parse(obs.scrape());
            obs.close();
            backend.close();
        }
        lines = Files.readAllLines(log).stream().map(Json::parse).toList();
    }

    @Test
    void countsRequestsByRouteAndProfile() {
        String n = "turnpike_client_profile_requests_total";
        assertThat(scrape.value(n, "route", "api", "profile", "mobile")).isEqualTo(2);
        assertThat(scrape.value(n, "route", "api", "profile", "default")).isEqualTo(1);
        assertThat(scrape.value(n, "route", "both", "profile", "default")).isEqualTo(1);
    }

    @Test
    void theAccessLogSaysWhichProfile() {
        assertThat(lines).hasSize(4);
        assertThat(lines).extracting(l -> l.get("profile").asText())
                .containsExactly("mobile", "mobile", "default", "default");
    }

    @Test
    void anAggregationIsOneRequestOfServiceAggregateAndEachCallReachesTheNodeMetrics() {
        assertThat(scrape.value("turnpike_requests_total", "method", "GET", "route", "both", "service", "aggregate",
                "status", "2xx")).isEqualTo(1);
        // 3 proxied + 2 calls of the aggregation
        assertThat(scrape.value("turnpike_node_requests_total", "node", "127.0.0.1:" + backendPort, "service", "svc"))
                .isEqualTo(5);
    }
}
