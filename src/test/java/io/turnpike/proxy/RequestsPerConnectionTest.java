package io.turnpike.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.turnpike.config.ConfigLoader;
import io.turnpike.config.Http2Settings;
import io.turnpike.config.Limits;
import io.turnpike.server.Gateway;
import io.turnpike.testing.NoLeaks;
import io.turnpike.testing.RawH2;
import io.turnpike.testing.RawHttp;
import io.turnpike.testing.RawOrigin;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@code server.limits.maxRequestsPerConnection} (nginx's {@code keepalive_requests}): the answer to
 * a connection's last request says {@code Connection: close}, the gateway closes after it, and
 * nothing the client sent behind it reaches a service.
 */
@ExtendWith(NoLeaks.class)
class RequestsPerConnectionTest {
    static RawOrigin origin;
    static Gateway gateway;

    @BeforeAll
    static void start() throws Exception {
        origin = new RawOrigin();
        ConfigLoader.Result r = ConfigLoader.parse("requests.yaml", """
                server: { listen: "127.0.0.1:0", eventLoops: 1, limits: { maxRequestsPerConnection: 3 },
                          http2Limits: { maxStreamsPerConnection: 3 } }
                admin: { listen: off }
                observe: { accessLog: { enabled: false } }
                services:
                  svc: { nodes: [ "%s" ] }
                routes:
                  - { id: api, match: { path: "/api/**" }, service: svc }
                """.formatted(origin.url()), Map.<String, String>of()::get);
        assertThat(r.problems()).isEmpty();
        gateway = Gateway.start(r.config());
    }

    @AfterAll
    static void stop() throws Exception {
        gateway.close();
        origin.close();
    }

    @BeforeEach
    void clear() {
        origin.seen.clear();
        origin.answer(s -> "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
    }

    private static String get(String path) {
        return "GET " + path + " HTTP/1.1\r\nHost: a.test\r\n\r\n";
    }

    @Test
    void theThirdAnswerSaysCloseAndTheConnectionEndsAfterIt() throws Exception {
        try (RawHttp c = new RawHttp(gateway.port())) {
            for (int i = 1; i <= 2; i++) {
                RawHttp.Response res = c.send(get("/api/" + i)).read();
                assertThat(res.status()).isEqualTo(200);
                assertThat(res.header("connection")).as("answer %d", i).isNull();
            }
            RawHttp.Response last = c.send(get("/api/3")).read();
            assertThat(last.status()).isEqualTo(200);
            assertThat(last.body()).isEqualTo("ok");
            assertThat(last.header("connection")).isEqualTo("close");
            // A client that ignores the close and sends on: the gateway only reads to discard now.
            c.send(get("/api/4-after-close"));
            assertThat(c.closedByPeer()).isTrue();
        }
        Thread.sleep(100); // a fourth request would reach the origin right behind the third
        assertThat(origin.requestLines()).containsExactly("GET /api/1 HTTP/1.1", "GET /api/2 HTTP/1.1",
                "GET /api/3 HTTP/1.1");
    }

    @Test
    void aRequestPipelinedBehindTheLastOneIsNeitherAnsweredNorForwarded() throws Exception {
        try (RawHttp c = new RawHttp(gateway.port())) {
            c.send(get("/api/1") + get("/api/2") + get("/api/3") + get("/api/4-smuggled"));
            assertThat(c.read().header("connection")).isNull();
            assertThat(c.read().header("connection")).isNull();
            assertThat(c.read().header("connection")).isEqualTo("close");
            assertThat(c.closedByPeer()).isTrue();
        }
        Thread.sleep(100); // a fourth request would reach the origin right behind the third
        assertThat(origin.requestLines()).containsExactly("GET /api/1 HTTP/1.1", "GET /api/2 HTTP/1.1",
                "GET /api/3 HTTP/1.1");
    }

    /** The gateway's own answers count too: the last one here is a 404 made without a service. */
    @Test
    void aGatewayMadeAnswerAsTheLastOneClosesAlike() throws Exception {
        try (RawHttp c = new RawHttp(gateway.port())) {
            assertThat(c.send(get("/api/1")).read().header("connection")).isNull();
            RawHttp.Response missing = c.send(get("/nowhere")).read();
            assertThat(missing.status()).isEqualTo(404);
            assertThat(missing.header("connection")).isNull();
            RawHttp.Response last = c.send(get("/nowhere-either")).read();
            assertThat(last.status()).isEqualTo(404);
            assertThat(last.header("connection")).isEqualTo("close");
            assertThat(c.closedByPeer()).isTrue();
        }
    }

    /** An HTTP/1.0 client asking for keep-alive is told close on the last answer, not keep-alive. */
    @Test
    void anHttp10KeepAliveClientIsToldCloseOnTheLastAnswer() throws Exception {
        String keepAlive10 = "GET /api/old HTTP/1.0\r\nHost: a.test\r\nConnection: keep-alive\r\n\r\n";
        try (RawHttp c = new RawHttp(gateway.port())) {
            assertThat(c.send(keepAlive10).read().header("connection")).isEqualToIgnoringCase("keep-alive");
            assertThat(c.send(keepAlive10).read().header("connection")).isEqualToIgnoringCase("keep-alive");
            assertThat(c.send(keepAlive10).read().header("connection")).isEqualTo("close");
            assertThat(c.closedByPeer()).isTrue();
        }
    }

    /**
     * HTTP/2 has its own limit ({@code http2Limits.maxStreamsPerConnection}, off by default): the third
     * stream gets GOAWAY (NO_ERROR, so the client opens its next streams on
     * a new connection), is still answered, and the connection closes once it is done.
     */
    @Test
    void anHttp2ConnectionSaysGoAwayAtItsLastStreamAndClosesWhenItIsDone() throws Exception {
        try (RawH2 c = new RawH2(gateway.port())) {
            assertThat(c.serves(1, "/api/1")).isEqualTo("answered 200");
            assertThat(c.serves(3, "/api/2")).isEqualTo("answered 200");
            assertThat(c.serves(5, "/api/3")).isEqualTo("GOAWAY NO_ERROR");
            c.headers(7, true, c.get("/api/4-after-goaway")); // a client that ignores the GOAWAY
            assertThat(c.outcome(5)).isEqualTo("answered 200");
            assertThat(c.outcome(7)).isEqualTo("closed");
        }
        Thread.sleep(100);
        assertThat(origin.requestLines()).hasSize(3).noneMatch(line -> line.contains("after-goaway"));
    }

    @Test
    void theDefaultIsNginxsThousandAndZeroMeansNoLimit() {
        assertThat(Limits.DEFAULT.maxRequestsPerConnection()).isEqualTo(1000);
        assertThat(ConfigLoader.parse("t.yaml", "server: { listen: \"127.0.0.1:0\" }", k -> null)
                .config().server().limits().maxRequestsPerConnection()).isEqualTo(1000);
        assertThat(ConfigLoader.parse("t.yaml", "server: { limits: { maxRequestsPerConnection: 0 } }", k -> null)
                .config().server().limits().maxRequestsPerConnection()).isZero();
        assertThat(Http2Settings.DEFAULT.maxStreamsPerConnection()).as("HTTP/2: off by default").isZero();
        assertThat(ConfigLoader.parse("t.yaml", "server:\n  limits: { maxRequestsPerConnection: -1 }\n", k -> null)
                .problems()).extracting(Object::toString).containsExactly(
                "t.yaml:2:39: server.limits.maxRequestsPerConnection: \"-1\" (expected: an integer >= 0)");
    }
}
