package io.turnpike.observe;

import static org.assertj.core.api.Assertions.assertThat;

import io.turnpike.proxy.Problems;
import org.junit.jupiter.api.Test;

/** Label rules that need no server. */
class GatewayMetricsTest {

    @Test
    void aRoutePointedAtAnotherServiceCountsUnderTheNewOne() {
        try (GatewayMetrics m = new GatewayMetrics()) {
            m.record(FakeExchange.ok("a"));
            FakeExchange moved = FakeExchange.ok("b");
            m.record(new FakeExchange("b", 0, "127.0.0.1", "GET", "/x", "api", "other", "127.0.0.1:9002", 200, 0, 2,
                    moved.totalNanos(), moved.upstreamNanos(), 0, null, "ok", null));
            Scrape s = Scrape.parse(m.scrape());
            assertThat(s.value("turnpike_requests_total", "method", "GET", "route", "api", "service", "svc",
                    "status", "2xx")).isEqualTo(1);
            assertThat(s.value("turnpike_requests_total", "method", "GET", "route", "api", "service", "other",
                    "status", "2xx")).isEqualTo(1);
            assertThat(s.value("turnpike_upstream_duration_seconds_count", "service", "other")).isEqualTo(1);
        }
    }

    @Test
    void refusedConnectionsAreNotRequests() {
        try (GatewayMetrics m = new GatewayMetrics()) {
            m.refused(Problems.Kind.HEADER_TIMEOUT);
            Scrape s = Scrape.parse(m.scrape());
            assertThat(s.value("turnpike_connections_refused_total", "reason", "request-timeout")).isEqualTo(1);
            assertThat(s.sum("turnpike_requests_total")).isZero();
            assertThat(s.sum("turnpike_rejections_total")).isZero();
        }
    }

    @Test
    void abortsAreCountedByWhoEndedThem() {
        try (GatewayMetrics m = new GatewayMetrics()) {
            m.record(new FakeExchange("c", 0, "127.0.0.1", "POST", "/x", "api", "svc", "n", 0, 5, 0, 10, 5, 0,
                    null, "client-aborted", null));
            Scrape s = Scrape.parse(m.scrape());
            assertThat(s.value("turnpike_aborts_total", "outcome", "client-aborted")).isEqualTo(1);
            assertThat(s.value("turnpike_requests_total", "method", "POST", "route", "api", "service", "svc",
                    "status", "none")).isEqualTo(1);
        }
    }
}
