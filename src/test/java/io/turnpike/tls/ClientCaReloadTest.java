package io.turnpike.tls;

import static org.assertj.core.api.Assertions.assertThat;

import io.turnpike.config.ConfigLoader;
import io.turnpike.server.Gateway;
import io.turnpike.testing.NoLeaks;
import io.turnpike.testing.RawHttp;
import io.turnpike.testing.TestBackend;
import io.turnpike.testing.TestPki;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** The clientCa file is watched like the certificates: a partner's new CA is trusted within 5 s, no restart. */
@ExtendWith(NoLeaks.class)
class ClientCaReloadTest {
    static final String CONFIG = """
            server:
              listen: "127.0.0.1:0"
              eventLoops: 1
              tls:
                listen: "127.0.0.1:0"
                certificates: [ { cert: server.pem, key: server.key } ]
                clientAuth: optional
                clientCa: clients-ca.pem
            admin: { listen: off }
            observe: { accessLog: { enabled: false } }
            consumers:
              - { id: partner-a, credentials: [ { mtls: { subject: "CN=partner-a" } } ] }
            services:
              svc: { nodes: [ "%s" ] }
            routes:
              - { id: partner, match: { path: "/**" }, service: svc, auth: [mtls] }
            """;

    @Test
    void aReplacedClientCaIsTrustedForNewHandshakes(@TempDir Path dir) throws Exception {
        TestPki.Issued serverCa = TestPki.ca("Server Root");
        TestPki.Issued oldCa = TestPki.ca("Clients 2026");
        TestPki.Issued newCa = TestPki.ca("Clients 2027");
        TestPki.Issued partner = TestPki.client(newCa, "CN=partner-a");
        TestPki.server(serverCa, "api.example.com", true, "api.example.com")
                .write(dir.resolve("server.pem"), dir.resolve("server.key"));
        oldCa.writeCert(dir.resolve("clients-ca.pem"));
        Path file = dir.resolve("turnpike.yaml");
        try (TestBackend backend = new TestBackend("b")) {
            Files.writeString(file, CONFIG.formatted(backend.url()));
            ConfigLoader.Result r = ConfigLoader.load(file);
            assertThat(r.problems()).isEmpty();
            try (Gateway g = Gateway.start(r.config())) {
                assertThat(status(g, serverCa, partner)).as("signed by a CA not yet trusted").isEqualTo(401);
                newCa.writeCert(dir.resolve("clients-ca.pem"));
                long end = System.nanoTime() + 5_000_000_000L;
                int status = 0;
                while (System.nanoTime() < end && (status = status(g, serverCa, partner)) != 200) Thread.sleep(100);
                assertThat(status).as("trusted within 5 s").isEqualTo(200);
            }
        }
    }

    private static int status(Gateway g, TestPki.Issued serverCa, TestPki.Issued identity) throws Exception {
        try (SSLSocket s = TestPki.connect(TestPki.clientContext(serverCa, identity), g.tlsPort(), "api.example.com");
             RawHttp http = new RawHttp(s)) {
            http.send("GET /echo HTTP/1.1\r\nHost: api.example.com\r\n\r\n");
            return http.read().status();
        }
    }
}
