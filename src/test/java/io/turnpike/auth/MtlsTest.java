package io.turnpike.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.fasterxml.jackson.databind.JsonNode;
import io.turnpike.config.ConfigLoader;
import io.turnpike.core.ClientCertificate;
import io.turnpike.server.Gateway;
import io.turnpike.testing.Json;
import io.turnpike.testing.NoLeaks;
import io.turnpike.testing.RawHttp;
import io.turnpike.testing.TestBackend;
import io.turnpike.testing.TestPki;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.AfterParameterizedClassInvocation;
import org.junit.jupiter.params.BeforeParameterizedClassInvocation;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Client certificates as credentials, through real TLS connections: a consumer found by subject or
 * by fingerprint, 401 problem+json without a matching certificate under {@code optional}, a
 * failed handshake under {@code require}, and RFC 9440 {@code Client-Cert} sent to the service
 * (never the one a client wrote).
 */
@ParameterizedClass(name = "on {0}")
@ValueSource(strings = {"openssl", "jdk"})
@ExtendWith(NoLeaks.class)
class MtlsTest {
    /** The listener's TLS engine: BoringSSL, and the JDK's (where OpenSSL does not load). */
    @Parameter
    String engine;

    static final String CONFIG = """
            server:
              listen: "127.0.0.1:0"
              eventLoops: 1
              tls:
                listen: "127.0.0.1:0"
                certificates: [ { cert: server.pem, key: server.key } ]
                clientAuth: %s
                clientCa: clients-ca.pem
            admin: { listen: off }
            observe: { accessLog: { enabled: false } }
            consumers:
              - { id: partner-a, credentials: [ { mtls: { subject: "CN=partner-a, O=Acme" } } ] }
              - { id: partner-b, credentials: [ { mtls: { sha256: "%s" } } ] }
            services:
              svc: { nodes: [ "%s" ] }
            routes:
              - { id: partner, match: { path: "/partner/**" }, rewrite: { stripPrefix: /partner }, service: svc, auth: [mtls] }
              - { id: open, match: { path: "/open/**" }, rewrite: { stripPrefix: /open }, service: svc }
            """;

    @TempDir
    static Path dir;
    static TestBackend backend;
    static Gateway optional;
    static Gateway require;
    static TestPki.Issued serverCa;
    static TestPki.Issued partnerA;
    static TestPki.Issued partnerB;
    static TestPki.Issued unknownConsumer;
    static TestPki.Issued strangerCa;
    static TestPki.Issued fromStranger;

    @BeforeParameterizedClassInvocation
    static void start(String engine) throws Exception {
        if (engine.equals("jdk")) System.setProperty("turnpike.tls.jdk", "true");
        try {
            launch();
        } finally {
            System.clearProperty("turnpike.tls.jdk"); // read when contexts are built: they are
        }
    }

    static void launch() throws Exception {
        backend = new TestBackend("b");
        serverCa = TestPki.ca("Server Root");
        TestPki.Issued clientsCa = TestPki.ca("Clients Root");
        strangerCa = TestPki.ca("Stranger Root");
        partnerA = TestPki.client(clientsCa, "CN=partner-a,O=Acme");
        partnerB = TestPki.client(clientsCa, "CN=partner-b,O=Other");
        unknownConsumer = TestPki.client(clientsCa, "CN=nobody,O=Acme");
        fromStranger = TestPki.client(strangerCa, "CN=partner-a,O=Acme"); // the right subject, the wrong CA
        TestPki.server(serverCa, "api.example.com", true, "api.example.com")
                .write(dir.resolve("server.pem"), dir.resolve("server.key"));
        clientsCa.writeCert(dir.resolve("clients-ca.pem"));
        String sha = ClientCertificate.of(partnerB.cert()).sha256();
        optional = Gateway.start(config("optional", sha));
        require = Gateway.start(config("require", sha));
    }

    static io.turnpike.config.GatewayConfig config(String clientAuth, String sha) throws Exception {
        Path file = dir.resolve(clientAuth + ".yaml");
        Files.writeString(file, CONFIG.formatted(clientAuth, sha.toUpperCase(), backend.url()));
        ConfigLoader.Result r = ConfigLoader.load(file);
        assertThat(r.problems()).isEmpty();
        return r.config();
    }

