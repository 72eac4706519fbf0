package io.turnpike.upstream;

import static io.turnpike.upstream.Traffic.await;
import static io.turnpike.upstream.Traffic.get;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.turnpike.config.ServiceSpec;
import io.turnpike.server.Gateway;
import io.turnpike.testing.Json;
import io.turnpike.testing.NoLeaks;
import io.turnpike.testing.RawHttp;
import io.turnpike.testing.TestBackend;
import io.turnpike.testing.TestConfigs;
import io.turnpike.testing.TestCa;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * TLS to the services through real sockets: HTTPS origins on loopback with certificates made by a
 * test CA, a gateway in front of them, and what a client sees when verification fails.
 */
@ExtendWith(NoLeaks.class)
class UpstreamTlsTest {
    @TempDir
    static Path dir;
    static TestCa ca;
    static TestCa otherCa;
    static Path caPem;
    static Path otherCaPem;
    static TestCa.Issued loopback; // SAN ip:127.0.0.1
    static TestCa.Issued billing; // SAN dns:billing.internal only
    static Path gatewayCert;
    static Path gatewayKey;
    static final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @BeforeAll
    static void certificates() throws Exception {
        ca = TestCa.ca("Test Internal CA");
        otherCa = TestCa.ca("Somebody Else's CA");
        caPem = ca.writeCert(dir, "ca.pem");
        otherCaPem = otherCa.writeCert(dir, "other-ca.pem");
        loopback = ca.issue("origin", List.of("ip:127.0.0.1"));
        billing = ca.issue("billing", List.of("dns:billing.internal"));
        TestCa.Issued gw = ca.issue("gateway", List.of());
        gatewayCert = gw.writeCert(dir, "gw.pem");
        gatewayKey = gw.writeKey(dir, "gw.key");
    }

    static SslContext server(TestCa.Issued cert) throws Exception {
        return SslContextBuilder.forServer(cert.key(), cert.cert()).sslProvider(SslProvider.JDK).build();
    }

    static Gateway gateway(TestBackend origin, ServiceSpec.Tls tls) throws InterruptedException {
        return Gateway.start(TestConfigs.gateway().service("billing", origin.url()).tls("billing", tls)
                .route("all", "/**", "billing").build());
    }

    static ServiceSpec.Tls trusting(Path ca) {
        return new ServiceSpec.Tls(ca, null, true, null);
    }

    static String url(Gateway g, String path) {
        return "http://127.0.0.1:" + g.port() + path;
    }

