package io.turnpike.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import io.turnpike.config.ServiceSpec;
import io.turnpike.observe.Observability;
import io.turnpike.server.Gateway;
import io.turnpike.testing.NoLeaks;
import io.turnpike.testing.RawHttp;
import io.turnpike.testing.TestBackend;
import io.turnpike.testing.TestConfigs;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** {@code pool.idleTimeout}: a parked upstream connection is closed once it idled that long, a lent one never. */
@ExtendWith(NoLeaks.class)
class PoolIdleTimeoutTest {
    private static final ServiceSpec.Pool SHORT = new ServiceSpec.Pool(16, Duration.ofMillis(300));

    private static void awaitOpen(TestBackend b, int n, Duration within) throws InterruptedException {
        long until = System.nanoTime() + within.toNanos();
        while (b.openConnections() != n && System.nanoTime() < until) Thread.sleep(20);
    }

    @Test
    void closesAParkedConnectionOnceItIdledForTheIdleTimeout() throws Exception {
        try (TestBackend a = new TestBackend("a");
             Gateway gateway = Gateway.start(TestConfigs.gateway().eventLoops(1)
                     .service("svc", a.url()).pool("svc", SHORT).route("all", "/**", "svc").build());
             RawHttp client = new RawHttp(gateway.port())) {
            client.send("GET /x HTTP/1.1\r\nHost: t\r\n\r\n");
            assertThat(client.read().status()).isEqualTo(200);
            assertThat(a.openConnections()).isEqualTo(1);
            Thread.sleep(100);
            client.send("GET /x HTTP/1.1\r\nHost: t\r\n\r\n"); // reused before its time is up, and parked again
            assertThat(client.read().status()).isEqualTo(200);
            assertThat(a.connections.get()).isEqualTo(1);

            awaitOpen(a, 0, Duration.ofSeconds(3));
            assertThat(a.openConnections()).as("the pooled connection, 300 ms after its last use").isZero();

            client.send("GET /x HTTP/1.1\r\nHost: t\r\n\r\n"); // the next request opens a new one
            assertThat(client.read().status()).isEqualTo(200);
            assertThat(a.connections.get()).isEqualTo(2);
        }
    }

    @Test
    void aConnectionWaitingForAResponseIsNotAnIdleOne() throws Exception {
        try (TestBackend slow = new TestBackend("slow", 700);
             Observability obs = new Observability();
             Gateway gateway = Gateway.start(TestConfigs.gateway().eventLoops(1)
                     .service("svc", slow.url()).pool("svc", SHORT).route("all", "/**", "svc").build(), obs);
             RawHttp client = new RawHttp(gateway.port())) {
            // Park one connection first, so the pool's timer is running while the next request waits.
            client.send("GET /x HTTP/1.1\r\nHost: t\r\n\r\n");
            assertThat(client.read().status()).isEqualTo(200);
            client.send("GET /x HTTP/1.1\r\nHost: t\r\n\r\n");
            assertThat(client.read().status()).as("answered after 700 ms on a pool with a 300 ms idle timeout").isEqualTo(200);
            assertThat(slow.connections.get()).isEqualTo(1);
            awaitOpen(slow, 0, Duration.ofSeconds(3));
            assertThat(slow.openConnections()).isZero();
            assertThat(obs.scrape()).containsPattern("turnpike_node_connections\\{[^}]*state=\"idle\"[^}]*\\} 0");
        }
    }
}
