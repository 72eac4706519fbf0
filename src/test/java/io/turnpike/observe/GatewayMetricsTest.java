package io.turnpike.observe;

import static org.assertj.core.api.Assertions.assertThat;

import io.turnpike.core.Problems;
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

    /** A request the gateway refused itself, with the reason authentication gave. */
    private static io.turnpike.core.ExchangeView refused(String route, Problems.Kind kind, String decision) {
        FakeExchange f = new FakeExchange("d", 0, "127.0.0.1", "GET", "/x", route, "svc", null, kind.status().code(),
                0, 120, 10, -1, 0, kind, "rejected", null);
        return (io.turnpike.core.ExchangeView) java.lang.reflect.Proxy.newProxyInstance(
                GatewayMetricsTest.class.getClassLoader(), new Class<?>[] {io.turnpike.core.ExchangeView.class},
                (proxy, method, args) -> method.getName().equals("authDecision") ? decision
                        : method.invoke(f, args));
    }

    @Test
    void authFailuresAreCountedByRouteAndReason() {
        try (GatewayMetrics m = new GatewayMetrics()) {
            m.record(refused("api", Problems.Kind.UNAUTHORIZED, "expired"));
            m.record(refused("api", Problems.Kind.UNAUTHORIZED, "expired"));
            m.record(refused("api", Problems.Kind.FORBIDDEN, "scope-missing"));
            m.record(refused("api", Problems.Kind.FORBIDDEN, null)); // the IP filter: not an auth failure
            m.record(FakeExchange.ok("ok"));
            Scrape s = Scrape.parse(m.scrape());
            assertThat(s.value("turnpike_auth_failures_total", "reason", "expired", "route", "api")).isEqualTo(2);
            assertThat(s.value("turnpike_auth_failures_total", "reason", "scope-missing", "route", "api")).isEqualTo(1);
            assertThat(s.sum("turnpike_auth_failures_total")).isEqualTo(3);
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
