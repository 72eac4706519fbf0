package io.turnpike.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.turnpike.server.Gateway;
import io.turnpike.testing.Json;
import io.turnpike.testing.NoLeaks;
import io.turnpike.testing.RawHttp;
import io.turnpike.testing.TestBackend;
import io.turnpike.testing.TestConfigs;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.MessageDigest;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.AfterParameterizedClassInvocation;
import org.junit.jupiter.params.BeforeParameterizedClassInvocation;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.aggregator.ArgumentsAccessor;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Proxying end to end: a real gateway in front of a real backend, both on loopback. The whole
 * class runs with one event loop and again with two, since pools and exchanges are per loop.
 */
@ExtendWith(NoLeaks.class)
@ParameterizedClass(name = "{0} event loop(s)")
@ValueSource(ints = {1, 2})
class ProxyTest {
    static TestBackend backend;
    static Gateway gateway;
    @Parameter
    int eventLoops; // the class's parameter; the gateway is started with it below

    static HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @BeforeParameterizedClassInvocation
    static void start(ArgumentsAccessor args) throws Exception {
        int eventLoops = args.getInteger(0);
        backend = new TestBackend("b1");
        gateway = Gateway.start(TestConfigs.gateway()
                .eventLoops(eventLoops)
                .service("svc", backend.url())
                .route("all", "/**", "svc")
                .build());
    }

    @AfterParameterizedClassInvocation
    static void stop() {
        gateway.close();
        backend.close();
    }

    static String url(String path) {
        return "http://127.0.0.1:" + gateway.port() + path;
    }

    static HttpResponse<String> get(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(url(path))).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void proxiesGetAndKeepsQueryString() throws Exception {
        HttpResponse<String> res = get("/echo/a?x=1&y=%20z");
        assertThat(res.statusCode()).isEqualTo(200);
        JsonNode body = Json.parse(res.body());
        assertThat(body.get("method").asText()).isEqualTo("GET");
        assertThat(body.get("uri").asText()).isEqualTo("/echo/a?x=1&y=%20z");
        assertThat(res.headers().firstValue("x-request-id")).isPresent();
    }

