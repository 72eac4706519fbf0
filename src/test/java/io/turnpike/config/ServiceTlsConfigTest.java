package io.turnpike.config;

import static io.turnpike.config.ConfigText.good;
import static io.turnpike.config.ConfigText.parse;
import static io.turnpike.config.ConfigText.problems;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code https://} nodes and a service's {@code tls:} block. */
class ServiceTlsConfigTest {

    @Test
    void readsHttpsNodesAndTheirTlsSettings() {
        ServiceSpec s = good("""
                services:
                  billing:
                    nodes: [ https://billing.internal:8443, HTTPS://Billing-2.internal ]
                    tls:
                      ca: certs/internal-ca.pem
                      serverName: billing.internal
                      clientCert: { cert: certs/gw.pem, key: certs/gw.key }
                """).services().get("billing");
        assertThat(s.nodes()).containsExactly(
                new NodeSpec("https://billing.internal:8443", "billing.internal", 8443, 1),
                new NodeSpec("https://billing-2.internal:443", "billing-2.internal", 443, 1));
        assertThat(s.tls()).isEqualTo(new ServiceSpec.Tls(Path.of("certs/internal-ca.pem"), "billing.internal", true,
                new ServiceSpec.Tls.ClientCert(Path.of("certs/gw.pem"), Path.of("certs/gw.key"))));
        assertThat(s.scheme()).isEqualTo("https");
    }

    @Test
    void httpsNodesWithoutTlsUseTheDefaultsAndHttpNodesHaveNone() {
        GatewayConfig c = good("""
                services:
                  billing: { nodes: [ https://billing.internal ] }
                  users: { nodes: [ http://users.internal ] }
                """);
        assertThat(c.services().get("billing").tls()).isEqualTo(ServiceSpec.Tls.DEFAULT);
        assertThat(c.services().get("users").tls()).isNull();
    }

    @Test
    void refusesMixedSchemesTlsOverPlaintextNodesAndBadValues() {
        assertThat(problems("""
                services:
                  mixed:
                    nodes: [ https://a.internal, http://b.internal ]
                  plain:
                    nodes: [ http://c.internal ]
                    tls: { ca: ca.pem }
                  odd:
                    nodes: [ https://d.internal ]
                    tls: { serverName: "10.0.0.1", verify: maybe, clientCert: { cert: gw.pem }, sni: x }
                """)).containsExactly(
                "turnpike.yaml:3:12: services.mixed.nodes: nodes \"https://a.internal:443\" and \"http://b.internal:80\" "
                        + "mix http and https (expected: one scheme for all nodes of a service; make two services)",
                "turnpike.yaml:6:10: services.plain.tls: tls is set but the nodes are http:// (expected: https:// "
                        + "nodes, or no tls)",
                "turnpike.yaml:9:24: services.odd.tls.serverName: \"10.0.0.1\" (expected: a DNS host name, like "
                        + "billing.internal)",
                "turnpike.yaml:9:44: services.odd.tls.verify: \"maybe\" (expected: true or false)",
                "turnpike.yaml:9:63: services.odd.tls.clientCert: missing \"key\" (expected: a PEM file path "
                        + "(PKCS#8 private key))",
                "turnpike.yaml:9:81: services.odd.tls: unknown key \"sni\" (expected one of: ca, serverName, verify, "
                        + "clientCert)");
    }

    @Test
    void verifyFalseIsAWarning() {
        ConfigLoader.Result r = parse("""
                services:
                  billing:
                    nodes: [ https://billing.internal ]
                    tls: { verify: false }
                """, Map.of());
        assertThat(r.ok()).isTrue();
        assertThat(r.config().services().get("billing").tls().verify()).isFalse();
        assertThat(r.warnings()).singleElement().asString()
                .startsWith("turnpike.yaml:4:20: warning: services.billing.tls.verify: false: the nodes' certificates "
                        + "are not checked at all");
    }

    @Test
    void relativeFilesAreTheConfigFilesNeighbours(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("turnpike.yaml"), """
                services:
                  billing:
                    nodes: [ https://billing.internal ]
                    tls: { ca: certs/ca.pem, clientCert: { cert: /etc/gw.pem, key: gw.key } }
                routes: []
                """);
        ServiceSpec.Tls tls = ConfigLoader.load(file).config().services().get("billing").tls();
        assertThat(tls.ca()).isEqualTo(dir.toAbsolutePath().resolve("certs/ca.pem"));
        assertThat(tls.clientCert().cert()).isEqualTo(Path.of("/etc/gw.pem"));
        assertThat(tls.clientCert().key()).isEqualTo(dir.toAbsolutePath().resolve("gw.key"));
    }
}
