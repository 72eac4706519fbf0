package io.turnpike.config;

import static io.turnpike.config.ConfigText.good;
import static io.turnpike.config.ConfigText.problems;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class ServicesConfigTest {

    @Test
    void readsNodesWeightsTimeoutsAndPool() {
        ServiceSpec s = good("""
                services:
                  users:
                    nodes:
                      - { url: http://127.0.0.1:9001, weight: 2 }
                      - HTTP://Users.Internal
                      - "http://[::1]:9003/"
                    loadBalancer: round-robin
                    timeouts: { connect: 250ms, request: 5s }
                    pool: { maxPerNode: 8, idleTimeout: 1m }
                """).services().get("users");
        assertThat(s.nodes()).containsExactly(
                new NodeSpec("http://127.0.0.1:9001", "127.0.0.1", 9001, 2),
                new NodeSpec("http://users.internal:80", "users.internal", 80, 1),
                new NodeSpec("http://[::1]:9003", "::1", 9003, 1));
        assertThat(s.timeouts()).isEqualTo(new ServiceSpec.Timeouts(Duration.ofMillis(250), Duration.ofSeconds(5),
                ServiceSpec.Timeouts.DEFAULT.idle()));
        assertThat(s.pool()).isEqualTo(new ServiceSpec.Pool(8, Duration.ofMinutes(1)));
    }

    @Test
    void reportsNodeUrlsThatCannotBeUsed() {
        assertThat(problems("""
                services:
                  users:
                    nodes:
                      - 127.0.0.1:9001
                      - ftp://users.internal:21
                      - http://users.internal:9001/api
                      - http://users.internal:9001
                      - { url: "http://users.internal:9001", weight: 0 }
                """)).containsExactly(
                "turnpike.yaml:4:9: services.users.nodes[0]: \"127.0.0.1:9001\" (expected: a URL like http://host:port "
                        + "or https://host:port)",
                "turnpike.yaml:5:9: services.users.nodes[1]: \"ftp://users.internal:21\" (expected: a URL like "
                        + "http://host:port or https://host:port)",
                "turnpike.yaml:6:9: services.users.nodes[2]: \"http://users.internal:9001/api\" "
                        + "(expected: http://host:port without a path or query; a route's rewrite sets the path)",
                "turnpike.yaml:8:9: services.users.nodes[4]: duplicate node \"http://users.internal:9001\" (first at line 7)",
                "turnpike.yaml:8:54: services.users.nodes[4].weight: \"0\" (expected: an integer from 1 to 1000)");
    }

    @Test
    void reportsAServiceWithoutNodes() {
        assertThat(problems("""
                services:
                  users: {}
                  orders:
                    nodes: []
                """)).containsExactly(
                "turnpike.yaml:2:10: services.users: no nodes (expected: nodes: [http://host:port, ...] with at least one node)",
                "turnpike.yaml:4:12: services.orders.nodes: no nodes (expected: nodes: [http://host:port, ...] with at least one node)");
    }

    @Test
    void refusesAnUnknownBalancerAndAcceptsTheOthers() {
        assertThat(problems("""
                services:
                  users:
                    nodes: [http://u:1]
                    loadBalancer: peak-ewma
                    retries: { attempts: 2 }
                  orders:
                    discovery: dns://orders.internal:8080
                  catalog:
                    nodes: [http://c:1]
                    loadBalancer: fastest
                """)).containsExactly(
                "turnpike.yaml:10:19: services.catalog.loadBalancer: \"fastest\" (expected: one of round-robin, "
                        + "random, least-request, peak-ewma, hash(header:NAME), hash(cookie:NAME), hash(ip))");
    }

    @Test
    void reportsABadServiceId() {
        assertThat(problems("""
                services:
                  "user service": { nodes: [http://u:1] }
                """)).containsExactly(
                "turnpike.yaml:2:3: services: service id \"user service\" (expected: an id of letters, digits and ._-)");
    }
}
