package io.turnpike.demo;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.turnpike.config.GatewayConfig;
import io.turnpike.config.RouteSpec;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DemoConfigTest {
    private static final Map<String, List<Integer>> PORTS = new LinkedHashMap<>();

    static {
        PORTS.put("users", List.of(9001, 9002));
        PORTS.put("orders", List.of(9003, 9004));
        PORTS.put("catalog", List.of(9005, 9006));
    }

    private final GatewayConfig config = DemoConfig.build("127.0.0.1", 8080, PORTS);

    @Test
    void hasThreeServicesOfTwoNodes() {
        assertThat(config.services()).containsOnlyKeys("users", "orders", "catalog");
        config.services().values().forEach(s -> assertThat(s.nodes()).hasSize(2));
        assertThat(config.services().get("orders").nodes().get(1).url()).isEqualTo("http://127.0.0.1:9004");
    }

    @Test
    void everyRouteNamesAServiceAndIsIndexedInOrder() {
        for (int i = 0; i < config.routes().size(); i++) {
            RouteSpec route = config.routes().get(i);
            assertThat(route.index()).isEqualTo(i);
            if (route.aggregate() != null) {
                route.aggregate().calls().values()
                        .forEach(c -> assertThat(config.services()).containsKey(c.service()));
            } else {
                assertThat(config.services()).containsKey(route.service());
            }
            assertThat(route.match().path()).startsWith("/api/");
        }
    }

    @Test
    void routesWhatTheTourCalls() {
        assertThat(config.routes()).extracting(r -> r.match().path())
                .contains("/api/users/{id}", "/api/users", "/api/orders", "/api/orders/**", "/api/catalog/**");
        RouteSpec users = config.routes().stream().filter(r -> r.id().equals("users")).findFirst().orElseThrow();
        assertThat(users.match().methods()).containsExactly("GET", "POST");
    }

    @Test
    void listensWhereItWasTold() {
        assertThat(config.server().host()).isEqualTo("127.0.0.1");
        assertThat(config.server().port()).isEqualTo(8080);
    }

    @Test
    void yamlSaysWhatTheRecordsSay() {
        String yaml = DemoConfig.yaml(config);

        assertThat(yaml).contains("listen: 127.0.0.1:8080", "drainTimeout: 5s",
                "      - http://127.0.0.1:9001", "      - http://127.0.0.1:9006",
                "match: { path: \"/api/users/{id}\", methods: [GET] }",
                "rewrite: { path: \"/users/{id}\" }",
                "rewrite: { stripPrefix: /api/catalog }");
        // Services appear in the order routes use them, so the file reads top-down.
        assertThat(yaml.indexOf("  users:")).isLessThan(yaml.indexOf("  orders:"));
        assertThat(yaml.indexOf("  orders:")).isLessThan(yaml.indexOf("  catalog:"));
        assertThat(yaml).doesNotContain("\t");
    }

    @Test
    void yamlIsAConfigTheGatewayAccepts() {
        var loaded = io.turnpike.config.ConfigLoader.parse("demo.yaml", DemoConfig.yaml(config), name -> null);
        assertThat(loaded.problems()).isEmpty();
        assertThat(loaded.config().clients()).isEqualTo(config.clients());
        RouteSpec dashboard = loaded.config().routes().stream().filter(r -> r.id().equals("dashboard")).findFirst()
                .orElseThrow();
        assertThat(dashboard.aggregate()).isEqualTo(config.routes().stream().filter(r -> r.id().equals("dashboard"))
                .findFirst().orElseThrow().aggregate());
    }

    @Test
    void yamlParsesToTheSameShape() throws Exception {
        JsonNode doc = new YAMLMapper().readTree(DemoConfig.yaml(config));

        assertThat(doc.at("/server/listen").asText()).isEqualTo("127.0.0.1:8080");
        assertThat(doc.at("/services/users/nodes/1").asText()).isEqualTo("http://127.0.0.1:9002");
        assertThat(doc.get("routes")).hasSize(config.routes().size());
        assertThat(doc.at("/routes/0/match/path").asText()).isEqualTo("/api/users/{id}");
        assertThat(doc.at("/routes/1/match/methods/1").asText()).isEqualTo("POST");
        assertThat(doc.at("/routes/3/match/path").asText()).isEqualTo("/api/orders/**");
        assertThat(doc.at("/routes/4/rewrite/stripPrefix").asText()).isEqualTo("/api/catalog");
    }
}
