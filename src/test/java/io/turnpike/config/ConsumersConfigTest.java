package io.turnpike.config;

import static io.turnpike.config.ConfigText.good;
import static io.turnpike.config.ConfigText.problems;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class ConsumersConfigTest {
    private static final String KEY = "a-long-enough-api-key";

    @Test
    void keepsOnlyTheDigestOfAnApiKey() {
        GatewayConfig c = good("""
                plans: { pro: {} }
                consumers:
                  - { id: acme, groups: [partners], plan: pro, credentials: [ { apiKey: %s } ] }
                """.formatted(KEY));
        ConsumerSpec acme = c.consumers().get(0);
        assertThat(acme.apiKeyDigests()).containsExactly(ConsumersSection.sha256(KEY));
        assertThat(acme.toString()).doesNotContain(KEY).doesNotContain(acme.apiKeyDigests().get(0));
        assertThat(acme.groups()).containsExactly("partners");
        assertThat(acme.plan()).isEqualTo("pro");
    }

    @Test
    void reportsBadConsumersWithoutShowingTheKey() {
        List<String> p = problems("""
                consumers:
                  - { id: a, credentials: [ { apiKey: tiny } ] }
                  - { id: a, credentials: [ { apiKeyHash: nothex } ] }
                  - { id: b, credentials: [ { apiKey: %s }, { jwt: {} } ] }
                  - { id: c, credentials: [ { apiKey: %s } ] }
                """.formatted(KEY, KEY));
        assertThat(String.join("\n", p)).doesNotContain(KEY).doesNotContain("tiny");
        assertThat(p).anyMatch(s -> s.contains("consumers[0].credentials[0].apiKey: the API key (not shown) is shorter"))
                .anyMatch(s -> s.contains("consumers[1].id: \"a\" is already the id"))
                .anyMatch(s -> s.contains("consumers[1].credentials[0].apiKeyHash: \"nothex\""))
                .anyMatch(s -> s.contains("consumers[2].credentials[1].jwt: missing \"issuer\""))
                .anyMatch(s -> s.contains("consumers[3].credentials[0]: this API key (not shown) is also a key of consumer \"b\""));
    }

    @Test
    void routesAcceptApiKeysAndAnAcl() {
        GatewayConfig c = good("""
                services: { s: { nodes: ["http://s:1"] } }
                routes:
                  - { id: r, match: { path: /x }, service: s, auth: [apiKey], acl: { allow: [a], deny: [b] } }
                """);
        RouteSpec r = c.routes().get(0);
        assertThat(r.auth()).containsExactly("apiKey");
        assertThat(r.acl()).isEqualTo(new RouteSpec.Acl(List.of("a"), List.of("b")));
        assertThat(problems("""
                services: { s: { nodes: ["http://s:1"] } }
                routes:
                  - { id: r, match: { path: /x }, service: s, auth: [basic] }
                """)).anyMatch(s -> s.contains("routes[0].auth[0]: \"basic\" is not supported yet (expected: apiKey or jwt)"));
    }
}
