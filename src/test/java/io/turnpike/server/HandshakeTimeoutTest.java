package io.turnpike.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.turnpike.config.ConfigLoader;
import io.turnpike.testing.NoLeaks;
import io.turnpike.testing.RawHttp;
import io.turnpike.testing.TestBackend;
import io.turnpike.testing.TestPki;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code server.limits.handshakeTimeout}: connections that open and stall before or in the
 * handshake are closed after it (well before the header timeout), and while a crowd of them
 * waits, a real client is served. The gateway listens with TLS only (no {@code server.listen}).
 */
@ExtendWith(NoLeaks.class)
class HandshakeTimeoutTest {
    static final String CONFIG = """
            server:
              eventLoops: 1
              limits: { handshakeTimeout: 500ms, headerTimeout: 30s }
              tls:
                listen: "127.0.0.1:0"
                certificates: [ { cert: api.pem, key: api.key } ]
            admin: { listen: off }
            observe: { accessLog: { enabled: false } }
            services:
              svc: { nodes: [ "%s" ] }
            routes:
              - { id: all, match: { path: "/**" }, service: svc }
            """;

    @Test
    void stalledHandshakesAreClosedAndARealClientIsServedMeanwhile(@TempDir Path dir) throws Exception {
        TestPki.Issued ca = TestPki.ca("Flood Root");
        TestPki.server(ca, "api.example.com", true, "api.example.com").write(dir.resolve("api.pem"), dir.resolve("api.key"));
        Path file = dir.resolve("turnpike.yaml");
        try (TestBackend backend = new TestBackend("b")) {
            Files.writeString(file, CONFIG.formatted(backend.url()));
            ConfigLoader.Result r = ConfigLoader.load(file);
            assertThat(r.problems()).isEmpty();
            try (Gateway g = Gateway.start(r.config())) {
                assertThat(g.port()).as("no server.listen: TLS is the only listener").isEqualTo(g.tlsPort());
                List<Socket> stalled = new ArrayList<>();
                try {
                    for (int i = 0; i < 200; i++) {
                        Socket s = new Socket("127.0.0.1", g.tlsPort());
                        if (i % 2 == 1) {
                            // half a ClientHello: a record header promising more than comes
                            OutputStream out = s.getOutputStream();
                            out.write(new byte[] {0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, (byte) 0xfc, 0x03, 0x03});
                            out.flush();
                        }
                        stalled.add(s);
                    }
                    try (SSLSocket ok = TestPki.connect(TestPki.clientContext(ca, null), g.tlsPort(), "api.example.com");
                         RawHttp http = new RawHttp(ok)) {
                        http.send("GET /echo HTTP/1.1\r\nHost: api.example.com\r\n\r\n");
                        assertThat(http.read().status()).isEqualTo(200);
                    }
                    long start = System.nanoTime();
                    for (Socket s : stalled) {
                        s.setSoTimeout(5000);
                        assertThat(closedByPeer(s)).as("a stalled handshake is closed").isTrue();
                    }
                    assertThat((System.nanoTime() - start) / 1_000_000).as("ms until all were closed").isLessThan(5000);
                } finally {
                    for (Socket s : stalled) s.close();
                }
            }
        }
    }

    private static boolean closedByPeer(Socket s) throws Exception {
        try {
            while (true) {
                if (s.getInputStream().read() < 0) return true; // an alert may come first; then EOF
            }
        } catch (SocketTimeoutException e) {
            return false;
        } catch (java.io.IOException e) {
            return true; // reset
        }
    }
}
