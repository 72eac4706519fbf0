package io.turnpike.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.turnpike.config.GatewayConfig;
import io.turnpike.testing.KeepAliveLoad;
import io.turnpike.testing.NoLeaks;
import io.turnpike.testing.RawHttp;
import io.turnpike.testing.TestBackend;
import io.turnpike.testing.TestConfigs;
import io.turnpike.upstream.Node;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Config swaps under load lose nothing; shutdown lets requests in flight finish. */
@ExtendWith(NoLeaks.class)
class ReloadAndShutdownTest {

    private static GatewayConfig config(int variant, String... urls) {
        return TestConfigs.gateway().eventLoops(2)
                .service("svc", urls)
                .route("r" + variant, "/**", "svc")
                .route("extra" + variant, "/extra/" + variant, "svc")
                .build();
    }

    @Test
    void fiftyReloadsUnderConcurrentLoadFailNoRequest() throws Exception {
        try (TestBackend a = new TestBackend("a"); TestBackend b = new TestBackend("b");
             Gateway g = Gateway.start(config(0, a.url(), b.url()))) {
            KeepAliveLoad load = KeepAliveLoad.start(g.port(), "/echo", 8);
            Node before = g.snapshot().services().get("svc").nodes().get(0);
            for (int i = 1; i <= 50; i++) {
                // alternate node sets and routes; node "a" stays throughout
                g.apply(i % 2 == 0 ? config(i, a.url(), b.url()) : config(i, a.url()));
                Thread.sleep(40);
            }
            load.close();
            assertThat(load.failures()).isEmpty();
            assertThat(load.ok()).isGreaterThan(200);
            // a node that stayed in the config kept its identity and its statistics
            Node after = g.snapshot().services().get("svc").nodes().get(0);
            assertThat(after).isSameAs(before);
            assertThat(after.requests()).isGreaterThan(0);
            assertThat(g.snapshot().config().routes().get(1).id()).isEqualTo("extra50");
        }
    }

    @Test
    void shutdownFinishesRequestsInFlightAndStopsAccepting() throws Exception {
        TestBackend b = new TestBackend("b");
        Gateway g = Gateway.start(config(0, b.url()));
        int port = g.port();
        try (RawHttp slow = new RawHttp(port); RawHttp idle = new RawHttp(port)) {
            idle.send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n");
            assertThat(idle.read().status()).isEqualTo(200);
            slow.send("GET /slow/600 HTTP/1.1\r\nHost: x\r\n\r\n");
            long deadline = System.nanoTime() + Duration.ofSeconds(2).toNanos();
            while (g.inFlight() == 0 && System.nanoTime() < deadline) Thread.sleep(5);
            Thread stopper = new Thread(() -> g.shutdown(Duration.ofSeconds(5)));
            stopper.start();
            RawHttp.Response r = slow.read();
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.body()).isEqualTo("slow b");
            assertThat(r.header("connection")).isEqualTo("close");
            assertThat(idle.closedByPeer()).as("idle keep-alive connection closed while draining").isTrue();
            stopper.join();
            assertThat(slow.closedByPeer()).isTrue();
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> new RawHttp(port).close())
                    .isInstanceOf(java.net.ConnectException.class);
        } finally {
            b.close();
        }
    }

    @Test
    void shutdownGivesUpAfterTheDrainLimit() throws Exception {
        try (TestBackend b = new TestBackend("b")) {
            Gateway g = Gateway.start(config(0, b.url()));
            try (RawHttp slow = new RawHttp(g.port())) {
                slow.send("GET /slow/5000 HTTP/1.1\r\nHost: x\r\n\r\n");
                long deadline = System.nanoTime() + Duration.ofSeconds(2).toNanos();
                while (g.inFlight() == 0 && System.nanoTime() < deadline) Thread.sleep(5);
                long t0 = System.nanoTime();
                g.shutdown(Duration.ofMillis(300));
                assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(3));
                assertThat(slow.closedByPeer()).isTrue();
            }
        }
    }
}
