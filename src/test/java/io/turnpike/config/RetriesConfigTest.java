package io.turnpike.config;

import static io.turnpike.config.ConfigText.good;
import static io.turnpike.config.ConfigText.problems;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RetriesConfigTest {

    @Test
    void defaultsRetryOnlyRefusedConnectionsAcrossNodes() {
        ServiceSpec s = good("services: { a: { nodes: [\"http://a:1\"] } }").services().get("a");
        assertThat(s.retries()).isEqualTo(ServiceSpec.Retries.DEFAULT);
        assertThat(s.retries().attempts()).isZero();
    }

    @Test
    void readsEveryRetryKey() {
        ServiceSpec s = good("""
                services:
                  a:
                    nodes: ["http://a:1"]
                    retries: { attempts: 3, on: [connect-failure, timeout, 502, 503], budget: 10%, backoff: 50ms, perTryTimeout: 2s }
                """).services().get("a");
        assertThat(s.retries()).isEqualTo(new ServiceSpec.Retries(3, true, false, true, Set.of(502, 503), 0.1,
                Duration.ofMillis(50), Duration.ofSeconds(2)));
    }

    @Test
    void aRetriesBlockWithoutOnRetriesConnectFailuresResetsAndGatewayErrors() {
        ServiceSpec.Retries r = good("services: { a: { nodes: [\"http://a:1\"], retries: { attempts: 2 } } }")
                .services().get("a").retries();
        assertThat(r.onConnectFailure()).isTrue();
        assertThat(r.onReset()).isTrue();
        assertThat(r.onStatuses()).containsExactlyInAnyOrder(502, 503, 504);
    }

    @Test
    void reportsBadRetryValues() {
        assertThat(problems("""
                services:
                  a:
                    nodes: ["http://a:1"]
                    retries: { attempts: 99, on: [404, flaky], budget: 150% }
                """)).containsExactly(
                "turnpike.yaml:4:26: services.a.retries.attempts: \"99\" (expected: an integer from 0 to 10)",
                "turnpike.yaml:4:35: services.a.retries.on[0]: \"404\" (expected: connect-failure, reset, timeout, a status from 500 to 599, or a gRPC status like grpc-unavailable)",
                "turnpike.yaml:4:40: services.a.retries.on[1]: \"flaky\" (expected: connect-failure, reset, timeout, a status from 500 to 599, or a gRPC status like grpc-unavailable)",
                "turnpike.yaml:4:56: services.a.retries.budget: \"150%\" (expected: a share like 20% or 0.2)");
    }

    @Test
    void aRouteMayOptInToRetryingNonIdempotentMethods() {
        GatewayConfig c = good("""
                services: { a: { nodes: ["http://a:1"] } }
                routes:
                  - { id: r, match: { path: /x }, service: a, retries: { nonIdempotent: true } }
                """);
        assertThat(c.routes().get(0).retryNonIdempotent()).isTrue();
    }

    @Test
    void readsDnsDiscoveryAndRegistration() {
        ServiceSpec s = good("""
                services:
                  a:
                    discovery: dns://orders.internal:8080
                    registration: { ttl: 10s }
                """).services().get("a");
        assertThat(s.nodes()).isEmpty();
        assertThat(s.discovery()).isEqualTo(new ServiceSpec.Discovery("orders.internal", 8080, Duration.ofSeconds(5),
                Duration.ofSeconds(10)));
        assertThat(problems("services: { a: { discovery: \"dns://nohost\" } }"))
                .containsExactly("turnpike.yaml:1:29: services.a.discovery: \"dns://nohost\" (expected: dns://name:port)");
    }
}
