package io.turnpike.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import io.turnpike.config.ConfigLoader;
import io.turnpike.testing.Json;
import io.turnpike.testing.NoLeaks;
import io.turnpike.testing.RawHttp;
import io.turnpike.testing.TestBackend;
import io.turnpike.testing.TestPki;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
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
 * The TLS listener through real sockets: SNI picks among three certificates (RSA, ECDSA with an
 * intermediate in its PEM, a default), old protocol versions are refused, keep-alive works, the
 * service hears https, plaintext is redirected, and a large body streams both ways.
 */
@ParameterizedClass(name = "on {0}")
@ValueSource(strings = {"openssl", "jdk"})
@ExtendWith(NoLeaks.class)
class TlsListenerTest {
    /** The listener's TLS engine: BoringSSL, and the JDK's (where OpenSSL does not load). */
    @Parameter
    String engine;

    static final String CONFIG = """
            server:
              listen: "127.0.0.1:0"
              eventLoops: 1
              limits: { maxBodyBytes: 100MiB }
              tls:
                listen: "127.0.0.1:0"
                certificates:
                  - { cert: certs/api.pem, key: certs/api.key }
                  - { cert: certs/partners.pem, key: certs/partners.key, hosts: ["*.partners.example"] }
                  - { cert: certs/default.pem, key: certs/default.key }
                defaultCertificate: 2
                redirectHttp: true
            admin: { listen: off }
            observe: { accessLog: { enabled: false } }
            services:
              svc: { nodes: [ "%s" ] }
            routes:
              - { id: all, match: { path: "/**" }, service: svc }
            """;

