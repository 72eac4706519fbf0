package io.turnpike.config;

import static io.turnpike.config.ConfigText.good;
import static io.turnpike.config.ConfigText.parse;
import static io.turnpike.config.ConfigText.problems;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code auth.jwt} and {@code auth.introspection}: where keys come from, what claims may write, what is only warned about. */
class JwtConfigTest {
    private static final String SERVICES = "services: { s: { nodes: [\"http://s:1\"] } }\n";

    @Test
    void aJwksOverHttpIsRefusedUnlessTheIssuerAllowsItLoopbackIncluded() {
        assertThat(problems("""
                auth:
                  jwt:
                    - { issuer: https://a.example, jwks: "http://id.example.com/jwks.json", audiences: [t] }
                    - { issuer: https://b.example, jwks: "http://127.0.0.1:8080/jwks.json", audiences: [t] }
                """ + SERVICES)).containsExactly(
                "turnpike.yaml:3:42: auth.jwt[0].jwks: \"http://id.example.com/jwks.json\": jwks must be https:// "
                        + "(allowInsecure: true to allow http://)",
                "turnpike.yaml:4:42: auth.jwt[1].jwks: \"http://127.0.0.1:8080/jwks.json\": jwks must be https:// "
                        + "(allowInsecure: true to allow http://)");
        GatewayConfig c = good("""
                auth:
                  jwt:
                    - { issuer: https://a.example, jwks: "https://id.example.com/jwks.json", audiences: [t] }
                    - { issuer: https://b.example, jwks: "http://127.0.0.1:8080/jwks.json", allowInsecure: true, audiences: [t] }
                """ + SERVICES);
        assertThat(c.auth().jwt()).extracting(JwtIssuerSpec::jwksUrl)
                .containsExactly("https://id.example.com/jwks.json", "http://127.0.0.1:8080/jwks.json");
        assertThat(problems("""
                auth: { jwt: [ { issuer: https://a.example, jwks: "ftp://x/k", allowInsecure: maybe } ] }
                """ + SERVICES))
                .anyMatch(s -> s.contains("auth.jwt[0].jwks: \"ftp://x/k\" (expected: an https:// URL of the issuer's JWK set)"))
                .anyMatch(s -> s.contains("auth.jwt[0].allowInsecure: \"maybe\" (expected: true or false)"));
    }

    @Test
    void anIntrospectionEndpointOverHttpIsRefusedUnlessAllowed() {
        assertThat(problems("""
                auth:
                  introspection: { endpoint: "http://127.0.0.1:9000/introspect", clientId: gw, clientSecret: s }
                """ + SERVICES)).containsExactly("turnpike.yaml:2:30: auth.introspection.endpoint: "
                + "\"http://127.0.0.1:9000/introspect\": endpoint must be https:// (allowInsecure: true to allow http://)");
        GatewayConfig c = good("""
                auth:
                  introspection: { endpoint: "http://127.0.0.1:9000/introspect", allowInsecure: true, clientId: gw, clientSecret: s }
                """ + SERVICES);
        assertThat(c.auth().introspection().endpoint()).isEqualTo("http://127.0.0.1:9000/introspect");
    }

    @Test
    void claimsMayNotBeWrittenToHeadersTheGatewayReadsOrSets() {
        assertThat(problems("""
                auth:
                  apiKey: { header: X-Key }
                  jwt:
                    - issuer: https://a.example
                      secret: "0123456789abcdef0123456789abcdef"
                      algorithms: [HS256]
                      audiences: [t]
                      claimsToHeaders: { a: Authorization, b: x-key, c: X-Consumer-Id, d: Host, e: "bad header", f: X-User-Email }
                """ + SERVICES))
                .anyMatch(s -> s.contains("claimsToHeaders.a: \"Authorization\" is a header the gateway reads or sets itself"))
                .anyMatch(s -> s.contains("claimsToHeaders.b: \"x-key\" is a header the gateway reads or sets itself"))
                .anyMatch(s -> s.contains("claimsToHeaders.c: \"X-Consumer-Id\" is a header the gateway reads or sets itself"))
                .anyMatch(s -> s.contains("claimsToHeaders.d: \"Host\" is a header the gateway reads or sets itself"))
                .anyMatch(s -> s.contains("claimsToHeaders.e: \"bad header\" (expected: a header name like X-User-Email)"))
                .noneMatch(s -> s.contains("claimsToHeaders.f"))
                .hasSize(5);
    }

    @Test
    void anIssuerWithoutAudiencesIsValidWithALocatedWarning() {
        ConfigLoader.Result r = parse("""
                auth:
                  jwt:
                    - { issuer: https://a.example, secret: "0123456789abcdef0123456789abcdef", algorithms: [HS256] }
                    - { issuer: https://b.example, secret: "0123456789abcdef0123456789abcdef", algorithms: [HS256], audiences: [t] }
                """ + SERVICES, Map.of());
        assertThat(r.ok()).isTrue();
        assertThat(r.warnings()).extracting(Warning::toString).containsExactly(
                "turnpike.yaml:3:7: warning: auth.jwt[0]: issuer \"https://a.example\" has no audiences: its tokens for "
                        + "any audience are accepted (expected: audiences: [the aud value it puts in tokens for this gateway])");
    }
}
