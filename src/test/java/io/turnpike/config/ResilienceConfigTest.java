package io.turnpike.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** healthCheck, outlierDetection, circuitBreaker and a route's fallback, as a user writes them. */
class ResilienceConfigTest {

    @Test
    void bindsTheDesignExample() {
        GatewayConfig c = ConfigText.good("""
                services:
                  users:
                    nodes: [ http://127.0.0.1:9001 ]
                    healthCheck: { path: /health, interval: 5s, timeout: 1s, unhealthyAfter: 3, healthyAfter: 2 }
                    outlierDetection: { consecutiveFailures: 5, ejectFor: 30s, maxEjected: 50% }
                    circuitBreaker: { failureRate: 50%, slowCall: { over: 2s, rate: 0.8 }, window: 20, openFor: 30s, halfOpenCalls: 5 }
                routes:
                  - id: r
                    match: { path: /u }
                    service: users
                    fallback: { status: 503, headers: { X-Fallback: "true" }, body: "{}" }
                """);
        ServiceSpec s = c.services().get("users");
        assertThat(s.healthCheck()).isEqualTo(new ServiceSpec.HealthCheck("/health", Duration.ofSeconds(5),
                Duration.ofSeconds(1), 3, 2));
        assertThat(s.outlierDetection()).isEqualTo(new ServiceSpec.OutlierDetection(5, Duration.ofSeconds(30), 0.5));
        assertThat(s.circuitBreaker()).isEqualTo(new ServiceSpec.CircuitBreaker(0.5, Duration.ofSeconds(2), 0.8, 20,
                Duration.ofSeconds(30), 5));
        RouteSpec.Fallback fb = c.routes().get(0).fallback();
        assertThat(fb.status()).isEqualTo(503);
        assertThat(fb.headers()).containsEntry("X-Fallback", "true");
        assertThat(fb.body()).isEqualTo("{}");
    }

    @Test
    void absentMeansOffAndDefaultsFillIn() {
        GatewayConfig c = ConfigText.good("""
                services:
                  a: { nodes: [ http://127.0.0.1:9001 ] }
                  b: { nodes: [ http://127.0.0.1:9002 ], healthCheck: { path: /ping }, circuitBreaker: {} }
                """);
        assertThat(c.services().get("a").healthCheck()).isNull();
        assertThat(c.services().get("a").circuitBreaker()).isNull();
        assertThat(c.services().get("b").healthCheck().unhealthyAfter()).isEqualTo(3);
        assertThat(c.services().get("b").circuitBreaker().slowOver()).isNull();
        assertThat(c.services().get("b").circuitBreaker().window()).isEqualTo(20);
    }

    @Test
    void reportsBadValuesWhereTheyAre() {
        assertThat(ConfigText.problems("""
                services:
                  a:
                    nodes: [ http://127.0.0.1:9001 ]
                    healthCheck: { path: health, interval: 1s, timeout: 2s, unhealthyAfter: 0 }
                    outlierDetection: { consecutiveFailures: 5, maxEjected: 150% }
                    circuitBreaker: { failureRate: lots, window: 0, slowCall: { rate: 80% }, halfOpen: 3 }
                routes:
                  - { id: r, match: { path: /a }, service: a, fallback: { status: 99 } }
                """)).containsExactly(
                "turnpike.yaml:4:26: services.a.healthCheck.path: \"health\" (expected: a path starting with /, like /health)",
                "turnpike.yaml:4:57: services.a.healthCheck.timeout: \"2s\" is longer than the interval 1000ms (expected: a timeout <= interval)",
                "turnpike.yaml:4:77: services.a.healthCheck.unhealthyAfter: \"0\" (expected: an integer from 1 to 100)",
                "turnpike.yaml:5:61: services.a.outlierDetection.maxEjected: \"150%\" (expected: " + ResilienceSection.RATE_EXPECTED + ")",
                "turnpike.yaml:6:36: services.a.circuitBreaker.failureRate: \"lots\" (expected: " + ResilienceSection.RATE_EXPECTED + ")",
                "turnpike.yaml:6:50: services.a.circuitBreaker.window: \"0\" (expected: an integer from 1 to 10000)",
                "turnpike.yaml:6:63: services.a.circuitBreaker.slowCall: missing \"over\" (expected: a duration like 2s)",
                "turnpike.yaml:6:78: services.a.circuitBreaker: unknown key \"halfOpen\" (expected one of: failureRate, slowCall, window, openFor, halfOpenCalls)",
                "turnpike.yaml:8:67: routes[0].fallback.status: \"99\" (expected: an integer from 200 to 599)");
    }
}
