package io.turnpike.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.turnpike.config.Limits;
import io.turnpike.testing.NoLeaks;
import io.turnpike.testing.RawHttp;
import io.turnpike.testing.TestBackend;
import io.turnpike.testing.TestConfigs;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** server.limits.maxConnections: connections past the limit are closed on accept; others carry on. */
@ExtendWith(NoLeaks.class)
class ConnectionLimitTest {

    @Test
    void closesConnectionsOverTheLimitAndAcceptsAgainWhenOneLeaves() throws Exception {
        try (TestBackend b = new TestBackend("b");
             Gateway g = Gateway.start(TestConfigs.gateway()
                     .limits(new Limits(8192, 4096, 1024, Duration.ofSeconds(5), Duration.ofSeconds(5), 2))
                     .service("svc", b.url()).route("all", "/**", "svc").build())) {
            RawHttp first = new RawHttp(g.port());
            RawHttp second = new RawHttp(g.port());
            for (RawHttp c : new RawHttp[] {first, second}) {
                c.send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n");
                assertThat(c.read().status()).isEqualTo(200);
            }
            try (RawHttp third = new RawHttp(g.port())) {
                assertThat(third.closedByPeer()).as("third connection refused").isTrue();
            }
            first.close();
            long deadline = System.nanoTime() + Duration.ofSeconds(3).toNanos();
            int status = 0;
            while (status != 200 && System.nanoTime() < deadline) {
                try (RawHttp again = new RawHttp(g.port())) {
                    again.send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n");
                    status = again.read().status();
                } catch (java.io.IOException notYet) {
                    Thread.sleep(20); // the closed connection is not counted out yet
                }
            }
            assertThat(status).isEqualTo(200);
            second.close();
        }
    }

    @Test
    void closesConnectionsOverThePerAddressLimitOnlyForThatAddress() throws Exception {
        try (TestBackend b = new TestBackend("b");
             Gateway g = Gateway.start(TestConfigs.gateway()
                     .limits(new Limits(8192, 4096, 1024, Duration.ofSeconds(5), Duration.ofSeconds(5), 100)
                             .withMaxConnectionsPerIp(2))
                     .service("svc", b.url()).route("all", "/hello", "svc").build())) {
            RawHttp first = new RawHttp(g.port(), "127.0.0.1");
            RawHttp second = new RawHttp(g.port(), "127.0.0.1");
            for (RawHttp c : new RawHttp[] {first, second}) {
                assertThat(get(c)).isEqualTo(200);
            }
            try (RawHttp third = new RawHttp(g.port(), "127.0.0.1")) {
                assertThat(third.closedByPeer()).as("third connection from the same address").isTrue();
            }
            try (RawHttp other = new RawHttp(g.port(), "127.0.0.2")) {
                assertThat(get(other)).as("another address is not held back").isEqualTo(200);
            }
            first.close();
            long deadline = System.nanoTime() + Duration.ofSeconds(3).toNanos();
            int status = 0;
            while (status != 200 && System.nanoTime() < deadline) {
                try (RawHttp again = new RawHttp(g.port(), "127.0.0.1")) {
                    status = get(again);
                } catch (java.io.IOException notYet) {
                    Thread.sleep(20); // the closed connection is not counted out yet
                }
            }
            assertThat(status).as("a slot freed by a closed connection is usable again").isEqualTo(200);
            second.close();
        }
    }

    private static int get(RawHttp c) throws java.io.IOException {
        c.send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n");
        return c.read().status();
    }
}
