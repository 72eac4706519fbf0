package io.turnpike.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.turnpike.config.Limits;
import io.turnpike.testing.Json;
import io.turnpike.testing.NoLeaks;
import io.turnpike.testing.RawHttp;
import io.turnpike.testing.TestBackend;
import io.turnpike.testing.TestConfigs;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every request a gateway must refuse, sent as raw bytes. Each refusal is a problem+json answer
 * followed by a closed connection, and the backend never sees the request.
 */
@ExtendWith(NoLeaks.class)
class StrictParsingTest {
    static TestBackend backend;
    static Gateway gateway;

    @BeforeAll
    static void start() throws Exception {
        backend = new TestBackend("b1");
        gateway = Gateway.start(TestConfigs.gateway()
                .limits(new Limits(1024, 256, 1000, Duration.ofMillis(300), Duration.ofSeconds(5), 100))
                .service("svc", backend.url())
                .route("all", "/**", "svc")
                .build());
    }

    @AfterAll
    static void stop() {
        gateway.close();
        backend.close();
    }

    /** The backend's count once earlier tests' requests (some legitimately forwarded) have landed. */
    private static int settledBackendCount() throws InterruptedException {
        int seen = backend.requests.get();
        while (true) {
            Thread.sleep(30);
            int now = backend.requests.get();
            if (now == seen) return now;
            seen = now;
        }
    }

    private static void assertRejected(String raw, int status) throws Exception {
        int before = settledBackendCount();
        try (RawHttp c = new RawHttp(gateway.port())) {
            c.send(raw);
            RawHttp.Response r = c.read();
            assertThat(r.status()).as("status for %s", raw).isEqualTo(status);
            assertThat(r.header("content-type")).isEqualTo("application/problem+json");
            JsonNode p = Json.parse(r.body());
            assertThat(p.get("status").asInt()).isEqualTo(status);
            assertThat(p.get("type").asText()).startsWith("https://");
            assertThat(p.get("requestId").asText()).isNotEmpty();
            assertThat(c.closedByPeer()).as("connection closed after rejecting").isTrue();
        }
        assertThat(backend.requests.get()).as("backend saw the rejected request").isEqualTo(before);
    }

    @Test
    void rejectsContentLengthWithTransferEncoding() throws Exception {
        assertRejected("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n", 400);
    }

    @Test
    void rejectsDuplicateContentLength() throws Exception {
        assertRejected("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc", 400);
    }

    @Test
    void rejectsConflictingContentLength() throws Exception {
        assertRejected("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd", 400);
    }

    @ParameterizedTest
    @ValueSource(strings = {"abc", "-1", "+5", "5 5", "0x10"})
    void rejectsNonNumericContentLength(String value) throws Exception {
        assertRejected("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: " + value + "\r\n\r\nabc", 400);
    }

    @ParameterizedTest
    @ValueSource(strings = {"gzip", "identity", "chunked, gzip", "xchunked"})
    void rejectsTransferEncodingOtherThanChunked(String te) throws Exception {
        assertRejected("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: " + te + "\r\n\r\n0\r\n\r\n", 400);
    }

    @ParameterizedTest
    @ValueSource(strings = {"gzip, chunked", "chunked, chunked", "identity, chunked", "gzip\r\nTransfer-Encoding: chunked"})
    void answers501ToCodingsBeforeChunked(String te) throws Exception {
        assertRejected("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: " + te + "\r\n\r\n"
                + "3\r\nabc\r\n0\r\n\r\n", 501);
    }

    @Test
    void acceptsChunkedInAnyCase() throws Exception {
        try (RawHttp c = new RawHttp(gateway.port())) {
            c.send("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: Chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n");
            RawHttp.Response r = c.read();
            assertThat(r.status()).isEqualTo(200);
            assertThat(Json.parse(r.body()).get("bodyBytes").asInt()).isEqualTo(3);
        }
    }

    @Test
    void rejectsTransferEncodingInHttp10() throws Exception {
        assertRejected("POST /echo HTTP/1.0\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n", 400);
    }

    @Test
    void rejectsMoreHeaderFieldsThanMaxHeaders() throws Exception {
        // 101 fields in about 600 bytes: well inside maxHeaderBytes, over maxHeaders (100)
        assertRejected("GET /echo HTTP/1.1\r\nHost: x\r\n" + "A: 1\r\n".repeat(100) + "\r\n", 431);
    }

    @Test
    void acceptsAsManyHeaderFieldsAsMaxHeaders() throws Exception {
        try (RawHttp c = new RawHttp(gateway.port())) {
            c.send("GET /echo HTTP/1.1\r\nHost: x\r\n" + "A: 1\r\n".repeat(99) + "\r\n");
            assertThat(c.read().status()).isEqualTo(200);
        }
    }

    @Test
    void rejectsObsFoldInTheSegmentAfterALineBreak() throws Exception {
        int before = settledBackendCount();
        try (RawHttp c = new RawHttp(gateway.port())) {
            c.socket().setTcpNoDelay(true);
            c.send("GET /echo HTTP/1.1\r\nHost: x\r\nX-Long: first\r\n");
            Thread.sleep(100); // the gateway reads the first segment alone, ending right after CRLF
            c.send("  second\r\n\r\n");
            RawHttp.Response r = c.read();
            assertThat(r.status()).as(r.body()).isEqualTo(400);
            assertThat(r.body()).contains("obs-fold");
            assertThat(c.closedByPeer()).isTrue();
        }
        assertThat(backend.requests.get()).isEqualTo(before);
    }

