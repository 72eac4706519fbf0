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
    void loadsAFileOfOneHundredThousandConsumers() {
        // ~5.6 million characters: past the YAML library's default limit of 3 Mi, which stopped
        // such a file with "exceeds the limit" before a single consumer was read.
        StringBuilder text = new StringBuilder("plans: { pro: {} }\nconsumers:\n");
        for (int i = 0; i < 100_000; i++) {
            text.append("  - { id: c").append(i).append(", plan: pro, credentials: [ { apiKey: key-")
                    .append(String.format("%08d", i)).append("-abcdef } ] }\n");
        }
        assertThat(text.length()).isGreaterThan(3 * 1024 * 1024);
        GatewayConfig c = good(text.toString());
        assertThat(c.consumers()).hasSize(100_000);
        assertThat(c.consumers().get(99_999).id()).isEqualTo("c99999");
    }

    @Test
    void anAdminChangeStillChecksTheConsumersItDidNotTouch(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        // Consumers that bound cleanly are taken as bound when the config is bound again over the
        // same file; what they depend on is checked again: their plan, and their keys and ids
        // against the consumers before them.
        java.nio.file.Path file = dir.resolve("turnpike.yaml");
        java.nio.file.Files.writeString(file, """
                storage: { dataDir: %s }
                plans: { pro: {}, free: {} }
                consumers:
                  - { id: a, plan: pro, credentials: [ { apiKey: %s } ] }
                  - { id: b, plan: free, credentials: [ { apiKey: "${B_KEY}" } ] }
                """.formatted(dir.resolve("data"), KEY));
        java.util.Map<String, String> env = java.util.Map.of("B_KEY", "b-key-from-the-environment");
        ConfigSources.Opened opened = ConfigSources.open(file, java.nio.file.Files.readAllBytes(file), env::get);
        assertThat(opened.problems()).isEmpty();
        ConfigSources sources = opened.sources();
        assertThat(sources.current().consumers()).extracting(ConsumerSpec::id).containsExactly("a", "b");

        ConfigSources.Change noPlan = sources.delete(ConfigSources.Section.PLANS, "pro");
        assertThat(noPlan.status()).isEqualTo(ConfigSources.Status.INVALID);
        assertThat(noPlan.problems()).extracting(Problem::toString).anyMatch(p -> p.contains("consumers[0].plan: no plan \"pro\""));

        ConfigSources.Change sameKey = sources.put(ConfigSources.Section.CONSUMERS, "c", "PUT /admin/consumers/c",
                "{\"credentials\": [{\"apiKey\": \"%s\"}]}".formatted(KEY));
        assertThat(sameKey.problems()).extracting(Problem::toString)
                .anyMatch(p -> p.contains("this API key (not shown) is also a key of consumer \"a\""));

        ConfigSources.Change takesBsKey = sources.put(ConfigSources.Section.CONSUMERS, "a", "PUT /admin/consumers/a",
                "{\"credentials\": [{\"apiKey\": \"b-key-from-the-environment\"}]}");
        assertThat(takesBsKey.problems()).extracting(Problem::toString)
                .anyMatch(p -> p.contains("consumers[1].credentials[0]: this API key (not shown) is also a key of consumer \"a\""));

        ConfigSources.Change sameId = sources.put(ConfigSources.Section.PLANS, "gold", "PUT /admin/plans/gold", "{}");
        assertThat(sameId.status()).isEqualTo(ConfigSources.Status.OK);
        assertThat(sources.current().consumers()).extracting(ConsumerSpec::id).containsExactly("a", "b");
        assertThat(sources.current().consumers().get(1).apiKeyDigests())
                .containsExactly(ConsumersSection.sha256("b-key-from-the-environment"));

        // b's key came from the environment: a problem quoting it is withheld from an admin caller,
        // also when b itself was taken as bound before.
        ConfigSources.Change quoting = sources.put(ConfigSources.Section.ROUTES, "r", "PUT /admin/routes/r",
                "{\"match\": {\"path\": \"/r\"}, \"service\": \"b-key-from-the-environment\"}");
        assertThat(quoting.status()).isEqualTo(ConfigSources.Status.INVALID);
        assertThat(quoting.problems()).isNotEmpty().extracting(Problem::toString)
                .noneMatch(p -> p.contains("b-key-from-the-environment"));
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
    void aGroupNameIsOneElementOfTheGroupsHeader() {
        List<String> p = problems("""
                consumers:
                  - id: a
                    groups: [ "partners,admins", "say \\"hi\\"", "tab\\there", "caf\u00e9", ok-group, "team:payments/eu" ]
                    credentials: [ { apiKey: %s } ]
                """.formatted(KEY));
        assertThat(p).anyMatch(s -> s.contains("consumers[0].groups[0]") && s.contains("without ','"))
                .anyMatch(s -> s.contains("consumers[0].groups[1]"))
                .anyMatch(s -> s.contains("consumers[0].groups[2]"))
                .anyMatch(s -> s.contains("consumers[0].groups[3]"))
                .noneMatch(s -> s.contains("consumers[0].groups[4]") || s.contains("consumers[0].groups[5]"));
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
                  - { id: r, match: { path: /x }, service: s, auth: [mtls] }
                """)).anyMatch(s -> s.contains("routes[0].auth[0]: \"mtls\" needs client certificates"));
    }

    @Test
    void mtlsCredentialsNameACertificateBySubjectOrFingerprintOnce() {
        String sha = "AB:".repeat(31) + "CD";
        GatewayConfig c = good("""
                consumers:
                  - { id: a, credentials: [ { mtls: { subject: "CN=partner-a, O=Acme" } } ] }
                  - { id: b, credentials: [ { mtls: { sha256: "%s" } } ] }
                """.formatted(sha));
        assertThat(c.consumers().get(0).mtlsSubjects()).containsExactly("CN=partner-a,O=Acme");
        assertThat(c.consumers().get(1).mtlsSha256()).containsExactly("ab".repeat(31) + "cd");
        assertThat(problems("""
                consumers:
                  - { id: a, credentials: [ { mtls: { subject: "CN=x", sha256: "%s" } } ] }
                  - { id: b, credentials: [ { mtls: { subject: "CN=y" } } ] }
                  - { id: c, credentials: [ { mtls: { subject: "CN=y" } } ] }
                  - { id: d, credentials: [ { mtls: { sha256: "abc" } } ] }
                """.formatted(sha)))
                .anyMatch(s -> s.contains("consumers[0].credentials[0].mtls: an mtls credential names a certificate by subject or by sha256"))
                .anyMatch(s -> s.contains("consumers[2].credentials[0].mtls.subject: this certificate is already an mtls credential of consumer \"b\""))
                .anyMatch(s -> s.contains("consumers[3].credentials[0].mtls.sha256:"));
    }

    private static final String HASH = "$2b$04$kUmG89LUUmc4zVekP8Wr5OF94fbHpzv2lJhCKiCaE5kIs9./bmeKu";

    @Test
    void basicCredentialsKeepABcryptHashAndRefuseAPlainPassword() {
        GatewayConfig c = good("""
                consumers:
                  - { id: acme, credentials: [ { basic: { user: acme, passwordHash: "%s" } }, { oauth2: { clientId: acme-app } } ] }
                """.formatted(HASH));
        assertThat(c.consumers().get(0).basicUsers()).containsEntry("acme", HASH);
        assertThat(c.consumers().get(0).oauthClients()).containsExactly("acme-app");
        List<String> p = problems("""
                consumers:
                  - { id: a, credentials: [ { basic: { user: a, password: hunter2-hunter2 } } ] }
                  - { id: b, credentials: [ { basic: { user: b, passwordHash: "not-a-bcrypt-hash" } } ] }
                  - { id: c, credentials: [ { basic: { user: b, passwordHash: "%s" } } ] }
                  - { id: d, credentials: [ { oauth2: { clientId: x } }, { oauth2: { clientId: x } } ] }
                """.formatted(HASH));
        assertThat(String.join("\n", p)).doesNotContain("hunter2").doesNotContain("not-a-bcrypt-hash");
        assertThat(p).anyMatch(s -> s.startsWith("turnpike.yaml:2:") && s.contains(
                        "consumers[0].credentials[0].basic: a plain password is never kept in the config (expected: passwordHash:"))
                .anyMatch(s -> s.contains("consumers[1].credentials[0].basic.passwordHash: the hash (not shown) is not a bcrypt hash"))
                .anyMatch(s -> s.contains("consumers[2].credentials[0].basic.user: user \"b\" is already a Basic user of consumer \"b\""))
                .anyMatch(s -> s.contains("consumers[3].credentials[1].oauth2.clientId: client \"x\" is already a client of consumer \"d\""));
    }

    @Test
    void introspectionScopesAndTheNewAuthKinds() {
        GatewayConfig c = good("""
                auth:
                  introspection: { endpoint: "https://id.example.com/introspect", clientId: gw, clientSecret: "${SECRET}", timeout: 1s, cacheTtl: 30s }
                services: { s: { nodes: ["http://s:1"] } }
                routes:
                  - { id: r, match: { path: /x }, service: s, auth: [basic, introspection], acl: { scopes: [orders:read] } }
                """, java.util.Map.of("SECRET", "s3cret"));
        assertThat(c.auth().introspection().endpoint()).isEqualTo("https://id.example.com/introspect");
        assertThat(c.auth().introspection().clientSecret()).isEqualTo("s3cret");
        assertThat(c.auth().introspection().toString()).doesNotContain("s3cret");
        assertThat(c.auth().introspection().cacheTtl()).hasSeconds(30);
        assertThat(c.routes().get(0).auth()).containsExactly("basic", "introspection");
        assertThat(c.routes().get(0).acl().scopes()).containsExactly("orders:read");
        assertThat(problems("""
                services: { s: { nodes: ["http://s:1"] } }
                routes:
                  - { id: r, match: { path: /x }, service: s, auth: [introspection, jwt] }
                """)).anyMatch(s -> s.contains("routes[0].auth[0]: \"introspection\" needs auth.introspection"))
                .anyMatch(s -> s.contains("routes[0].auth[1]: \"jwt\" needs an issuer under auth.jwt"));
        assertThat(problems("""
                auth: { introspection: { endpoint: "ftp://x", clientId: gw } }
                """)).anyMatch(s -> s.contains("auth.introspection.endpoint: \"ftp://x\" (expected: an https:// URL of the introspection endpoint)"))
                .anyMatch(s -> s.contains("auth.introspection: missing \"clientSecret\""));
    }

    @Test
    void requiredHeadersAndTrustedProxies() {
        GatewayConfig c = good("""
                server: { trustedProxies: [10.0.0.0/8, "fd00::/8"] }
                services: { s: { nodes: ["http://s:1"] } }
                routes:
                  - { id: r, match: { path: /x }, service: s, policies: { requireHeaders: [X-Tenant] } }
                """);
        assertThat(c.server().trustedProxies().ranges()).extracting(io.turnpike.config.Cidr::text)
                .containsExactly("10.0.0.0/8", "fd00::/8");
        assertThat(c.routes().get(0).policies().requiredHeaders()).containsExactly("X-Tenant");
        assertThat(problems("""
                server: { trustedProxies: [10.0.0.0/33] }
                services: { s: { nodes: ["http://s:1"] } }
                routes:
                  - { id: r, match: { path: /x }, service: s, policies: { requireHeaders: ["X Tenant"] } }
                """)).anyMatch(s -> s.contains("server.trustedProxies[0]: \"10.0.0.0/33\" (expected: an address or range"))
                .anyMatch(s -> s.contains("routes[0].policies.requireHeaders[0]: \"X Tenant\" (expected: a header name"));
    }
}
