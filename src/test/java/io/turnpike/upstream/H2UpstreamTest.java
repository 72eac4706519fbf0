package io.turnpike.upstream;

import static io.turnpike.testing.H2Origin.field;
import static io.turnpike.upstream.Traffic.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.turnpike.config.ConfigLoader;
import io.turnpike.config.GatewayConfig;
import io.turnpike.server.Gateway;
import io.turnpike.testing.H2Origin;
import io.turnpike.testing.NoLeaks;
import io.turnpike.testing.RawHttp;
import io.turnpike.testing.TestBackend;
import io.turnpike.testing.TestCa;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * HTTP/2 to services ({@code protocol: h2c | h2}) through real sockets: HTTP/1.1 clients, the
 * gateway, and a Netty HTTP/2 origin on loopback that counts its connections and streams.
 */
@ExtendWith(NoLeaks.class)
class H2UpstreamTest {
    @TempDir
    Path dir;

    static GatewayConfig config(String protocol, String url, String serviceExtra) {
        ConfigLoader.Result r = ConfigLoader.parse("h2.yaml", """
                server: { listen: "127.0.0.1:0", eventLoops: 1 }
                admin: { listen: off }
                observe: { accessLog: { enabled: false } }
                services:
                  svc:
                    nodes: [ "%s" ]
                    protocol: %s
                    timeouts: { connect: 1s, request: 10s, idle: 10s }
                %s
                routes:
                  - { id: all, match: { path: "/**" }, service: svc }
                """.formatted(url, protocol, serviceExtra), name -> null);
        assertThat(r.problems()).isEmpty();
        return r.config();
    }

    static RawHttp.Response send(Gateway g, String request) throws Exception {
        try (RawHttp c = new RawHttp(g.port())) {
            c.send(request);
            return c.read();
        }
    }

    @Test
    void getAndPostGoAsStreamsWithTrailersRelayedAndConnectionHeadersLeftBehind() throws Exception {
        try (H2Origin origin = new H2Origin(null, null);
             Gateway g = Gateway.start(config("h2c", origin.url(), ""))) {
            RawHttp.Response r = send(g, "GET /echo?x=1 HTTP/1.1\r\nHost: api.example.com\r\nConnection: keep-alive, X-Hop\r\n"
                    + "X-Hop: 1\r\nKeep-Alive: timeout=5\r\nTE: trailers, deflate\r\nUpgrade: h2c\r\nX-Custom: yes\r\n\r\n");
            assertThat(r.status()).isEqualTo(200);
            assertThat(field(r.body(), "method")).isEqualTo("GET");
            assertThat(field(r.body(), "path")).isEqualTo("/echo?x=1");
            assertThat(field(r.body(), "host")).isEqualTo("api.example.com"); // :authority, from Host
            assertThat(field(r.body(), "x-custom")).isEqualTo("yes");
            assertThat(field(r.body(), "te")).isEqualTo("trailers"); // only that value
            for (String gone : List.of("connection", "keep-alive", "x-hop", "upgrade", "transfer-encoding")) {
                assertThat(field(r.body(), gone)).as(gone).isNull();
            }
            // The origin's trailer reaches the client in the chunked body; HTTP/2 bookkeeping does not.
            assertThat(r.header("transfer-encoding")).isEqualTo("chunked");
            assertThat(r.header("trailer:x-checksum")).isNotNull();
            assertThat(r.headers().keySet()).noneMatch(h -> h.startsWith("x-http2"));

            byte[] data = new byte[300_000];
            for (int i = 0; i < data.length; i++) data[i] = (byte) (i * 7);
            try (RawHttp c = new RawHttp(g.port())) {
                c.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: " + data.length + "\r\n\r\n");
                c.sendBytes(data);
                RawHttp.Response post = c.read();
                assertThat(post.status()).isEqualTo(200);
                assertThat(field(post.body(), "bodySha256")).isEqualTo(sha256(data));
                assertThat(post.header("trailer:x-checksum")).isEqualTo(sha256(data).substring(0, 8));
            }
            RawHttp.Response big = send(g, "GET /big?n=5000000 HTTP/1.1\r\nHost: x\r\n\r\n");
            assertThat(big.status()).isEqualTo(200);
            assertThat(big.body()).hasSize(5_000_000);
            assertThat(origin.connections.get()).isEqualTo(1); // every request a stream of one connection
        }
    }