    @Test
    void rejectsObsFold() throws Exception {
        assertRejected("GET /echo HTTP/1.1\r\nHost: x\r\nX-Long: first\r\n  second\r\n\r\n", 400);
    }

    @Test
    void rejectsTabFold() throws Exception {
        assertRejected("GET /echo HTTP/1.1\r\nHost: x\r\nX-Long: first\r\n\tsecond\r\n\r\n", 400);
    }

    @Test
    void rejectsInvalidHeaderName() throws Exception {
        assertRejected("GET /echo HTTP/1.1\r\nHost: x\r\nBad Header: 1\r\n\r\n", 400);
    }

    @Test
    void rejectsNulInHeaderValue() throws Exception {
        assertRejected("GET /echo HTTP/1.1\r\nHost: x\r\nX-Evil: a\u0000b\r\n\r\n", 400);
    }

    /**
     * The fields the gateway extends when it forwards (X-Forwarded-For, Forwarded, X-Request-Id) are
     * written without the header table's checks, on the strength of the decoder's: a control
     * character in any of them must never get that far.
     */
    @ParameterizedTest
    @ValueSource(strings = {"X-Forwarded-For: 203.0.113.9\u0001", "Forwarded: for=a\u001fb", "X-Request-Id: id\u007f",
            "X-Forwarded-For: 203.0.113.9\u000b"})
    void rejectsControlCharactersInTheFieldsTheGatewayExtends(String field) throws Exception {
        assertRejected("GET /echo HTTP/1.1\r\nHost: x\r\n" + field + "\r\n\r\n", 400);
    }

    @Test
    void rejectsBareCarriageReturnInHeaderValue() throws Exception {
        assertRejected("GET /echo HTTP/1.1\r\nHost: x\r\nX-Evil: a\rInjected: b\r\n\r\n", 400);
    }

    @Test
    void rejectsHeaderBlockOverTheLimit() throws Exception {
        assertRejected("GET /echo HTTP/1.1\r\nHost: x\r\nX-Big: " + "a".repeat(2000) + "\r\n\r\n", 431);
    }

    @Test
    void rejectsRequestLineOverTheLimit() throws Exception {
        assertRejected("GET /" + "a".repeat(400) + " HTTP/1.1\r\nHost: x\r\n\r\n", 414);
    }

    @Test
    void rejectsDeclaredBodyOverTheLimit() throws Exception {
        assertRejected("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n\r\n", 413);
    }

    @Test
    void rejectsChunkedBodyThatGrowsOverTheLimit() throws Exception {
        try (RawHttp c = new RawHttp(gateway.port())) {
            c.send("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n");
            String chunk = "200\r\n" + "x".repeat(512) + "\r\n";
            c.send(chunk + chunk + chunk);
            RawHttp.Response r = c.read();
            assertThat(r.status()).as(r.body()).isEqualTo(413);
            assertThat(c.closedByPeer()).isTrue();
        }
    }

    @Test
    void rejectsTwoHostHeaders() throws Exception {
        assertRejected("GET /echo HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400);
    }

    @Test
    void rejectsHttp11WithoutHost() throws Exception {
        assertRejected("GET /echo HTTP/1.1\r\nX-Other: 1\r\n\r\n", 400);
    }

    @ParameterizedTest
    @ValueSource(strings = {"/a/%2F/b", "/a\\b", "/a/%00", "/a/%zz", "/a/%2", "/%5Cx"})
    void rejectsAmbiguousPaths(String path) throws Exception {
        assertRejected("GET " + path + " HTTP/1.1\r\nHost: x\r\n\r\n", 400);
    }

    @Test
    void rejectsGarbageRequestLine() throws Exception {
        assertRejected("HELLO\r\n\r\n", 400);
    }

    @Test
    void answers408WhenTheHeaderBlockIsTooSlow() throws Exception {
        try (RawHttp c = new RawHttp(gateway.port())) {
            c.send("GET /echo HTTP/1.1\r\nHost: x\r\n");
            RawHttp.Response r = c.read();
            assertThat(r.status()).isEqualTo(408);
            assertThat(c.closedByPeer()).isTrue();
        }
    }

    @Test
    void closesAConnectionThatNeverSendsAnything() throws Exception {
        try (RawHttp c = new RawHttp(gateway.port())) {
            assertThat(c.closedByPeer()).isTrue();
        }
    }

    @Test
    void refusesAnotherMajorVersionWith505AndTakesAHigherMinorAsHttp11() throws Exception {
        assertRejected("GET /echo HTTP/2.0\r\nHost: x\r\n\r\n", 505);
        assertRejected("GET /echo HTTP/3.0\r\nHost: x\r\n\r\n", 505);
        try (RawHttp c = new RawHttp(gateway.port())) {
            c.send("GET /echo HTTP/2.0\r\nHost: x\r\n\r\n");
            assertThat(Json.parse(c.read().body()).get("type").asText()).endsWith("/http-version-not-supported");
        }
        try (RawHttp c = new RawHttp(gateway.port())) {
            c.send("GET /echo HTTP/1.2\r\nHost: x\r\n\r\n");
            RawHttp.Response r = c.read();
            assertThat(r.status()).isEqualTo(200);
            assertThat(Json.parse(r.body()).get("uri").asText()).isEqualTo("/echo");
        }
    }

    @Test
    void acceptsAWellFormedRequestAfterAll() throws Exception {
        try (RawHttp c = new RawHttp(gateway.port())) {
            c.send("GET /echo HTTP/1.1\r\nHost: x\r\n\r\n");
            assertThat(c.read().status()).isEqualTo(200);
        }
    }
}
