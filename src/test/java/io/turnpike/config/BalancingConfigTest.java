package io.turnpike.config;

import static io.turnpike.config.ConfigText.good;
import static io.turnpike.config.ConfigText.problems;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class BalancingConfigTest {

    private static String balancer(String name) {
        return good("services:\n  users: { nodes: [http://u:1], loadBalancer: \"" + name + "\" }\n")
                .services().get("users").loadBalancer();
    }

    @Test
    void acceptsEveryBalancerAndNormalisesHashKeys() {
        assertThat(balancer("round-robin")).isEqualTo("round-robin");
        assertThat(balancer("random")).isEqualTo("random");
        assertThat(balancer("least-request")).isEqualTo("least-request");
        assertThat(balancer(" peak-ewma ")).isEqualTo("peak-ewma");
        assertThat(balancer("hash(header:X-User)")).isEqualTo("hash(header:X-User)");
        assertThat(balancer("hash(header: X-User)")).isEqualTo("hash(header:X-User)");
        assertThat(balancer("hash(cookie:session)")).isEqualTo("hash(cookie:session)");
        assertThat(balancer("hash(ip)")).isEqualTo("hash(ip)");
        assertThat(good("services:\n  users: { nodes: [http://u:1] }\n").services().get("users").loadBalancer())
                .isEqualTo("round-robin");
    }

    @Test
    void locatesAnUnknownBalancer() {
        assertThat(problems("""
                services:
                  users: { nodes: [http://u:1], loadBalancer: "hash(query:q)" }
                """)).containsExactly("turnpike.yaml:2:47: services.users.loadBalancer: \"hash(query:q)\" "
                + "(expected: one of round-robin, random, least-request, peak-ewma, hash(header:NAME), "
                + "hash(cookie:NAME), hash(ip))");
    }

    @Test
    void readsServicePriorityWithDefaults() {
        ServiceSpec s = good("""
                services:
                  users: { nodes: [http://u:1], priority: { maxShare: 1.5, maxInFlight: 100 } }
                  orders: { nodes: [http://o:1] }
                """).services().get("users");
        assertThat(s.priority()).isEqualTo(new ServiceSpec.Priority(1.5, 100));
        assertThat(good("services:\n  orders: { nodes: [http://o:1], priority: { maxInFlight: 5 } }\n")
                .services().get("orders").priority()).isEqualTo(new ServiceSpec.Priority(2.0, 5));
    }

    @Test
    void locatesBadPriorityValues() {
        assertThat(problems("""
                services:
                  users:
                    nodes: [http://u:1]
                    priority: { maxShare: 0.5, maxInFlight: -1, fastest: yes }
                """)).containsExactly(
                "turnpike.yaml:4:27: services.users.priority.maxShare: \"0.5\" (expected: a number >= 1.0, like 2.0 (times a node's fair share))",
                "turnpike.yaml:4:45: services.users.priority.maxInFlight: \"-1\" (expected: an integer >= 0)",
                "turnpike.yaml:4:49: services.users.priority: unknown key \"fastest\" (expected one of: maxShare, maxInFlight)");
    }

    @Test
    void readsRoutePriority() {
        GatewayConfig c = good("""
                services:
                  users: { nodes: [http://u:1] }
                routes:
                  - { id: fast, match: { path: /a }, service: users, priority: high }
                  - { id: slow, match: { path: /b }, service: users, priority: normal }
                  - { id: plain, match: { path: /c }, service: users }
                """);
        assertThat(c.routes()).extracting(RouteSpec::highPriority).containsExactly(true, false, false);
        assertThat(problems("""
                services:
                  users: { nodes: [http://u:1] }
                routes:
                  - { id: fast, match: { path: /a }, service: users, priority: urgent }
                """)).containsExactly(
                "turnpike.yaml:4:64: routes[0].priority: \"urgent\" (expected: high or normal)");
    }
}