    @Test
    void aHundredConcurrentRequestsAreMultiplexedOnOneConnection() throws Exception {
        try (H2Origin origin = new H2Origin(null, null);
             Gateway g = Gateway.start(config("h2c", origin.url(), ""));
             ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<Integer>> answers = holdMany(g, pool, 100);
            await(5_000, "100 requests in flight at the origin", () -> origin.inFlight.get() == 100);
            origin.release();
            for (Future<Integer> f : answers) assertThat(f.get()).isEqualTo(200);
            assertThat(origin.connections.get()).isEqualTo(1);
            assertThat(origin.requests.get()).isEqualTo(100);
        }
    }

    @Test
    void opensAnotherConnectionWhenTheNodesStreamLimitIsReached() throws Exception {
        try (H2Origin origin = new H2Origin(null, 10L);
             Gateway g = Gateway.start(config("h2c", origin.url(), ""));
             ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<Integer>> answers = holdMany(g, pool, 30);
            await(5_000, "30 requests in flight at the origin", () -> origin.inFlight.get() == 30);
            assertThat(origin.connections.get()).isEqualTo(3); // 10 streams each, as the node's SETTINGS say
            origin.release();
            for (Future<Integer> f : answers) assertThat(f.get()).isEqualTo(200);
            assertThat(origin.requests.get()).isEqualTo(30); // none refused and sent again
        }
    }

    @Test
    void aStreamTheNodeDidNotProcessBeforeGoAwayIsSentAgainOnANewConnection() throws Exception {
        try (H2Origin origin = new H2Origin(null, null);
             Gateway g = Gateway.start(config("h2c", origin.url(), ""))) {
            RawHttp.Response r = send(g, "GET /goaway HTTP/1.1\r\nHost: x\r\n\r\n");
            assertThat(r.status()).isEqualTo(200);
            assertThat(field(r.body(), "conn")).isEqualTo("2");
            // The connection that said GOAWAY takes no new stream.
            RawHttp.Response next = send(g, "GET /echo HTTP/1.1\r\nHost: x\r\n\r\n");
            assertThat(field(next.body(), "conn")).isEqualTo("2");
            assertThat(origin.connections.get()).isEqualTo(2);
        }
    }

