package io.turnpike.config;

import static io.turnpike.config.ConfigText.good;
import static io.turnpike.config.ConfigText.problems;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code server.tls}: its defaults, its refusals, and paths read from the config file's folder. */
class TlsConfigTest {
    private static final String ROUTES = """
            services: { s: { nodes: ["http://s:1"] } }
            routes: [ { id: r, match: { path: /x }, service: s } ]
            """;

    @Test
    void defaultsAndAListenerOfTlsAlone() {
        GatewayConfig c = good("""
                server:
                  tls: { listen: ":8443", certificates: [ { cert: a.pem, key: a.key } ] }
                """ + ROUTES);
        TlsSettings tls = c.server().tls();
        assertThat(c.server().plaintext()).as("no server.listen: TLS only").isFalse();
        assertThat(tls.port()).isEqualTo(8443);
        assertThat(tls.protocols()).containsExactly("TLSv1.3", "TLSv1.2");
        assertThat(tls.clientAuth()).isEqualTo(TlsSettings.ClientAuth.NONE);
        assertThat(tls.defaultCertificate()).isZero();
        assertThat(c.server().limits().handshakeTimeout()).isEqualTo(Duration.ofSeconds(10));
        assertThat(good("server: { listen: \":8080\" }\n" + ROUTES).server().plaintext()).isTrue();
    }

    @Test
    void refusesOldProtocolsAndIncompleteSettings() {
        assertThat(problems("""
                server:
                  listen: ":8443"
                  tls:
                    listen: ":8443"
                    certificates: [ { cert: a.pem, key: a.key, hosts: ["*.*.example"] }, { cert: b.pem } ]
                    defaultCertificate: 5
                    protocols: [TLSv1.2, TLSv1.1]
                    clientAuth: require
                """ + ROUTES))
                .anyMatch(s -> s.contains("server.tls.protocols[1]: TLSv1.1 is refused"))
                .anyMatch(s -> s.contains("server.tls.certificates[0].hosts[0]"))
                .anyMatch(s -> s.contains("server.tls.certificates[1]: missing \"key\""))
                .anyMatch(s -> s.contains("server.tls.clientAuth: clientAuth: require needs clientCa"));
        assertThat(problems("""
                server:
                  listen: ":8443"
                  tls: { listen: ":8443", certificates: [ { cert: a.pem, key: a.key } ] }
                """ + ROUTES)).anyMatch(s -> s.contains("server.tls.listen: port 8443 is also server.listen's"));
        assertThat(problems("""
                server:
                  tls: { listen: ":8443", certificates: [ { cert: a.pem, key: a.key } ], redirectHttp: true }
                """ + ROUTES)).anyMatch(s -> s.contains("server.tls.redirectHttp: there is no plaintext listener"));
    }

    @Test
    void relativePathsAreReadFromTheConfigFilesFolder(@TempDir Path dir) throws Exception {
        Path file = Files.createDirectories(dir.resolve("conf")).resolve("turnpike.yaml");
        Files.writeString(file, """
                server:
                  tls:
                    listen: ":8443"
                    certificates: [ { cert: certs/a.pem, key: /etc/keys/a.key } ]
                    clientAuth: optional
                    clientCa: ca.pem
                """ + ROUTES);
        ConfigLoader.Result r = ConfigLoader.load(file);
        assertThat(r.problems()).isEmpty();
        TlsSettings tls = r.config().server().tls();
        assertThat(tls.certificates().get(0).cert()).isEqualTo(dir.resolve("conf/certs/a.pem").toAbsolutePath());
        assertThat(tls.certificates().get(0).key()).isEqualTo(Path.of("/etc/keys/a.key"));
        assertThat(tls.clientCa()).isEqualTo(dir.resolve("conf/ca.pem").toAbsolutePath());
    }
}