    @TempDir
    static Path dir;
    static TestBackend backend;
    static Gateway gateway;
    static TestPki.Issued root;
    static TestPki.Issued api;
    static TestPki.Issued partners;
    static TestPki.Issued fallback;
    static SSLContext client;

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
        root = TestPki.ca("Test Root");
        TestPki.Issued intermediate = TestPki.intermediate(root, "Test Intermediate");
        api = TestPki.server(root, "api.example.com", false, "api.example.com");
        partners = TestPki.server(intermediate, "partners", true, "partners.internal");
        fallback = TestPki.server(root, "default.example", true, "default.example");
        Path certs = Files.createDirectories(dir.resolve("certs"));
        api.write(certs.resolve("api.pem"), certs.resolve("api.key"));
        partners.write(certs.resolve("partners.pem"), certs.resolve("partners.key"));
        fallback.write(certs.resolve("default.pem"), certs.resolve("default.key"));
        Path file = dir.resolve("turnpike.yaml");
        Files.writeString(file, CONFIG.formatted(backend.url()));
        ConfigLoader.Result r = ConfigLoader.load(file);
        assertThat(r.problems()).isEmpty();
        gateway = Gateway.start(r.config());
        client = TestPki.clientContext(root, null);
    }

    @AfterParameterizedClassInvocation
    static void stop() {
        if (gateway != null) gateway.close();
        if (backend != null) backend.close();
    }

    private static java.math.BigInteger servedSerial(String serverName) throws Exception {
        // a client of its own each time: the JDK resumes a cached session per host:port, sending that
        // session's server name instead of the one asked for
        try (SSLSocket s = TestPki.connect(TestPki.clientContext(root, null), gateway.tlsPort(), serverName)) {
            return TestPki.served(s).getSerialNumber();
        }
    }

    @Test
    void sniChoosesTheExactNameThenAOneLabelWildcardElseTheDefault() throws Exception {
        assertThat(servedSerial("api.example.com")).isEqualTo(api.serial());
        assertThat(servedSerial("API.Example.COM")).isEqualTo(api.serial());
        // hosts: replaces the SANs; the ECDSA chain is verified through the intermediate in its PEM
        assertThat(servedSerial("eu.partners.example")).isEqualTo(partners.serial());
        assertThat(servedSerial("partners.internal")).isEqualTo(fallback.serial());
        assertThat(servedSerial("a.eu.partners.example")).isEqualTo(fallback.serial());
        assertThat(servedSerial("unknown.example")).isEqualTo(fallback.serial());
        assertThat(servedSerial(null)).isEqualTo(fallback.serial());
    }

    @Test
    void tls11IsRefusedAndTls12Accepted() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(OpenSsl.isAvailable(), "an OpenSSL client can still offer TLSv1.1");
        assertThat(handshake("TLSv1.1")).isFalse();
        assertThat(handshake("TLSv1.2")).isTrue();
        assertThat(handshake("TLSv1.3")).isTrue();
    }

    /** A handshake from a client (BoringSSL, which still speaks TLSv1.1) offering only {@code protocol}. */
    private static boolean handshake(String protocol) throws Exception {
        SslContext ctx = SslContextBuilder.forClient().sslProvider(SslProvider.OPENSSL)
                .trustManager(InsecureTrustManagerFactory.INSTANCE).protocols(protocol).build();
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        try {
            SslHandler[] ssl = new SslHandler[1];
            Channel ch = new Bootstrap().group(group).channel(NioSocketChannel.class)
                    .handler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel c) {
                            ssl[0] = ctx.newHandler(c.alloc(), "api.example.com", gateway.tlsPort());
                            c.pipeline().addLast(ssl[0]);
                        }
                    })
                    .connect("127.0.0.1", gateway.tlsPort()).sync().channel();
            boolean ok = ssl[0].handshakeFuture().await(5, TimeUnit.SECONDS) && ssl[0].handshakeFuture().isSuccess();
            if (ok) assertThat(ssl[0].engine().getSession().getProtocol()).isEqualTo(protocol);
            ch.close().sync();
            return ok;
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }

    @Test
    void keepAliveServesTwoRequestsOnOneConnectionAndTheServiceHearsHttps() throws Exception {
        try (SSLSocket s = TestPki.connect(client, gateway.tlsPort(), "api.example.com");
             RawHttp http = new RawHttp(s)) {
            for (int i = 0; i < 2; i++) {
                http.send("GET /echo/" + i + " HTTP/1.1\r\nHost: api.example.com\r\nX-Forwarded-Proto: http\r\n\r\n");
                RawHttp.Response res = http.read();
                assertThat(res.status()).isEqualTo(200);
                JsonNode echo = Json.parse(res.body());
                assertThat(echo.at("/uri").asText()).isEqualTo("/echo/" + i);
                assertThat(echo.at("/headers/x-forwarded-proto").asText()).isEqualTo("https");
                assertThat(echo.at("/headers/forwarded").asText()).contains("proto=https");
            }
            assertThat(s.isClosed()).isFalse();
        }
    }

    @Test
    void alpnChoosesH2WhenTheClientOffersItAndHttp11Otherwise() throws Exception {
        for (String[] offer : new String[][] {{"h2", "http/1.1"}, {"http/1.1"}}) {
            try (SSLSocket s = (SSLSocket) client.getSocketFactory().createSocket("127.0.0.1", gateway.tlsPort())) {
                javax.net.ssl.SSLParameters p = s.getSSLParameters();
                p.setServerNames(java.util.List.of(new javax.net.ssl.SNIHostName("api.example.com")));
                p.setApplicationProtocols(offer);
                s.setSSLParameters(p);
                s.startHandshake();
                assertThat(s.getApplicationProtocol()).isEqualTo(offer[0]);
            }
        }
    }

    @Test
    void anH2ClientIsServedOverTls() throws Exception {
        io.netty.handler.ssl.SslContext tls = io.netty.handler.ssl.SslContextBuilder.forClient()
                .trustManager(root.cert())
                .applicationProtocolConfig(new io.netty.handler.ssl.ApplicationProtocolConfig(
                        io.netty.handler.ssl.ApplicationProtocolConfig.Protocol.ALPN,
                        io.netty.handler.ssl.ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                        io.netty.handler.ssl.ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT, "h2"))
                .build();
        try (io.turnpike.testing.H2Client c = new io.turnpike.testing.H2Client(gateway.tlsPort(), tls, "api.example.com")) {
            for (int i = 0; i < 2; i++) {
                io.turnpike.testing.H2Client.Response r = c.get("/echo/h2-" + i);
                assertThat(r.status()).isEqualTo(200);
                JsonNode echo = Json.parse(r.text());
                assertThat(echo.at("/uri").asText()).isEqualTo("/echo/h2-" + i);
                assertThat(echo.at("/headers/x-forwarded-proto").asText()).isEqualTo("https");
            }
        }
    }

    @Test
    void plaintextRequestsAreRedirectedToHttpsOnTheTlsPort() throws Exception {
        int before = backend.requests.get();
        try (RawHttp http = new RawHttp(gateway.port())) {
            http.send("POST /orders/7?x=1&y=2 HTTP/1.1\r\nHost: api.example.com:8080\r\nContent-Length: 0\r\n\r\n");
            RawHttp.Response res = http.read();
            assertThat(res.status()).isEqualTo(308);
            assertThat(res.header("location"))
                    .isEqualTo("https://api.example.com:" + gateway.tlsPort() + "/orders/7?x=1&y=2");
        }
        assertThat(backend.requests.get()).as("nothing is proxied in plaintext").isEqualTo(before);
    }

    @Test
    void aLargeBodyStreamsThroughTlsBothWays() throws Exception {
        long size = 64L * 1024 * 1024;
        MessageDigest sent = MessageDigest.getInstance("SHA-256");
        try (SSLSocket s = TestPki.connect(client, gateway.tlsPort(), "api.example.com")) {
            s.setSoTimeout(60_000);
            OutputStream out = s.getOutputStream();
            out.write(("POST /echo HTTP/1.1\r\nHost: api.example.com\r\nContent-Length: " + size + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            byte[] chunk = new byte[64 * 1024];
            for (long n = 0; n < size; n += chunk.length) {
                for (int i = 0; i < chunk.length; i++) chunk[i] = (byte) ((n + i) % 251);
                sent.update(chunk);
                out.write(chunk);
            }
            out.flush();
            RawHttp http = new RawHttp(s);
            RawHttp.Response res = http.read();
            assertThat(res.status()).isEqualTo(200);
            JsonNode echo = Json.parse(res.body());
            assertThat(echo.at("/bodyBytes").asLong()).isEqualTo(size);
            assertThat(echo.at("/bodySha256").asText()).isEqualTo(HexFormat.of().formatHex(sent.digest()));

            out.write(("GET /bytes/" + size + " HTTP/1.1\r\nHost: api.example.com\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            String head = readHead(in);
            assertThat(head).startsWith("HTTP/1.1 200").containsIgnoringCase("content-length: " + size);
            long got = 0;
            byte[] buf = new byte[256 * 1024];
            while (got < size) {
                int n = in.read(buf, 0, (int) Math.min(buf.length, size - got));
                if (n < 0) break;
                got += n;
            }
            assertThat(got).isEqualTo(size);
        }
    }

    private static String readHead(InputStream in) throws java.io.IOException {
        StringBuilder b = new StringBuilder();
        while (!b.toString().endsWith("\r\n\r\n")) {
            int c = in.read();
            if (c < 0) break;
            b.append((char) c);
        }
        return b.toString();
    }
}
