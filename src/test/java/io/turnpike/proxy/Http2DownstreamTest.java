package io.turnpike.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.turnpike.server.Gateway;
import io.turnpike.testing.H2Client;
import io.turnpike.testing.NoLeaks;
import io.turnpike.testing.RawH2;
import io.turnpike.testing.RawHttp;
import io.turnpike.testing.TestBackend;
import io.turnpike.testing.TestConfigs;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * HTTP/2 from clients on the plaintext listener (h2c with prior knowledge) to an HTTP/1.1 service:
 * each stream is one exchange through the same router, policies and upstream engine.
 */
@ExtendWith(NoLeaks.class)
class Http2DownstreamTest {
    static TestBackend backend;
    static Gateway gateway;

    @BeforeAll
    static void start() throws Exception {
        backend = new TestBackend("b1");
        gateway = Gateway.start(TestConfigs.gateway().eventLoops(1)
                .service("svc", backend.url())
                .route("all", "/**", "svc")
                .build());
    }

    @AfterAll
    static void stop() {
        gateway.close();
        backend.close();
    }

    @Test
    void aStreamIsProxiedToAnHttp1Service() throws Exception {
        try (H2Client c = new H2Client(gateway.port())) {
            H2Client.Response r = c.get("/echo/x?y=1");
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.headers().get("x-request-id")).isNotBlank();
            assertThat(r.headers().contains("connection")).isFalse();
            assertThat(r.text()).contains("\"method\":\"GET\"").contains("\"uri\":\"/echo/x?y=1\"")
                    .contains("\"via\":").doesNotContain("x-http2").contains("\"host\":\"127.0.0.1:");
        }
    }

    @Test
    void aBodyStreamsToTheServiceWhole() throws Exception {
        byte[] body = new byte[3 << 20];
        new java.util.Random(7).nextBytes(body);
        String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(body));
        try (H2Client c = new H2Client(gateway.port())) {
            H2Client.Response r = c.send(HttpMethod.POST, "/echo", null, body).get(20, TimeUnit.SECONDS);
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.text()).contains("\"bodyBytes\":" + body.length).contains(sha);
        }
    }

    @Test
    void aLargeResponseReachesTheClientWhole() throws Exception {
        try (H2Client c = new H2Client(gateway.port())) {
            H2Client.Response r = c.get("/bytes/" + (8 << 20));
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.body()).hasSize(8 << 20);
        }
    }

    @Test
    void aHundredStreamsRunAtOnceOnOneConnection() throws Exception {
        int before = backend.requests.get();
        try (H2Client c = new H2Client(gateway.port())) {
            List<CompletableFuture<H2Client.Response>> all = new ArrayList<>();
            for (int i = 0; i < 100; i++) all.add(c.send(HttpMethod.GET, "/slow/300", null, null));
            long t0 = System.nanoTime();
            for (var f : all) assertThat(f.get(20, TimeUnit.SECONDS).status()).isEqualTo(200);
            assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0))
                    .as("concurrent, not one after another (100 x 300 ms)").isLessThan(10_000);
        }
        assertThat(backend.requests.get() - before).isEqualTo(100);
    }

    @Test
    void theGatewaysOwnAnswersAreProblemsOverH2Too() throws Exception {
        try (Gateway g = Gateway.start(TestConfigs.gateway().service("svc", backend.url())
                .route("only", "/only/**", "svc").build());
             H2Client c = new H2Client(g.port())) {
            H2Client.Response r = c.get("/nowhere");
            assertThat(r.status()).isEqualTo(404);
            assertThat(r.headers().get("content-type")).startsWith("application/problem+json");
            assertThat(r.text()).contains("no route for GET /nowhere");
        }
    }

    @Test
    void http1StillWorksAndAnH2cUpgradeIsNeverHonoured() throws Exception {
        try (RawHttp c = new RawHttp(gateway.port())) {
            c.send("GET /echo HTTP/1.1\r\nHost: x\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\n"
                    + "HTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n\r\n");
            RawHttp.Response r = c.read();
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.body()).doesNotContain("\"upgrade\"").doesNotContain("http2-settings");
        }
    }

    @Test
    void aSpoofedExtensionHeaderNeverReachesTheService() throws Exception {
        try (H2Client c = new H2Client(gateway.port())) {
            H2Client.Response r = c.send(HttpMethod.GET, "/echo", new DefaultHttpHeaders()
                    .set("x-http2-scheme", "https").set("x-http2-stream-id", "99"), null).get(10, TimeUnit.SECONDS);
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.text()).doesNotContain("x-http2").contains("\"x-forwarded-proto\":\"http\"");
        }
    }

    @Test
    void rapidResetIsBoundedAndTheGatewayKeepsServing() throws Exception {
        TestBackend slow = new TestBackend("slow", 50);
        try (Gateway g = Gateway.start(TestConfigs.gateway().eventLoops(1).service("svc", slow.url())
                .route("all", "/**", "svc").build())) {
            try (H2Client attacker = new H2Client(g.port())) {
                attacker.rapidReset("/x", 2000);
                for (int i = 0; i < 50 && attacker.isOpen(); i++) Thread.sleep(20);
                assertThat(attacker.isOpen()).as("the flooding connection is closed").isFalse();
            }
            Thread.sleep(300); // anything that was sent on reaches the origin by now
            assertThat(slow.requests.get()).as("requests the origin saw").isLessThanOrEqualTo(250);
            try (H2Client c = new H2Client(g.port())) {
                assertThat(c.get("/after").status()).isEqualTo(200);
            }
        } finally {
            slow.close();
        }
    }

    @Test
    void theServicesTrailersReachTheH2Client() throws Exception {
        try (H2Client c = new H2Client(gateway.port())) {
            H2Client.Response r = c.get("/trailers");
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.text()).isEqualTo("hello world");
            assertThat(r.trailers().get("x-checksum")).isEqualTo("abc123");
        }
    }

    @Test
    void aGrpcCallerGetsTheGatewaysErrorsAsTrailersOnlyGrpcStatuses() throws Exception {
        int closed;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            closed = s.getLocalPort();
        }
        var observe = new io.turnpike.observe.Observability(
                new io.turnpike.observe.AccessLogSettings(false, io.turnpike.observe.AccessLogSettings.STDOUT, 1.0));
        try (observe;
             Gateway g = Gateway.start(TestConfigs.gateway().service("gone", "http://127.0.0.1:" + closed)
                .route("svc", "/pkg.Svc/**", "gone").build(), observe);
             H2Client c = new H2Client(g.port())) {
            var grpc = new DefaultHttpHeaders().set("content-type", "application/grpc").set("te", "trailers");
            H2Client.Response noRoute = c.send(HttpMethod.POST, "/other.Svc/Call", grpc, new byte[5])
                    .get(10, TimeUnit.SECONDS);
            assertThat(noRoute.status()).isEqualTo(200);
            assertThat(noRoute.headers().get("grpc-status")).isEqualTo("12"); // UNIMPLEMENTED
            assertThat(noRoute.headers().get("content-type")).isEqualTo("application/grpc");
            assertThat(noRoute.body()).isEmpty();
            H2Client.Response down = c.send(HttpMethod.POST, "/pkg.Svc/Call", grpc, new byte[5]).get(10, TimeUnit.SECONDS);
            assertThat(down.headers().get("grpc-status")).isEqualTo("14"); // UNAVAILABLE
            assertThat(down.headers().get("grpc-message")).contains("service gone");
            assertThat(down.headers().get("x-request-id")).isNotBlank();
            H2Client.Response plain = c.get("/other");
            assertThat(plain.status()).as("not a gRPC call: problem+json as ever").isEqualTo(404);
            assertThat(observe.scrape()).contains("turnpike_grpc_responses_total{code=\"14\",route=\"svc\"} 1.0")
                    .contains("turnpike_grpc_responses_total{code=\"12\",route=\"none\"} 1.0");
        }
    }

    @Test
    void aContinuationFloodClosesTheConnectionAndTheGatewayKeepsServing() throws Exception {
        try (java.net.Socket s = new java.net.Socket("127.0.0.1", gateway.port())) {
            s.setSoTimeout(5000);
            var out = new java.io.ByteArrayOutputStream();
            out.writeBytes("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            out.writeBytes(new byte[] {0, 0, 0, 4, 0, 0, 0, 0, 0}); // SETTINGS, empty
            out.writeBytes(new byte[] {0, 0, 1, 1, 0, 0, 0, 0, 1, (byte) 0x82}); // HEADERS without END_HEADERS
            byte[] continuation = {0, 0, 0, 9, 0, 0, 0, 0, 1}; // empty CONTINUATION frames, never ending
            for (int i = 0; i < 10_000; i++) out.writeBytes(continuation);
            try {
                s.getOutputStream().write(out.toByteArray());
            } catch (java.io.IOException closedEarly) {
                // the gateway may close before it has read it all
            }
            var in = s.getInputStream();
            byte[] buf = new byte[8192];
            long read = 0;
            try {
                for (int n; (n = in.read(buf)) >= 0; ) read += n;
            } catch (java.net.SocketException reset) {
                // closed with unread input: a reset is a close too
            }
            assertThat(read).as("the gateway said SETTINGS (and GOAWAY), then closed").isPositive();
        }
        try (H2Client c = new H2Client(gateway.port())) {
            assertThat(c.get("/after").status()).isEqualTo(200);
        }
    }

    @Test
    void aClientThatStopsReadingStopsTheGatewayReadingTheService() throws Exception {
        TestBackend big = new TestBackend("big");
        try (Gateway g = Gateway.start(TestConfigs.gateway().service("svc", big.url()).route("all", "/**", "svc").build());
             H2Client c = new H2Client(g.port())) {
            var stream = c.stalled("/bytes/" + (512L << 20));
            Thread.sleep(2000); // unpaced, loopback moves 512 MiB in well under this
            long sent = big.streamed.get();
            assertThat(sent).as("what the service could write while the client read nothing").isLessThan(32L << 20);
            stream.close();
        } finally {
            big.close();
        }
    }

    @Test
    void theHeadRulesOfHttp11HoldOverH2() throws Exception {
        try (H2Client c = new H2Client(gateway.port())) {
            DefaultHttpHeaders many = new DefaultHttpHeaders();
            for (int i = 0; i < 120; i++) many.add("x-h" + i, "v");
            assertThat(c.send(HttpMethod.GET, "/echo", many, null).get(10, TimeUnit.SECONDS).status())
                    .as("over server.limits.maxHeaders").isEqualTo(431);
            H2Client.Response r = c.send(HttpMethod.GET, "/echo", new DefaultHttpHeaders().set("x_user", "admin"), null)
                    .get(10, TimeUnit.SECONDS);
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.text()).as("a name with _ is dropped (headersWithUnderscores: drop)").doesNotContain("x_user");
        }
    }

    @Test
    void aClientThatNeverFinishesThePrefaceIsClosedAtTheHeaderTimeout() throws Exception {
        io.turnpike.config.Limits d = io.turnpike.config.Limits.DEFAULT;
        try (Gateway g = Gateway.start(TestConfigs.gateway().service("svc", backend.url()).route("all", "/**", "svc")
                .limits(new io.turnpike.config.Limits(d.maxHeaderBytes(), d.maxUriBytes(), d.maxBodyBytes(),
                        java.time.Duration.ofMillis(400), d.idleTimeout(), d.maxConnections())).build());
             java.net.Socket s = new java.net.Socket("127.0.0.1", g.port())) {
            s.setSoTimeout(5000);
            s.getOutputStream().write("PRI * HTTP/2.0\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            long t0 = System.nanoTime();
            assertThat(s.getInputStream().read()).as("closed, nothing said").isEqualTo(-1);
            assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)).isLessThan(4000);
        }
    }

    @Test
    void aClientWhoseWindowsTakeNoAnswersIsClosedAfterTheIdleTimeEvenWhilePinging() throws Exception {
        // HTTP/2's internal data buffering (CVE-2019-9517): windows left at zero, every answer the
        // client asks for waits in the gateway, for as long as the client keeps the connection.
        io.turnpike.config.Limits d = io.turnpike.config.Limits.DEFAULT;
        java.time.Duration idle = java.time.Duration.ofMillis(600);
        try (Gateway g = Gateway.start(TestConfigs.gateway().service("svc", backend.url()).route("all", "/**", "svc")
                     .limits(new io.turnpike.config.Limits(d.maxHeaderBytes(), d.maxUriBytes(), d.maxBodyBytes(),
                             d.headerTimeout(), idle, d.maxConnections())).build())) {
            try (RawH2 c = new RawH2(g.port())) {
                c.frame(RawH2.SETTINGS, 0, 0, new byte[] {0, 4, 0, 0, 0, 0}); // SETTINGS_INITIAL_WINDOW_SIZE 0
                c.silence(150);
                for (int i = 0; i < 20; i++) c.headers(1 + 2 * i, true, c.get("/bytes/20000"));
                long t0 = System.nanoTime();
                String outcome = "no answer";
                while (outcome.equals("no answer") && System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(5)) {
                    c.frame(RawH2.PING, 0, 0, new byte[8]); // alive, but taking nothing
                    outcome = c.outcome(0);
                }
                assertThat(outcome).as("what ends the connection").isIn("GOAWAY NO_ERROR", "closed");
                assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)).as("within two idle times")
                        .isBetween(idle.toMillis() - 100, 2 * idle.toMillis() + 1000);
            }
            try (RawH2 c = new RawH2(g.port())) {
                // a stream that waits on its node longer than the idle time has nothing waiting on the client
                assertThat(c.serves(1, "/slow/1500")).isEqualTo("answered 200");
            }
        }
    }

    @Test
    void aGrpcTimeoutTooLargeToAddIsNoDeadline() throws Exception {
        try (H2Client c = new H2Client(gateway.port())) {
            H2Client.Response r = c.send(HttpMethod.POST, "/echo", new DefaultHttpHeaders()
                    .set("content-type", "application/grpc").set("grpc-timeout", "99999999H"), new byte[5])
                    .get(10, TimeUnit.SECONDS);
            assertThat(r.headers().get("grpc-status")).as("not an instant DEADLINE_EXCEEDED").isNull();
            assertThat(r.text()).contains("\"bodyBytes\":5");
        }
    }
}