    @Test
    void speaksH2OverTlsNegotiatedWithAlpn() throws Exception {
        TestCa ca = TestCa.ca("Test CA");
        Path caPem = ca.writeCert(dir, "ca.pem");
        TestCa.Issued cert = ca.issue("origin", List.of("ip:127.0.0.1"));
        SslContext ssl = SslContextBuilder.forServer(cert.key(), cert.cert()).sslProvider(SslProvider.JDK)
                .applicationProtocolConfig(new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
                        ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                        ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT, ApplicationProtocolNames.HTTP_2))
                .build();
        String tls = "    tls: { ca: \"" + caPem + "\" }";
        try (H2Origin origin = new H2Origin(ssl, null);
             Gateway g = Gateway.start(config("h2", origin.url(), tls))) {
            RawHttp.Response r = send(g, "GET /echo HTTP/1.1\r\nHost: x\r\n\r\n");
            assertThat(r.status()).isEqualTo(200);
            assertThat(field(r.body(), "method")).isEqualTo("GET");
            assertThat(send(g, "GET /echo HTTP/1.1\r\nHost: x\r\n\r\n").status()).isEqualTo(200);
            assertThat(origin.connections.get()).isEqualTo(1);
        }
        // A node that only speaks HTTP/1.1 over TLS is refused, never sent HTTP/2 bytes it cannot read.
        SslContext http1 = SslContextBuilder.forServer(cert.key(), cert.cert()).sslProvider(SslProvider.JDK)
                .applicationProtocolConfig(new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
                        ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                        ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT,
                        ApplicationProtocolNames.HTTP_1_1))
                .build();
        try (TestBackend old = new TestBackend("old", http1);
             Gateway g = Gateway.start(config("h2", old.url(), tls))) {
            RawHttp.Response r = send(g, "GET /echo HTTP/1.1\r\nHost: x\r\n\r\n");
            assertThat(r.status()).isEqualTo(502);
            assertThat(old.requests.get()).isZero();
        }
    }

    private static List<Future<Integer>> holdMany(Gateway g, ExecutorService pool, int n) {
        List<Future<Integer>> answers = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            answers.add(pool.submit((Callable<Integer>) () -> send(g, "GET /hold HTTP/1.1\r\nHost: x\r\n\r\n").status()));
        }
        return answers;
    }

    private static String sha256(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }

    /**
     * What a node hears of the gateway's flow control: {@code http2.initialWindowSize} as each
     * stream's window in the gateway's SETTINGS, and the connection's window raised with it by a
     * WINDOW_UPDATE before the first request (none when the window is HTTP/2's default).
     */
    @Test
    void theServicesWindowIsWhatTheNodeMaySendBeforeTheGatewayReads() throws Exception {
        for (int window : new int[] {1 << 20, 65_535}) {
            try (java.net.ServerSocket node = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress());
                 Gateway g = Gateway.start(config("h2c", "http://127.0.0.1:" + node.getLocalPort(),
                         "    http2: { initialWindowSize: " + window + " }"))) {
                Thread client = Thread.ofVirtual().start(() -> {
                    try (RawHttp c = new RawHttp(g.port())) {
                        c.send("GET /x HTTP/1.1\r\nHost: a\r\n\r\n").read();
                    } catch (Exception ignored) {
                        // the node never answers; the connection closes with the test
                    }
                });
                try (java.net.Socket s = node.accept()) {
                    s.setSoTimeout(5000);
                    java.io.DataInputStream in = new java.io.DataInputStream(s.getInputStream());
                    in.readFully(new byte[24]); // the preface
                    s.getOutputStream().write(new byte[] {0, 0, 0, 4, 0, 0, 0, 0, 0}); // the node's SETTINGS
                    long settingsWindow = -1;
                    long connectionGrowth = 0;
                    while (true) {
                        byte[] h = new byte[9];
                        in.readFully(h);
                        byte[] p = new byte[(h[0] & 0xff) << 16 | (h[1] & 0xff) << 8 | h[2] & 0xff];
                        in.readFully(p);
                        int stream = java.nio.ByteBuffer.wrap(h, 5, 4).getInt();
                        if (h[3] == 4 && (h[4] & 1) == 0) { // SETTINGS
                            for (int i = 0; i + 6 <= p.length; i += 6) {
                                if (java.nio.ByteBuffer.wrap(p, i, 2).getShort() == 4) {
                                    settingsWindow = java.nio.ByteBuffer.wrap(p, i + 2, 4).getInt() & 0xffffffffL;
                                }
                            }
                        } else if (h[3] == 8 && stream == 0) { // WINDOW_UPDATE on the connection
                            connectionGrowth += java.nio.ByteBuffer.wrap(p).getInt();
                        } else if (h[3] == 1) { // the request's HEADERS: everything before it is in
                            break;
                        }
                    }
                    assertThat(settingsWindow).as("SETTINGS_INITIAL_WINDOW_SIZE").isEqualTo(window);
                    // Netty's codec grows the connection by twice what each stream's window grew
                    assertThat(connectionGrowth).as("the connection's WINDOW_UPDATE").isEqualTo(2 * (window - 65_535L));
                }
                client.join(10_000);
            }
        }
    }
}
