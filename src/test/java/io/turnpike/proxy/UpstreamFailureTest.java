package io.turnpike.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.turnpike.server.Gateway;
import io.turnpike.testing.Json;
import io.turnpike.testing.NoLeaks;
import io.turnpike.testing.RawHttp;
import io.turnpike.testing.TestBackend;
import io.turnpike.testing.TestConfigs;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** What a client sees when the service behind the gateway refuses, stalls, drops or is too slow. */
@ExtendWith(NoLeaks.class)
class UpstreamFailureTest {

    private static int deadPort() throws Exception {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort(); // closed again: connecting to it is refused
        }
    }

    private static RawHttp.Response get(Gateway g, String path) throws Exception {
        try (RawHttp c = new RawHttp(g.port())) {
            c.send("GET " + path + " HTTP/1.1\r\nHost: x\r\n\r\n");
            return c.read();
        }
    }

    @Test
    void skipsANodeThatRefusesConnections() throws Exception {
        try (TestBackend live = new TestBackend("live");
             Gateway g = Gateway.start(TestConfigs.gateway()
                     .service("svc", "http://127.0.0.1:" + deadPort(), live.url())
                     .route("all", "/**", "svc").build())) {
            for (int i = 0; i < 6; i++) {
                RawHttp.Response r = get(g, "/hello");
                assertThat(r.status()).isEqualTo(200);
                assertThat(r.body()).isEqualTo("live");
            }
        }
    }

    @Test
    void answers502WhenEveryNodeRefuses() throws Exception {
        try (Gateway g = Gateway.start(TestConfigs.gateway()
                .service("svc", "http://127.0.0.1:" + deadPort(), "http://127.0.0.1:" + deadPort())
                .route("all", "/**", "svc").build())) {
            RawHttp.Response r = get(g, "/hello");
            assertThat(r.status()).isEqualTo(502);
            assertThat(r.header("content-type")).isEqualTo("application/problem+json");
            JsonNode p = Json.parse(r.body());
            assertThat(p.get("type").asText()).endsWith("/upstream-failed");
            assertThat(p.get("requestId").asText()).isEqualTo(r.header("x-request-id"));
        }
    }

    @Test
    void answers504WhenConnectingTakesTooLong() throws Exception {
        // A listener whose accept queue is full: the kernel drops further SYNs, so connecting hangs.
        try (ServerSocket full = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            List<Socket> fillers = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                Socket s = new Socket();
                try {
                    s.connect(new InetSocketAddress("127.0.0.1", full.getLocalPort()), 200);
                } catch (Exception ignored) {
                    // the queue is full already
                }
                fillers.add(s);
            }
            try (Gateway g = Gateway.start(TestConfigs.gateway()
                    .timeouts(Duration.ofMillis(300), Duration.ofSeconds(5), Duration.ofSeconds(5))
                    .service("svc", "http://127.0.0.1:" + full.getLocalPort())
                    .route("all", "/**", "svc").build())) {
                long t0 = System.nanoTime();
                RawHttp.Response r = get(g, "/hello");
                assertThat(r.status()).isEqualTo(504);
                assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(4));
            } finally {
                for (Socket s : fillers) s.close();
            }
        }
    }

    @Test
    void answers504WhenTheResponseTakesLongerThanTheRequestTimeout() throws Exception {
        try (TestBackend b = new TestBackend("slow");
             Gateway g = Gateway.start(TestConfigs.gateway()
                     .timeouts(Duration.ofSeconds(1), Duration.ofMillis(300), Duration.ofSeconds(5))
                     .service("svc", b.url())
                     .route("all", "/**", "svc").build())) {
            RawHttp.Response r = get(g, "/slow/2000");
            assertThat(r.status()).isEqualTo(504);
            assertThat(Json.parse(r.body()).get("type").asText()).endsWith("/upstream-timeout");
            // the connection is still good for the next request
            assertThat(get(g, "/hello").status()).isEqualTo(200);
        }
    }

    @Test
    void closesTheClientWhenAStartedResponseStalls() throws Exception {
        try (TestBackend b = new TestBackend("stall");
             Gateway g = Gateway.start(TestConfigs.gateway()
                     .timeouts(Duration.ofSeconds(1), Duration.ofSeconds(10), Duration.ofMillis(300))
                     .service("svc", b.url())
                     .route("all", "/**", "svc").build());
             RawHttp c = new RawHttp(g.port())) {
            c.send("GET /stall HTTP/1.1\r\nHost: x\r\n\r\n");
            long t0 = System.nanoTime();
            // Head and 7 of 100 promised bytes arrive, then the gateway gives up and closes.
            RawHttp.Response r = c.read();
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.body()).isEqualTo("partial");
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(3));
        }
    }

    @Test
    void aHeadWhoseBodyIsLateReachesTheClientBeforeTheBody() throws Exception {
        // The gateway may hold a head to send it with a small body in one write: never past the
        // end of what the node sent, or a client would wait for the head of a slow stream.
        try (ServerSocket origin = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            java.util.concurrent.CountDownLatch headSeen = new java.util.concurrent.CountDownLatch(1);
            Thread node = Thread.ofVirtual().start(() -> {
                try (Socket s = origin.accept()) {
                    var in = s.getInputStream();
                    String got = "";
                    while (!got.endsWith("\r\n\r\n")) got += (char) in.read();
                    var out = s.getOutputStream();
                    out.write("HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
                    out.flush();
                    headSeen.await(5, java.util.concurrent.TimeUnit.SECONDS);
                    out.write("late".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
                    out.flush();
                    in.read(); // until the gateway lets go of the connection
                } catch (Exception ignored) {
                    // the test's assertions say what went wrong
                }
            });
            try (Gateway g = Gateway.start(TestConfigs.gateway()
                         .service("svc", "http://127.0.0.1:" + origin.getLocalPort())
                         .route("all", "/**", "svc").build());
                 Socket c = new Socket("127.0.0.1", g.port())) {
                c.setSoTimeout(3000);
                c.getOutputStream().write("GET /x HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
                var in = c.getInputStream();
                String head = "";
                while (!head.endsWith("\r\n\r\n")) head += (char) in.read(); // times out if the head is held
                assertThat(head).startsWith("HTTP/1.1 200").containsIgnoringCase("content-length: 4");
                headSeen.countDown();
                assertThat(new String(in.readNBytes(4), java.nio.charset.StandardCharsets.US_ASCII)).isEqualTo("late");
            } finally {
                headSeen.countDown();
                node.join(5000);
            }
        }
    }

    @Test
    void answers502WhenTheNodeDropsTheConnection() throws Exception {
        try (TestBackend b = new TestBackend("drop");
             Gateway g = Gateway.start(TestConfigs.gateway().service("svc", b.url())
                     .route("all", "/**", "svc").build())) {
            RawHttp.Response r = get(g, "/drop");
            assertThat(r.status()).isEqualTo(502);
        }
    }

    @Test
    void aClientThatGoesAwayCancelsTheUpstreamRequest() throws Exception {
        try (TestBackend b = new TestBackend("b");
             Gateway g = Gateway.start(TestConfigs.gateway().service("svc", b.url())
                     .route("all", "/**", "svc").build())) {
            try (RawHttp c = new RawHttp(g.port())) {
                c.send("GET /slow/5000 HTTP/1.1\r\nHost: x\r\n\r\n");
                long deadline = System.nanoTime() + Duration.ofSeconds(2).toNanos();
                while (b.requests.get() == 0 && System.nanoTime() < deadline) Thread.sleep(10);
            }
            long deadline = System.nanoTime() + Duration.ofSeconds(2).toNanos();
            while (!b.aborted.contains("/slow/5000") && System.nanoTime() < deadline) Thread.sleep(10);
            assertThat(b.aborted).contains("/slow/5000");
            assertThat(g.inFlight()).isZero();
        }
    }

    @Test
    void retriesABodilessRequestOnAPooledConnectionTheNodeClosed() throws Exception {
        try (TestBackend b = new TestBackend("b");
             Gateway g = Gateway.start(TestConfigs.gateway().service("svc", b.url())
                     .route("all", "/**", "svc").build());
             RawHttp c = new RawHttp(g.port())) {
            c.send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n");
            assertThat(c.read().status()).isEqualTo(200);
            // The node answers and closes: the gateway must not hand that connection out again.
            c.send("GET /close HTTP/1.1\r\nHost: x\r\n\r\n");
            assertThat(c.read().status()).isEqualTo(200);
            for (int i = 0; i < 5; i++) {
                c.send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n");
                assertThat(c.read().status()).isEqualTo(200);
            }
        }
    }
}