    @Test
    void proxiesGetAndPostThroughANodeWhoseCertificateIsVerified() throws Exception {
        try (TestBackend origin = new TestBackend("billing-1", server(loopback));
             Gateway g = gateway(origin, trusting(caPem))) {
            HttpResponse<String> res = http.send(HttpRequest.newBuilder(URI.create(url(g, "/echo/get"))).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(res.statusCode()).isEqualTo(200);
            JsonNode echo = Json.parse(res.body());
            assertThat(echo.get("node").asText()).isEqualTo("billing-1");

            byte[] data = new byte[300_000];
            for (int i = 0; i < data.length; i++) data[i] = (byte) (i * 7);
            HttpResponse<String> post = http.send(HttpRequest.newBuilder(URI.create(url(g, "/echo/post")))
                    .POST(HttpRequest.BodyPublishers.ofByteArray(data)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(post.statusCode()).isEqualTo(200);
            assertThat(Json.parse(post.body()).get("bodySha256").asText()).isEqualTo(sha256(data));
            assertThat(origin.serverNames).containsOnly(""); // an IP literal is never sent as SNI
        }
    }

    @Test
    void refusesANodeSignedByAnotherCaWith502NamingTheNode() throws Exception {
        try (TestBackend origin = new TestBackend("billing-1", server(loopback));
             Gateway g = gateway(origin, trusting(otherCaPem))) {
            RawHttp.Response r = get(g, "/echo");
            assertThat(r.status()).isEqualTo(502);
            assertThat(r.header("content-type")).isEqualTo("application/problem+json");
            assertThat(Json.parse(r.body()).get("detail").asText())
                    .isEqualTo("TLS handshake with " + origin.url() + " failed: certificate not trusted");
            assertThat(origin.requests.get()).isZero();
            assertThat(Traffic.node(g, "billing", 0).failures()).isEqualTo(1); // a connect failure for the books
        }
    }

    @Test
    void checksTheNodeHostAgainstTheCertificateUnlessServerNameNamesIt() throws Exception {
        try (TestBackend origin = new TestBackend("billing-1", server(billing))) {
            try (Gateway g = gateway(origin, trusting(caPem))) {
                RawHttp.Response r = get(g, "/echo");
                assertThat(r.status()).isEqualTo(502);
                assertThat(Json.parse(r.body()).get("detail").asText()).isEqualTo(
                        "TLS handshake with " + origin.url() + " failed: certificate does not match 127.0.0.1");
                assertThat(origin.requests.get()).isZero();
            }
            try (Gateway g = gateway(origin, new ServiceSpec.Tls(caPem, "billing.internal", true, null))) {
                RawHttp.Response r = get(g, "/echo");
                assertThat(r.status()).isEqualTo(200);
                assertThat(origin.serverNames).contains("billing.internal");
            }
        }
    }

    @Test
    void neverFallsBackToPlaintextWhenTheNodeDoesNotSpeakTls() throws Exception {
        try (TestBackend plain = new TestBackend("plain");
             Gateway g = Gateway.start(TestConfigs.gateway().service("billing", "https://127.0.0.1:" + plain.port())
                     .tls("billing", trusting(caPem)).route("all", "/**", "billing").build())) {
            RawHttp.Response r = get(g, "/echo");
            assertThat(r.status()).isEqualTo(502);
            assertThat(Json.parse(r.body()).get("detail").asText())
                    .startsWith("TLS handshake with https://127.0.0.1:" + plain.port() + " failed: ");
            // the plaintext server took the ClientHello for a broken request and answered 400 in clear: not relayed
        }
    }

    @Test
    void aNodeThatFailsVerificationGivesWayToTheNext() throws Exception {
        try (TestBackend wrong = new TestBackend("wrong", server(billing));
             TestBackend right = new TestBackend("right", server(loopback));
             Gateway g = Gateway.start(TestConfigs.gateway().service("billing", wrong.url(), right.url())
                     .tls("billing", trusting(caPem)).route("all", "/**", "billing").build())) {
            for (int i = 0; i < 4; i++) assertThat(get(g, "/x").body()).isEqualTo("right");
            assertThat(wrong.requests.get()).isZero();
            assertThat(Traffic.node(g, "billing", 0).failures()).isPositive();
        }
    }

    @Test
    void registeredNodesOfATlsServiceMustBeHttpsAndTrustTheCaNextToTheConfigFile() throws Exception {
        Path file = java.nio.file.Files.writeString(dir.resolve("registered.yaml"), """
                server: { listen: "127.0.0.1:0", eventLoops: 1 }
                storage: { dataDir: "%s" }
                services:
                  billing:
                    registration: { ttl: 30s }
                    tls: { ca: ca.pem }
                routes:
                  - { id: all, match: { path: "/**" }, service: billing }
                """.formatted(dir.resolve("data")));
        var loaded = io.turnpike.config.ConfigLoader.load(file);
        assertThat(loaded.problems()).isEmpty();
        try (TestBackend origin = new TestBackend("registered", server(loopback));
             Gateway g = Gateway.start(loaded.config())) {
            String plain = "http://127.0.0.1:" + origin.port();
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> g.discovery().register("billing", plain, 1))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("expected: https://host:port");
            assertThat(g.discovery().register("billing", origin.url(), 1)).isNotNull();
            assertThat(get(g, "/x").body()).isEqualTo("registered");
            assertThat(origin.handshakes.get()).isEqualTo(1);
        }
    }

    @Test
    void verifyFalseAcceptsACertificateNobodyTrusts() throws Exception {
        try (TestBackend origin = new TestBackend("billing-1", server(billing));
             Gateway g = gateway(origin, new ServiceSpec.Tls(otherCaPem, null, false, null))) {
            assertThat(get(g, "/echo").status()).isEqualTo(200);
        }
    }

    @Test
    void presentsItsClientCertificateToAnOriginThatRequiresOne() throws Exception {
        SslContext strict = SslContextBuilder.forServer(loopback.key(), loopback.cert()).sslProvider(SslProvider.JDK)
                .trustManager(ca.cert()).clientAuth(ClientAuth.REQUIRE).build();
        try (TestBackend origin = new TestBackend("billing-1", strict)) {
            try (Gateway g = gateway(origin, trusting(caPem))) {
                RawHttp.Response r = get(g, "/echo");
                assertThat(r.status()).isEqualTo(502);
                assertThat(Json.parse(r.body()).get("detail").asText()).isEqualTo(
                        "TLS handshake with " + origin.url() + " failed: the node requires a client certificate");
                assertThat(origin.requests.get()).isZero();
            }
            ServiceSpec.Tls withCert = new ServiceSpec.Tls(caPem, null, true,
                    new ServiceSpec.Tls.ClientCert(gatewayCert, gatewayKey));
            try (Gateway g = gateway(origin, withCert)) {
                assertThat(get(g, "/echo").status()).isEqualTo(200);
                assertThat(origin.clientSubjects).containsExactly("CN=gateway");
            }
        }
    }

    @Test
    void keepsOneTlsConnectionAliveForSeveralRequests() throws Exception {
        try (TestBackend origin = new TestBackend("billing-1", server(loopback));
             Gateway g = gateway(origin, trusting(caPem))) {
            for (int i = 0; i < 5; i++) assertThat(get(g, "/echo/" + i).status()).isEqualTo(200);
            assertThat(origin.requests.get()).isEqualTo(5);
            assertThat(origin.connections.get()).isEqualTo(1);
            assertThat(origin.handshakes.get()).isEqualTo(1);
        }
    }

    @Test
    void healthChecksSpeakTlsAndMarkTheNodeDownAndUp() throws Exception {
        ServiceSpec.HealthCheck check = new ServiceSpec.HealthCheck("/health", Duration.ofMillis(50),
                Duration.ofMillis(500), 2, 2);
        try (TestBackend origin = new TestBackend("billing-1", server(billing));
             Gateway g = Gateway.start(TestConfigs.gateway().service("billing", origin.url())
                     .resilience("billing", check, null, null)
                     .tls("billing", new ServiceSpec.Tls(caPem, "billing.internal", true, null))
                     .route("all", "/**", "billing").build())) {
            await(3000, "checks over TLS", () -> origin.healthChecks.get() >= 2);
            assertThat(origin.serverNames).contains("billing.internal");
            origin.failWith = 503;
            await(3000, "node unhealthy", () -> Traffic.node(g, "billing", 0).health().checkedDown());
            origin.failWith = 0;
            await(3000, "node healthy again", () -> !Traffic.node(g, "billing", 0).health().checkedDown());
        }
    }

    @Test
    void healthChecksFailWhenTheCertificateIsNotTrusted() throws Exception {
        ServiceSpec.HealthCheck check = new ServiceSpec.HealthCheck("/health", Duration.ofMillis(50),
                Duration.ofMillis(500), 2, 2);
        try (TestBackend origin = new TestBackend("billing-1", server(loopback));
             Gateway g = Gateway.start(TestConfigs.gateway().service("billing", origin.url())
                     .resilience("billing", check, null, null).tls("billing", trusting(otherCaPem))
                     .route("all", "/**", "billing").build())) {
            await(3000, "node unhealthy", () -> Traffic.node(g, "billing", 0).health().checkedDown());
            assertThat(origin.healthChecks.get()).isZero();
        }
    }

    @Test
    void streams64MiBBothWaysThroughAnHttpsNode() throws Exception {
        long size = 64L * 1024 * 1024;
        io.turnpike.config.Limits d = io.turnpike.config.Limits.DEFAULT;
        try (TestBackend origin = new TestBackend("billing-1", server(loopback));
             Gateway g = Gateway.start(TestConfigs.gateway()
                     // a size test, not a speed test: a busy machine may need more than the default 10 s
                     .timeouts(java.time.Duration.ofSeconds(2), java.time.Duration.ofSeconds(120), java.time.Duration.ofSeconds(60))
                     .service("billing", origin.url())
                     .tls("billing", trusting(caPem)).route("all", "/**", "billing")
                     .limits(new io.turnpike.config.Limits(d.maxHeaderBytes(), d.maxUriBytes(), size,
                             d.headerTimeout(), d.idleTimeout(), d.maxConnections())).build())) {
            MessageDigest sent = MessageDigest.getInstance("SHA-256");
            byte[] block = new byte[64 * 1024];
            for (int i = 0; i < block.length; i++) block[i] = (byte) (i * 13);
            for (long n = 0; n < size; n += block.length) sent.update(block);
            HttpResponse<String> up = http.send(HttpRequest.newBuilder(URI.create(url(g, "/echo/up")))
                    .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.InputStream() {
                        long left = size;
                        int at;

                        @Override
                        public int read() {
                            byte[] one = new byte[1];
                            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
                        }

                        @Override
                        public int read(byte[] b, int off, int len) {
                            if (left == 0) return -1;
                            int n = (int) Math.min(Math.min(len, left), block.length - at);
                            System.arraycopy(block, at, b, off, n);
                            at = (at + n) % block.length;
                            left -= n;
                            return n;
                        }
                    })).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(up.statusCode()).isEqualTo(200);
            JsonNode echo = Json.parse(up.body());
            assertThat(echo.get("bodyBytes").asLong()).isEqualTo(size);
            assertThat(echo.get("bodySha256").asText()).isEqualTo(HexFormat.of().formatHex(sent.digest()));

            HttpResponse<java.io.InputStream> down = http.send(
                    HttpRequest.newBuilder(URI.create(url(g, "/bytes/" + size))).build(),
                    HttpResponse.BodyHandlers.ofInputStream());
            assertThat(down.statusCode()).isEqualTo(200);
            long got = 0;
            boolean pattern = true;
            byte[] buf = new byte[256 * 1024];
            try (var in = down.body()) {
                for (int n; (n = in.read(buf)) > 0; got += n) {
                    for (int i = 0; i < n && pattern; i += 4099) pattern = buf[i] == (byte) ((got + i) % 251);
                }
            }
            assertThat(got).isEqualTo(size);
            assertThat(pattern).as("bytes arrive in order and intact").isTrue();
        }
    }

    static String sha256(byte[] data) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
    }
}