    @AfterParameterizedClassInvocation
    static void stop() {
        if (optional != null) optional.close();
        if (require != null) require.close();
        if (backend != null) backend.close();
    }

    static RawHttp.Response get(Gateway g, TestPki.Issued identity, String path, String extraHeaders) throws Exception {
        try (SSLSocket s = TestPki.connect(TestPki.clientContext(serverCa, identity), g.tlsPort(), "api.example.com");
             RawHttp http = new RawHttp(s)) {
            http.send("GET " + path + " HTTP/1.1\r\nHost: api.example.com\r\n" + extraHeaders + "\r\n");
            return http.read();
        }
    }

    static String clientCert(TestPki.Issued id) throws Exception {
        return ":" + Base64.getEncoder().encodeToString(id.cert().getEncoded()) + ":";
    }

    @Test
    void aCertificateNamedBySubjectAuthenticatesAndTheServiceGetsClientCert() throws Exception {
        RawHttp.Response res = get(optional, partnerA, "/partner/echo", "Client-Cert: :Zm9yZ2Vk:\r\n");
        assertThat(res.status()).isEqualTo(200);
        JsonNode echo = Json.parse(res.body());
        assertThat(echo.at("/headers/x-consumer-id").asText()).isEqualTo("partner-a");
        assertThat(echo.at("/headers/client-cert").asText()).isEqualTo(clientCert(partnerA));
    }

    @Test
    void aCertificateNamedByFingerprintAuthenticates() throws Exception {
        RawHttp.Response res = get(optional, partnerB, "/partner/echo", "");
        assertThat(res.status()).isEqualTo(200);
        assertThat(Json.parse(res.body()).at("/headers/x-consumer-id").asText()).isEqualTo("partner-b");
    }

    @Test
    void withoutAMatchingCertificateAnMtlsRouteAnswers401() throws Exception {
        for (TestPki.Issued id : new TestPki.Issued[] {null, unknownConsumer, fromStranger}) {
            RawHttp.Response res = get(optional, id, "/partner/echo", "");
            assertThat(res.status()).as(id == null ? "no certificate" : id.cert().getSubjectX500Principal().getName())
                    .isEqualTo(401);
            assertThat(res.header("content-type")).isEqualTo("application/problem+json");
        }
    }

    @Test
    void aClientSentClientCertIsStrippedAndAnUnverifiedOneNeverForwarded() throws Exception {
        JsonNode plain = Json.parse(get(optional, null, "/open/echo", "Client-Cert: :Zm9yZ2Vk:\r\n").body());
        assertThat(plain.at("/headers").has("client-cert")).isFalse();
        JsonNode stranger = Json.parse(get(optional, fromStranger, "/open/echo", "Client-Cert-Chain: :Zm9v:\r\n").body());
        assertThat(stranger.at("/headers").has("client-cert")).isFalse();
        assertThat(stranger.at("/headers").has("client-cert-chain")).isFalse();
        try (RawHttp http = new RawHttp(optional.port())) {
            http.send("GET /open/echo HTTP/1.1\r\nHost: a\r\nClient-Cert: :Zm9yZ2Vk:\r\n\r\n");
            JsonNode overPlaintext = Json.parse(http.read().body());
            assertThat(overPlaintext.at("/headers").has("client-cert")).isFalse();
            assertThat(overPlaintext.at("/headers/x-forwarded-proto").asText()).isEqualTo("http");
        }
    }

    @Test
    void requireFailsTheHandshakeWithoutACertificateFromTheClientCa() throws Exception {
        assertThat(get(require, partnerA, "/partner/echo", "").status()).isEqualTo(200);
        for (TestPki.Issued id : new TestPki.Issued[] {null, fromStranger}) {
            // TLS 1.3 ends the client's handshake before the server judges its certificate: the refusal
            // arrives as an alert instead of the first response.
            Throwable t = catchThrowable(() -> get(require, id, "/partner/echo", ""));
            assertThat(t).as(id == null ? "no certificate" : "unknown CA").isInstanceOf(java.io.IOException.class);
        }
    }
}
