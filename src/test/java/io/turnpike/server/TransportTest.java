package io.turnpike.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.netty.channel.uring.IoUring;
import io.turnpike.testing.Json;
import io.turnpike.testing.NoLeaks;
import io.turnpike.testing.RawHttp;
import io.turnpike.testing.TestBackend;
import io.turnpike.testing.TestConfigs;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * server.transport: the gateway proxies the same way on each transport (client side and upstream
 * side both run on it), and io_uring, where the kernel refuses it, falls back to epoll.
 */
@ExtendWith(NoLeaks.class)
class TransportTest {
    static TestBackend backend;

    @BeforeAll
    static void start() throws Exception {
        backend = new TestBackend("b1");
    }

    @AfterAll
    static void stop() {
        backend.close();
    }

    @ParameterizedTest
    @ValueSource(strings = {"epoll", "io_uring", "nio"})
    void proxiesKeepAliveRequestsWithBodiesOnEachTransport(String transport) throws Exception {
        try (Gateway g = Gateway.start(TestConfigs.gateway().transport(transport)
                     .service("svc", backend.url()).route("all", "/**", "svc").build());
             RawHttp c = new RawHttp(g.port())) {
            String expected = transport.equals("io_uring") && !IoUring.isAvailable() ? "epoll" : transport;
            assertThat(g.transportName()).isEqualTo(expected);
            for (int i = 0; i < 3; i++) { // one connection each side, reused
                c.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello");
                RawHttp.Response r = c.read();
                assertThat(r.status()).isEqualTo(200);
                JsonNode echo = Json.parse(r.body());
                assertThat(echo.get("method").asText()).isEqualTo("POST");
                assertThat(echo.get("bodyBytes").asLong()).isEqualTo(5);
            }
            c.send("GET /echo/chunked HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n");
            RawHttp.Response r = c.read();
            assertThat(r.status()).isEqualTo(200);
            assertThat(Json.parse(r.body()).get("bodyBytes").asLong()).isEqualTo(3);
        }
    }
}
