package io.turnpike;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.turnpike.testing.GatewayProcess;
import io.turnpike.testing.Json;
import io.turnpike.testing.TestBackend;
import io.turnpike.testing.TestPki;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import javax.net.ssl.HttpsURLConnection;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A gigabyte each way through the packaged gateway's TLS listener with a 64 MiB heap: TLS records
 * are decrypted and encrypted as the bytes pass, never collected, and back-pressure holds through
 * the TLS layer in both directions.
 */
class LargeBodyTlsIT {
    private static final long GIB = 1L << 30;

    @Test
    void oneGibibyteEachWayThroughTlsInA64MibHeap(@TempDir Path dir) throws Exception {
        TestPki.Issued root = TestPki.ca("Test Root");
        TestPki.server(root, "localhost", true, "localhost").write(dir.resolve("api.pem"), dir.resolve("api.key"));
        SSLContext trusting = TestPki.clientContext(root, null);
        try (TestBackend backend = new TestBackend("big")) {
            Path config = dir.resolve("turnpike.yaml");
            Files.writeString(config, """
                    server:
                      eventLoops: 1
                      limits: { maxBodyBytes: 2GiB }
                      tls:
                        listen: 127.0.0.1:0
                        certificates: [ { cert: api.pem, key: api.key } ]
                    admin: { listen: "127.0.0.1:0" }
                    storage: { dataDir: "%s" }
                    services:
                      big:
                        nodes: [ "%s" ]
                        timeouts: { connect: 1s, request: 300s, idle: 60s }
                    routes:
                      - { id: all, match: { path: "/**" }, service: big }
                    """.formatted(dir.resolve("data"), backend.url()));
            try (GatewayProcess gw = GatewayProcess.start(config, "-Xmx64m", "-Xms64m")) {
                String base = "https://127.0.0.1:" + gw.port(); // the TLS listener is the only one
                HttpsURLConnection up = open(base + "/echo", trusting);
                up.setRequestMethod("POST");
                up.setDoOutput(true);
                up.setFixedLengthStreamingMode(GIB);
                MessageDigest sent = MessageDigest.getInstance("SHA-256");
                byte[] block = new byte[64 * 1024];
                for (int i = 0; i < block.length; i++) block[i] = (byte) (i * 11);
                try (OutputStream out = up.getOutputStream()) {
                    for (long n = 0; n < GIB; n += block.length) {
                        out.write(block);
                        sent.update(block);
                    }
                }
                assertThat(up.getResponseCode()).isEqualTo(200);
                JsonNode echo;
                try (InputStream in = up.getInputStream()) {
                    echo = Json.parse(new String(in.readAllBytes()));
                }
                assertThat(echo.get("bodyBytes").asLong()).isEqualTo(GIB);
                assertThat(echo.get("bodySha256").asText()).isEqualTo(HexFormat.of().formatHex(sent.digest()));
                assertThat(echo.at("/headers/x-forwarded-proto").asText()).isEqualTo("https");

                HttpsURLConnection down = open(base + "/bytes/" + GIB + "?chunked=1", trusting);
                long received = 0;
                byte[] buf = new byte[256 * 1024];
                try (InputStream in = down.getInputStream()) {
                    for (int r; (r = in.read(buf)) > 0; ) received += r;
                }
                assertThat(received).isEqualTo(GIB);
                assertThat(gw.isAlive()).as("gateway survived with a 64 MiB heap").isTrue();
                assertThat(gw.terminate(10)).isNotEqualTo(-1);
                assertThat(gw.output()).doesNotContain("OutOfMemoryError").doesNotContain("LEAK:");
            }
        }
    }

    private static HttpsURLConnection open(String url, SSLContext trusting) throws Exception {
        HttpsURLConnection c = (HttpsURLConnection) URI.create(url).toURL().openConnection();
        c.setSSLSocketFactory(trusting.getSocketFactory());
        c.setHostnameVerifier((host, session) -> true); // the chain is checked; the name is localhost, the URL an IP
        return c;
    }
}