    @Test
    void streamsPostBodyWithContentLength() throws Exception {
        byte[] data = new byte[3 * 1024 * 1024 + 17];
        for (int i = 0; i < data.length; i++) data[i] = (byte) (i * 31);
        HttpResponse<String> res = http.send(HttpRequest.newBuilder(URI.create(url("/echo")))
                .POST(HttpRequest.BodyPublishers.ofByteArray(data)).build(), HttpResponse.BodyHandlers.ofString());
        JsonNode body = Json.parse(res.body());
        assertThat(body.get("bodyBytes").asLong()).isEqualTo(data.length);
        assertThat(body.get("bodySha256").asText())
                .isEqualTo(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data)));
        assertThat(body.at("/headers/content-length").asText()).isEqualTo(String.valueOf(data.length));
    }

    @Test
    void streamsChunkedRequestBody() throws Exception {
        try (RawHttp c = new RawHttp(gateway.port())) {
            c.send("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n");
            RawHttp.Response r = c.read();
            JsonNode body = Json.parse(r.body());
            assertThat(body.get("bodyBytes").asInt()).isEqualTo(11);
            assertThat(body.at("/headers/transfer-encoding").asText()).isEqualTo("chunked");
        }
    }

    @Test
    void downloadsChunkedAndFixedLengthBodies() throws Exception {
        HttpResponse<byte[]> fixed = http.send(HttpRequest.newBuilder(URI.create(url("/bytes/200000"))).build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertThat(fixed.body()).hasSize(200000);
        assertThat(fixed.headers().firstValue("content-length")).contains("200000");
        HttpResponse<byte[]> chunked = http.send(
                HttpRequest.newBuilder(URI.create(url("/bytes/300000?chunked=1"))).build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertThat(chunked.body()).hasSize(300000);
        assertThat(chunked.body()[250]).isEqualTo((byte) (250 % 251));
        assertThat(chunked.headers().firstValue("transfer-encoding")).contains("chunked");
    }

    @Test
    void headHasNoBodyButKeepsLength() throws Exception {
        try (RawHttp c = new RawHttp(gateway.port())) {
            c.send("HEAD /bytes/1234 HTTP/1.1\r\nHost: x\r\n\r\n");
            RawHttp.Response r = c.read(true);
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.header("content-length")).isEqualTo("1234");
            // the connection stays usable: the next answer is not polluted by a stray body
            c.send("GET /echo HTTP/1.1\r\nHost: x\r\n\r\n");
            assertThat(c.read().status()).isEqualTo(200);
        }
    }

    @Test
    void noContentAndNotModifiedCarryNoBody() throws Exception {
        try (RawHttp c = new RawHttp(gateway.port())) {
            c.send("GET /status/204 HTTP/1.1\r\nHost: x\r\n\r\n");
            RawHttp.Response r = c.read();
            assertThat(r.status()).isEqualTo(204);
            assertThat(r.header("transfer-encoding")).isNull();
            c.send("GET /status/304 HTTP/1.1\r\nHost: x\r\n\r\n");
            RawHttp.Response n = c.read();
            assertThat(n.status()).isEqualTo(304);
            assertThat(n.header("etag")).isEqualTo("\"v1\"");
            c.send("GET /echo HTTP/1.1\r\nHost: x\r\n\r\n");
            assertThat(c.read().status()).isEqualTo(200);
        }
    }

    @Test
    void answersExpectContinueThenForwardsTheBody() throws Exception {
        try (RawHttp c = new RawHttp(gateway.port())) {
            c.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n");
            RawHttp.Response cont = c.read();
            assertThat(cont.status()).isEqualTo(100);
            c.send("ping");
            RawHttp.Response r = c.read();
            assertThat(r.status()).isEqualTo(200);
            JsonNode body = Json.parse(r.body());
            assertThat(body.get("bodyBytes").asInt()).isEqualTo(4);
            assertThat(body.at("/headers/expect").isMissingNode()).isTrue();
        }
    }

    @Test
    void passesTrailersThroughChunkedResponses() throws Exception {
        try (RawHttp c = new RawHttp(gateway.port())) {
            c.send("GET /trailers HTTP/1.1\r\nHost: x\r\n\r\n");
            RawHttp.Response r = c.read();
            assertThat(r.body()).isEqualTo("hello world");
            assertThat(r.header("trailer:x-checksum")).isEqualTo("abc123");
        }
    }

    @Test
    void hopByHopHeadersStayBehindAndForwardingHeadersAreAdded() throws Exception {
        try (RawHttp c = new RawHttp(gateway.port())) {
            c.send("GET /echo HTTP/1.1\r\nHost: api.example.com\r\nConnection: keep-alive, X-Secret-Hop\r\n"
                    + "X-Secret-Hop: 1\r\nKeep-Alive: timeout=5\r\nProxy-Authorization: Basic Zm9v\r\nTE: trailers\r\n"
                    + "Upgrade: websocket\r\nX-Forwarded-For: 10.1.2.3\r\nX-Request-Id: abc-123\r\n"
                    + "traceparent: 00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01\r\n\r\n");
            RawHttp.Response r = c.read();
            JsonNode h = Json.parse(r.body()).get("headers");
            assertThat(h.has("connection")).isFalse();
            assertThat(h.has("x-secret-hop")).isFalse();
            assertThat(h.has("keep-alive")).isFalse();
            assertThat(h.has("proxy-authorization")).isFalse();
            assertThat(h.has("te")).isFalse();
            assertThat(h.has("upgrade")).isFalse();
            // from a peer that is not a trusted proxy the client's X-Forwarded-For is not passed on as if it were ours
            assertThat(h.get("x-forwarded-for").asText()).isEqualTo("127.0.0.1");
            assertThat(h.get("x-forwarded-proto").asText()).isEqualTo("http");
            assertThat(h.get("x-forwarded-host").asText()).isEqualTo("api.example.com");
            assertThat(h.get("forwarded").asText()).isEqualTo("for=127.0.0.1;proto=http;host=\"api.example.com\"");
            assertThat(h.get("via").asText()).isEqualTo("1.1 turnpike");
            assertThat(h.get("x-request-id").asText()).isEqualTo("abc-123");
            // the upstream joins the client's trace, with the gateway's span as its parent
            assertThat(h.get("traceparent").asText())
                    .matches("00-0af7651916cd43dd8448eb211c80319c-[0-9a-f]{16}-01")
                    .isNotEqualTo("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
            assertThat(r.header("x-request-id")).isEqualTo("abc-123");
            // the backend's own hop-by-hop headers do not reach the client either
            assertThat(r.header("x-backend-hop")).isNull();
            assertThat(r.header("keep-alive")).isNull();
            assertThat(r.header("via")).isEqualTo("1.1 turnpike");
        }
    }

    @Test
    void replacesMalformedRequestIdAndStartsATrace() throws Exception {
        try (RawHttp c = new RawHttp(gateway.port())) {
            c.send("GET /echo HTTP/1.1\r\nHost: x\r\nX-Request-Id: bad id <script>\r\ntraceparent: nonsense\r\n\r\n");
            RawHttp.Response r = c.read();
            JsonNode h = Json.parse(r.body()).get("headers");
            assertThat(h.get("x-request-id").asText()).matches("[0-9a-f]{32}");
            assertThat(r.header("x-request-id")).isEqualTo(h.get("x-request-id").asText());
            assertThat(h.get("traceparent").asText()).matches("00-[0-9a-f]{32}-[0-9a-f]{16}-01");
        }
    }

    @Test
    void keepsClientConnectionsAndUpstreamConnectionsAlive() throws Exception {
        int before = backend.connections.get();
        try (RawHttp c = new RawHttp(gateway.port())) {
            for (int i = 0; i < 20; i++) {
                c.send("GET /echo HTTP/1.1\r\nHost: x\r\n\r\n");
                assertThat(c.read().status()).isEqualTo(200);
            }
        }
        assertThat(backend.connections.get() - before).isLessThanOrEqualTo(1);
    }

    @Test
    void servesPipelinedRequestsInOrder() throws Exception {
        try (RawHttp c = new RawHttp(gateway.port())) {
            c.send("GET /echo/1 HTTP/1.1\r\nHost: x\r\n\r\nGET /echo/2 HTTP/1.1\r\nHost: x\r\n\r\n"
                    + "POST /echo/3 HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc");
            assertThat(Json.parse(c.read().body()).get("uri").asText()).isEqualTo("/echo/1");
            assertThat(Json.parse(c.read().body()).get("uri").asText()).isEqualTo("/echo/2");
            JsonNode third = Json.parse(c.read().body());
            assertThat(third.get("uri").asText()).isEqualTo("/echo/3");
            assertThat(third.get("bodyBytes").asInt()).isEqualTo(3);
        }
    }

    @Test
    void http10ClientGetsTheBodyUntilClose() throws Exception {
        try (RawHttp c = new RawHttp(gateway.port())) {
            c.send("GET /bytes/5000?chunked=1 HTTP/1.0\r\n\r\n");
            RawHttp.Response r = c.read();
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.body()).hasSize(5000);
            assertThat(r.header("transfer-encoding")).isNull();
        }
    }
}
