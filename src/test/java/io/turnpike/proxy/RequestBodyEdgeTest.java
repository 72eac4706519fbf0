package io.turnpike.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.turnpike.config.ConfigLoader;
import io.turnpike.server.Gateway;
import io.turnpike.testing.NoLeaks;
import io.turnpike.testing.RawHttp;
import io.turnpike.testing.RawOrigin;
import java.io.IOException;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Request bodies an attacker shapes: malformed chunks right behind the head or after it went on,
 * and bodies trickled to hold a connection (and, on a body-editing route, its buffer) forever.
 */
@ExtendWith(NoLeaks.class)
class RequestBodyEdgeTest {
    static RawOrigin origin;
    static Gateway gateway;

    @BeforeAll
    static void start() throws Exception {
        origin = new RawOrigin();
        ConfigLoader.Result r = ConfigLoader.parse("bodies.yaml", """
                server:
                  listen: "127.0.0.1:0"
                  eventLoops: 1
                  limits: { minRequestBodyRate: { bytesPerSecond: 100, grace: 1s } }
                admin: { listen: off }
                observe: { accessLog: { enabled: false } }
                services:
                  svc: { nodes: [ "%s" ] }
                routes:
                  - { id: edit, match: { path: "/edit/**" }, service: svc, timeout: 1500ms,
                      transform: { default: { request: { body: { set: { "stamped": "yes" } } } } } }
                  - { id: all, match: { path: "/**" }, service: svc }
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
    void warmAndClear() throws Exception {
        try (RawHttp c = new RawHttp(gateway.port())) { // leaves a pooled connection to the origin
            c.send("GET /warm HTTP/1.1\r\nHost: a\r\n\r\n");
            assertThat(c.read().status()).isEqualTo(200);
        }
        Thread.sleep(50);
        origin.seen.clear();
        origin.started.clear();
    }

    private static final String CHUNKED_HEAD = "POST /x HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n";

    @ParameterizedTest
    @ValueSource(strings = {"zz\r\nhello\r\n0\r\n\r\n", "-5\r\nhello\r\n0\r\n\r\n", "0x5\r\nhello\r\n0\r\n\r\n",
            "5\rhello\r\n0\r\n\r\n", "\r\n5\r\nhello\r\n0\r\n\r\n", "5\r\nhello\r\n5\r\nhelloXX\r\n",
            "5\r\nhello\r\n0\r\nbad trailer\r\n\r\n"})
    void aMalformedChunkInTheSameReadAsTheHeadNeverReachesTheOrigin(String body) throws Exception {
        try (RawHttp c = new RawHttp(gateway.port())) {
            c.send(CHUNKED_HEAD + body);
            assertThat(c.read().status()).isEqualTo(400);
            assertThat(c.closedByPeer()).isTrue();
        }
        Thread.sleep(100);
        assertThat(origin.started).as("requests the origin began to read").isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"zz\r\n", "5\r\nhelloXX\r\n", "5\r\nhello\r\n0\r\nbad trailer\r\n\r\n"})
    void aMalformedChunkAfterTheHeadWentOnIsAnswered400(String body) throws Exception {
        try (RawHttp c = new RawHttp(gateway.port())) {
            c.send(CHUNKED_HEAD);
            Thread.sleep(200); // the head is at the origin by now
            c.send(body);
            assertThat(c.read().status()).isEqualTo(400);
            assertThat(c.closedByPeer()).isTrue();
        }
        assertThat(origin.seen).as("complete requests at the origin").isEmpty();
    }

    /** Sends {@code body} one byte at a time, {@code everyMillis} apart, until told to stop. */
    private static Thread trickle(RawHttp c, String body, long everyMillis, AtomicBoolean stop) {
        return Thread.ofVirtual().start(() -> {
            try {
                for (int i = 0; i < body.length() && !stop.get(); i++) {
                    c.send(body.substring(i, i + 1));
                    Thread.sleep(everyMillis);
                }
            } catch (IOException | InterruptedException e) {
                // the gateway closed the connection: what this test expects
            }
        });
    }

    @Test
    void aBodyTrickledBelowTheMinimumRateIsCutWith408() throws Exception {
        AtomicBoolean stop = new AtomicBoolean();
        try (RawHttp c = new RawHttp(gateway.port())) {
            c.socket().setSoTimeout(8000);
            c.send("POST /slow HTTP/1.1\r\nHost: a\r\nContent-Length: 1000\r\n\r\n");
            Thread t = trickle(c, "x".repeat(1000), 100, stop); // 10 bytes/s against a minimum of 100
            RawHttp.Response r = c.read();
            stop.set(true);
            t.join();
            assertThat(r.status()).isEqualTo(408);
            assertThat(r.body()).contains("body-timeout").contains("minRequestBodyRate");
            assertThat(c.closedByPeer()).isTrue();
        }
    }

    @Test
    void aBodyTrickledToABodyEditingRouteIsCutToo() throws Exception {
        AtomicBoolean stop = new AtomicBoolean();
        try (RawHttp c = new RawHttp(gateway.port())) {
            c.socket().setSoTimeout(8000);
            c.send("POST /edit/x HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n");
            Thread t = trickle(c, "{\"a\":\"" + "x".repeat(990) + "\"}", 100, stop);
            RawHttp.Response r = c.read();
            stop.set(true);
            t.join();
            assertThat(r.status()).isEqualTo(408);
            assertThat(c.closedByPeer()).isTrue();
        }
        assertThat(origin.started).isEmpty();
    }

    @Test
    void aBodyEditingRouteWaitsForTheBodyNoLongerThanItsTimeout() throws Exception {
        try (RawHttp c = new RawHttp(gateway.port())) {
            // fast enough for the rate (the bytes come at once), but never complete
            c.send("POST /edit/x HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n"
                    + "{\"a\":\"" + "x".repeat(500));
            RawHttp.Response r = c.read();
            assertThat(r.status()).isEqualTo(408);
            assertThat(r.body()).contains("timeout");
        }
        assertThat(origin.started).isEmpty();
    }

    @Test
    void aSteadyUploadAboveTheMinimumRateIsNotCut() throws Exception {
        String chunk = "y".repeat(200);
        try (RawHttp c = new RawHttp(gateway.port())) {
            c.send("POST /steady HTTP/1.1\r\nHost: a\r\nContent-Length: " + 20 * chunk.length() + "\r\n\r\n");
            for (int i = 0; i < 20; i++) { // 2 s at 2,000 bytes/s
                c.send(chunk);
                Thread.sleep(100);
            }
            assertThat(c.read().status()).isEqualTo(200);
        }
        assertThat(origin.seen).hasSize(1);
        assertThat(origin.seen.peek().body()).hasSize(4000);
    }
}
