package io.turnpike.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.turnpike.config.ConfigLoader;
import io.turnpike.config.GatewayConfig;
import io.turnpike.server.Gateway;
import io.turnpike.testing.KeepAliveLoad;
import io.turnpike.testing.NoLeaks;
import io.turnpike.testing.RawHttp;
import io.turnpike.testing.TestBackend;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Retries: on another node, only when safe, within a budget and the request's deadline. */
@ExtendWith(NoLeaks.class)
class RetryTest {

    /** A node that answers every request with one fixed status (or drops it), counting requests. */
    static final class FailingNode implements AutoCloseable {
        final ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        final AtomicInteger requests = new AtomicInteger();
        private final Thread acceptor;

        FailingNode(int status) throws IOException {
            acceptor = new Thread(() -> {
                while (!server.isClosed()) {
                    try {
                        Socket s = server.accept();
                        Thread.ofVirtual().start(() -> serve(s, status));
                    } catch (IOException e) {
                        return;
                    }
                }
            });
            acceptor.setDaemon(true);
            acceptor.start();
        }

        private void serve(Socket s, int status) {
            try (s; InputStream in = s.getInputStream(); OutputStream out = s.getOutputStream()) {
                while (readHead(in)) {
                    requests.incrementAndGet();
                    if (status == 0) return; // drop the connection without an answer
                    out.write(("HTTP/1.1 " + status + " Failing\r\nContent-Length: 4\r\n\r\nfail")
                            .getBytes(StandardCharsets.ISO_8859_1));
                    out.flush();
                }
            } catch (IOException ignored) {
                // the gateway closed it
            }
        }

        private static boolean readHead(InputStream in) throws IOException {
            int state = 0;
            for (int c; (c = in.read()) != -1; ) {
                state = (c == '\n') ? state + 1 : (c == '\r' ? state : 0);
                if (state == 2) return true;
            }
            return false;
        }

        String url() {
            return "http://127.0.0.1:" + server.getLocalPort();
        }

        @Override
        public void close() throws IOException {
            server.close();
        }
    }

    private static GatewayConfig config(String retries, String routeExtra, String... urls) {
        String nodes = String.join(", ", java.util.Arrays.stream(urls).map(u -> "\"" + u + "\"").toList());
        ConfigLoader.Result r = ConfigLoader.parse("retry.yaml", """
                server: { listen: "127.0.0.1:0", eventLoops: 1 }
                admin: { listen: off }
                observe: { accessLog: { enabled: false } }
                services:
                  svc:
                    nodes: [ %s ]
                    timeouts: { connect: 1s, request: 5s, idle: 5s }
                    retries: %s
                routes:
                  - id: all
                    match: { path: "/**" }
                    service: svc
                %s""".formatted(nodes, retries, routeExtra), name -> null);
        assertThat(r.problems()).isEmpty();
        return r.config();
    }

    private static int send(Gateway g, String method) throws Exception {
        try (RawHttp c = new RawHttp(g.port())) {
            c.send(method + " /hello HTTP/1.1\r\nHost: x\r\n\r\n");
            return c.read().status();
        }
    }

    @Test
    void aGetThatGets503IsRetriedOnAnotherNode() throws Exception {
        try (FailingNode bad = new FailingNode(503); TestBackend good = new TestBackend("good");
             Gateway g = Gateway.start(config("{ attempts: 2, on: [503] }", "", bad.url(), good.url()))) {
            for (int i = 0; i < 10; i++) {
                assertThat(send(g, "GET")).isEqualTo(200);
            }
            assertThat(bad.requests.get()).isBetween(1, 10);
            assertThat(good.requests.get()).isEqualTo(10);
        }
    }

    @Test
    void aPostIsNotRetriedUnlessTheRouteOptsIn() throws Exception {
        try (FailingNode bad = new FailingNode(503); TestBackend good = new TestBackend("good")) {
            try (Gateway g = Gateway.start(config("{ attempts: 2, on: [503] }", "", bad.url(), good.url()))) {
                int failed = 0;
                for (int i = 0; i < 10; i++) {
                    if (send(g, "POST") == 503) failed++;
                }
                assertThat(failed).isEqualTo(5); // round-robin: every other POST lands on the failing node
            }
            String optIn = "    retries: { nonIdempotent: true }\n";
            try (Gateway g = Gateway.start(config("{ attempts: 2, on: [503] }", optIn, bad.url(), good.url()))) {
                for (int i = 0; i < 10; i++) {
                    assertThat(send(g, "POST")).isEqualTo(200);
                }
            }
        }
    }

    @Test
    void theBudgetKeepsRetriesToAShareOfRequests() throws Exception {
        try (FailingNode a = new FailingNode(503); FailingNode b = new FailingNode(503);
             Gateway g = Gateway.start(config("{ attempts: 3, on: [503], budget: 20%, backoff: 1ms }", "",
                     a.url(), b.url()))) {
            for (int i = 0; i < 1000; i++) {
                assertThat(send(g, "GET")).isEqualTo(503);
            }
            int tries = a.requests.get() + b.requests.get();
            // 1000 first tries; without a budget 3000 retries; with it at most the burst (100)
            // plus 20% of the requests
            assertThat(tries - 1000).isBetween(100, 305);
        }
    }

    @Test
    void theRequestDeadlineBoundsEveryTry() throws Exception {
        try (TestBackend slow = new TestBackend("slow")) {
            String retries = "{ attempts: 5, on: [timeout], perTryTimeout: 150ms, backoff: 1ms }";
            try (Gateway g = Gateway.start(config(retries, "    timeout: 400ms\n", slow.url()))) {
                long t0 = System.nanoTime();
                try (RawHttp c = new RawHttp(g.port())) {
                    c.send("GET /slow/1000 HTTP/1.1\r\nHost: x\r\n\r\n");
                    assertThat(c.read().status()).isEqualTo(504);
                }
                Duration took = Duration.ofNanos(System.nanoTime() - t0);
                assertThat(took).isLessThan(Duration.ofMillis(900));
                assertThat(slow.requests.get()).isBetween(2, 3); // 400 ms holds two or three 150 ms tries
            }
        }
    }

    @Test
    void aConnectionDroppedBeforeAnyAnswerIsRetriedOnAnotherNode() throws Exception {
        try (FailingNode dropping = new FailingNode(0); TestBackend good = new TestBackend("good");
             Gateway g = Gateway.start(config("{ attempts: 1, on: [reset] }", "", dropping.url(), good.url()))) {
            for (int i = 0; i < 6; i++) {
                assertThat(send(g, "GET")).isEqualTo(200);
            }
        }
    }

    @Test
    void killingOneOfThreeNodesUnderLoadFailsNoGet() throws Exception {
        try (TestBackend a = new TestBackend("a"); TestBackend b = new TestBackend("b")) {
            TestBackend victim = new TestBackend("victim");
            try (Gateway g = Gateway.start(config("{ attempts: 2, on: [connect-failure, reset, 502, 503] }", "",
                    a.url(), b.url(), victim.url()))) {
                KeepAliveLoad load = KeepAliveLoad.start(g.port(), "/slow/2", 8);
                Thread.sleep(500);
                victim.close();
                Thread.sleep(1000);
                load.close();
                assertThat(load.failures()).isEmpty();
                assertThat(load.ok()).isGreaterThan(100);
            } finally {
                victim.close();
            }
        }
    }
}
