package io.turnpike.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.turnpike.config.ConfigLoader;
import io.turnpike.server.Gateway;
import io.turnpike.testing.NoLeaks;
import io.turnpike.testing.RawHttp;
import io.turnpike.testing.RawOrigin;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What reaches the origin when a client plays with the headers a proxy edits: Connection tokens
 * that name the framing, Host in every form, forwarding headers it has no right to set. The origin
 * here parses like any plain HTTP/1.1 server, so a framing disagreement shows up as a second request.
 */
@ExtendWith(NoLeaks.class)
class HeaderHygieneTest {
    static RawOrigin origin;
    static Gateway gateway;

    @BeforeAll
    static void start() throws Exception {
        origin = new RawOrigin();
        ConfigLoader.Result r = ConfigLoader.parse("hygiene.yaml", """
                server: { listen: "127.0.0.1:0", eventLoops: 1, trustedProxies: [127.0.0.2/32] }
                admin: { listen: off }
                observe: { accessLog: { enabled: false } }
                services:
                  svc: { nodes: [ "%s" ] }
                routes:
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
    void clear() {
        origin.seen.clear();
        origin.answer(s -> "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
    }

    private static RawOrigin.Seen only() throws InterruptedException {
        Thread.sleep(100); // a smuggled second request would arrive right behind the first
        assertThat(origin.requestLines()).hasSize(1);
        return origin.seen.peek();
    }

    /** The origin got one request, a POST framed by its Content-Length whose body is {@code body}, without Connection. */
    private static RawOrigin.Seen onePostCarrying(String body) throws InterruptedException {
        RawOrigin.Seen s = only();
        assertThat(s.requestLine()).isEqualTo("POST /open HTTP/1.1");
        assertThat(s.header("content-length")).isEqualTo(String.valueOf(body.length()));
        assertThat(s.bodyText()).isEqualTo(body);
        assertThat(s.header("connection")).isNull();
        return s;
    }

    /**
     * Two GETs ({@code path}0 and {@code path}1) on one connection, each answered 200 and checked:
     * the second answer on the same connection proves the first was framed.
     */
    private static void twoAnswersOnOneConnection(String path, Consumer<RawHttp.Response> check) throws Exception {
        try (RawHttp c = new RawHttp(gateway.port())) {
            for (int i = 0; i < 2; i++) {
                c.send("GET " + path + i + " HTTP/1.1\r\nHost: a\r\n\r\n");
                RawHttp.Response r = c.read();
                assertThat(r.status()).isEqualTo(200);
                check.accept(r);
            }
        }
    }

    @Test
    void connectionNamingContentLengthCannotTurnTheBodyIntoASecondRequest() throws Exception {
        String smuggled = "GET /smuggled-secret HTTP/1.1\r\nHost: x\r\nX-Consumer-Id: admin\r\n\r\n";
        try (RawHttp c = new RawHttp(gateway.port())) {
            c.send("POST /open HTTP/1.1\r\nHost: a\r\nConnection: keep-alive, Content-Length\r\nContent-Length: "
                    + smuggled.length() + "\r\n\r\n" + smuggled);
            assertThat(c.read().status()).isEqualTo(200);
        }
        RawOrigin.Seen s = onePostCarrying(smuggled);
    }

    /** The smuggling and spoofing attempts above in odd letter cases: every check on a name folds its case. */
    @Test
    void theSameAttacksInAnyLetterCaseAreCaughtAlike() throws Exception {
        String smuggled = "GET /smuggled-secret HTTP/1.1\r\nHost: x\r\n\r\n";
        try (RawHttp c = new RawHttp(gateway.port())) {
            c.send("POST /open HTTP/1.1\r\nHOST: a.test\r\ncOnNeCtIoN: keep-alive, CONTENT-length\r\n"
                    + "X-FORWARDED-FOR: 6.6.6.6\r\nx-forwarded-HOST: evil.test\r\nFORWARDED: for=6.6.6.6\r\n"
                    + "PROXY-Authorization: Basic c2VjcmV0\r\nX-CONSUMER-ID: admin\r\ncontent-LENGTH: "
                    + smuggled.length() + "\r\n\r\n" + smuggled);
            assertThat(c.read().status()).isEqualTo(200);
        }
        RawOrigin.Seen s = onePostCarrying(smuggled);
        assertThat(s.header("x-forwarded-for")).isEqualTo("127.0.0.1");
        assertThat(s.header("x-forwarded-host")).isEqualTo("a.test");
        assertThat(s.header("forwarded")).isEqualTo("for=127.0.0.1;proto=http;host=\"a.test\"");
        assertThat(s.header("proxy-authorization")).isNull();
        assertThat(s.header("x-consumer-id")).isNull();
    }

    @Test
    void connectionNamingTransferEncodingKeepsTheChunkedFraming() throws Exception {
        String smuggled = "GET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n";
        try (RawHttp c = new RawHttp(gateway.port())) {
            c.send("POST /open HTTP/1.1\r\nHost: a\r\nConnection: Transfer-Encoding, TE\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + Integer.toHexString(smuggled.length()) + "\r\n" + smuggled + "\r\n0\r\n\r\n");
            assertThat(c.read().status()).isEqualTo(200);
        }
        RawOrigin.Seen s = only();
        assertThat(s.header("transfer-encoding")).isEqualTo("chunked");
        assertThat(s.bodyText()).isEqualTo(smuggled);
    }

    @Test
    void connectionNamingHostKeepsHost() throws Exception {
        try (RawHttp c = new RawHttp(gateway.port())) {
            c.send("GET /h HTTP/1.1\r\nHost: api.example\r\nConnection: Host\r\n\r\n");
            assertThat(c.read().status()).isEqualTo(200);
        }
        assertThat(only().header("host")).isEqualTo("api.example");
    }

    @Test
    void connectionCannotRemoveTheHeadersTheGatewayAdds() throws Exception {
        try (RawHttp c = new RawHttp(gateway.port())) {
            c.send("GET /h HTTP/1.1\r\nHost: a\r\nConnection: X-Request-Id, X-Forwarded-For, Forwarded, Via, X-Custom\r\n"
                    + "X-Custom: hop\r\nX-Request-Id: client-id-1\r\n\r\n");
            assertThat(c.read().status()).isEqualTo(200);
        }
        RawOrigin.Seen s = only();
        assertThat(s.header("x-custom")).isNull(); // a real hop-by-hop header named by Connection goes
        assertThat(s.header("x-request-id")).isNotNull();
        assertThat(s.header("x-forwarded-for")).isEqualTo("127.0.0.1");
        assertThat(s.header("forwarded")).startsWith("for=127.0.0.1;proto=http");
        assertThat(s.header("via")).isEqualTo("1.1 turnpike");
    }

    @Test
    void aResponseWhoseConnectionNamesContentLengthStaysFramedForTheClient() throws Exception {
        origin.answer(s -> "HTTP/1.1 200 OK\r\nConnection: content-length, transfer-encoding\r\nContent-Length: 5\r\n\r\nhello");
        twoAnswersOnOneConnection("/r", r -> {
            assertThat(r.header("content-length")).isEqualTo("5");
            assertThat(r.body()).isEqualTo("hello");
        });
    }

    /** A node's plain answer goes out as its bytes, but never with what was meant for the hop. */
    @Test
    void aNodesHopByHopFieldsStayBehindWhenItsHeadPassesAsBytes() throws Exception {
        origin.answer(s -> "HTTP/1.1 200 OK\r\nConnection: X-Node-Secret\r\nX-Node-Secret: 1\r\n"
                + "Keep-Alive: timeout=5\r\nProxy-Thing: a\r\nX-Kept:  v \r\nContent-Length: 2\r\n\r\nok");
        twoAnswersOnOneConnection("/h", r -> {
            assertThat(r.body()).isEqualTo("ok");
            assertThat(r.header("x-kept")).isEqualTo("v");
            assertThat(r.header("x-node-secret")).isNull();
            assertThat(r.header("connection")).isNull();
            assertThat(r.header("keep-alive")).isNull();
            assertThat(r.header("proxy-thing")).isNull();
            assertThat(r.header("via")).isEqualTo("1.1 turnpike");
        });
    }

    /**
     * Keep-alive among the names, in any case and spacing, over two Connection lines: the named
     * fields stay behind, Content-Length is never one of them, and the answer stays framed.
     */
    @Test
    void aNodesConnectionListMixingKeepAliveWithNamesDropsOnlyTheNamedFields() throws Exception {
        origin.answer(s -> "HTTP/1.1 200 OK\r\nConnection: Keep-Alive ,x-node-secret, CONTENT-LENGTH\r\n"
                + "Connection: ,\tX-Other,,close-ish\r\nX-Node-Secret: 1\r\nX-Other: 2\r\nClose-Ish: 3\r\n"
                + "X-Keep-Alive: 4\r\nContent-Length: 2\r\n\r\nok");
        twoAnswersOnOneConnection("/m", r -> {
            assertThat(r.header("content-length")).isEqualTo("2");
            assertThat(r.body()).isEqualTo("ok");
            assertThat(r.header("x-node-secret")).isNull();
            assertThat(r.header("x-other")).isNull();
            assertThat(r.header("close-ish")).isNull();
            assertThat(r.header("x-keep-alive")).isEqualTo("4");
            assertThat(r.header("connection")).isNull();
        });
    }

    @Test
    void absoluteFormReplacesTheClientsHost() throws Exception {
        try (RawHttp c = new RawHttp(gateway.port())) {
            c.send("GET http://public.test/x HTTP/1.1\r\nHost: internal.test\r\n\r\n");
            assertThat(c.read().status()).isEqualTo(200);
        }
        RawOrigin.Seen s = only();
        assertThat(s.requestLine()).isEqualTo("GET /x HTTP/1.1");
        assertThat(s.header("host")).isEqualTo("public.test");
        assertThat(s.count("host")).isEqualTo(1);
        assertThat(s.header("x-forwarded-host")).isEqualTo("public.test");
    }

    @Test
    void absoluteFormWithTwoHostHeadersIsRefused() throws Exception {
        try (RawHttp c = new RawHttp(gateway.port())) {
            c.send("GET http://public.test/x HTTP/1.1\r\nHost: a.test\r\nHost: b.test\r\n\r\n");
            assertThat(c.read().status()).isEqualTo(400);
        }
        Thread.sleep(100);
        assertThat(origin.seen).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"evil\";for=6.6.6.6", "a,b", "a;b", "a/b", "a@b", "a\\b", "[::1", "a:80:80", "a:http",
            ":80", "a b"})
    void aHostThatIsNotAnAuthorityIsRefused(String host) throws Exception {
        try (RawHttp c = new RawHttp(gateway.port())) {
            c.send("GET /x HTTP/1.1\r\nHost: " + host + "\r\n\r\n");
            assertThat(c.read().status()).isEqualTo(400);
        }
        Thread.sleep(50);
        assertThat(origin.seen).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"api.example.com", "api.example.com:8080", "127.0.0.1:80", "[::1]:8080", "under_score.test"})
    void validAuthoritiesPassAndAreQuotedInForwarded(String host) throws Exception {
        try (RawHttp c = new RawHttp(gateway.port())) {
            c.send("GET /x HTTP/1.1\r\nHost: " + host + "\r\n\r\n");
            assertThat(c.read().status()).isEqualTo(200);
        }
        assertThat(only().header("forwarded")).isEqualTo("for=127.0.0.1;proto=http;host=\"" + host + "\"");
    }

    @Test
    void forwardingHeadersFromAnUntrustedPeerAreReplacedNotExtended() throws Exception {
        try (RawHttp c = new RawHttp(gateway.port())) {
            c.send("GET /x HTTP/1.1\r\nHost: a.test\r\nForwarded: for=6.6.6.6;host=evil\r\nX-Forwarded-For: 6.6.6.6\r\n"
                    + "X-Real-IP: 6.6.6.6\r\nX-Forwarded-Host: evil.test\r\nX-Forwarded-Proto: https\r\n"
                    + "X-Forwarded-Port: 443\r\nX-Forwarded-Prefix: /admin\r\n\r\n");
            assertThat(c.read().status()).isEqualTo(200);
        }
        RawOrigin.Seen s = only();
        assertThat(s.header("forwarded")).isEqualTo("for=127.0.0.1;proto=http;host=\"a.test\"");
        assertThat(s.header("x-forwarded-for")).isEqualTo("127.0.0.1");
        assertThat(s.header("x-real-ip")).isNull();
        assertThat(s.header("x-forwarded-host")).isEqualTo("a.test");
        assertThat(s.header("x-forwarded-proto")).isEqualTo("http");
        assertThat(s.header("x-forwarded-port")).isNull();
        assertThat(s.header("x-forwarded-prefix")).isNull();
    }

    @Test
    void forwardingHeadersFromATrustedProxyAreExtended() throws Exception {
        try (RawHttp c = new RawHttp(gateway.port(), "127.0.0.2")) {
            c.send("GET /x HTTP/1.1\r\nHost: a.test\r\nForwarded: for=203.0.113.9;proto=https\r\nX-Forwarded-For: 203.0.113.9\r\n"
                    + "X-Forwarded-Proto: https\r\nX-Real-IP: 203.0.113.9\r\n\r\n");
            assertThat(c.read().status()).isEqualTo(200);
        }
        RawOrigin.Seen s = only();
        assertThat(s.header("x-forwarded-for")).isEqualTo("203.0.113.9, 127.0.0.2");
        assertThat(s.header("forwarded")).isEqualTo("for=203.0.113.9;proto=https, for=127.0.0.2;proto=http;host=\"a.test\"");
        assertThat(s.header("x-forwarded-proto")).isEqualTo("https");
        assertThat(s.header("x-real-ip")).isEqualTo("203.0.113.9");
    }

    @Test
    void pipelinedRequestsAfterASmugglingAttemptGetTheirOwnAnswers() throws Exception {
        origin.answer(s -> {
            String body = s.requestLine();
            return "HTTP/1.1 200 OK\r\nContent-Length: " + body.length() + "\r\n\r\n" + body;
        });
        String smuggled = "GET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n";
        try (RawHttp attacker = new RawHttp(gateway.port())) {
            attacker.send("POST /first HTTP/1.1\r\nHost: a\r\nConnection: Content-Length\r\nContent-Length: "
                    + smuggled.length() + "\r\n\r\n" + smuggled);
            assertThat(attacker.read().body()).isEqualTo("POST /first HTTP/1.1");
        }
        try (RawHttp victim = new RawHttp(gateway.port())) {
            victim.send("GET /victim HTTP/1.1\r\nHost: a\r\n\r\n");
            assertThat(victim.read().body()).isEqualTo("GET /victim HTTP/1.1");
        }
        assertThat(origin.requestLines()).containsExactly("POST /first HTTP/1.1", "GET /victim HTTP/1.1");
    }


    @Test
    void requestTrailersNeverReachTheOrigin() throws Exception {
        try (RawHttp c = new RawHttp(gateway.port())) {
            c.send("POST /t HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nTrailer: X-Consumer-Id\r\n\r\n"
                    + "5\r\nhello\r\n0\r\nX-Consumer-Id: admin\r\nHost: internal\r\n\r\n");
            assertThat(c.read().status()).isEqualTo(200);
        }
        RawOrigin.Seen s = only();
        assertThat(s.bodyText()).isEqualTo("hello");
        assertThat(s.header("trailer")).isNull();
        // RawOrigin reads trailers like headers would be read by a server that merges them: none came
        assertThat(s.header("x-consumer-id")).isNull();
    }

    @Test
    void theGatewaysOwnVerdictHeadersNeverComeFromTheClient() throws Exception {
        try (RawHttp c = new RawHttp(gateway.port())) {
            c.send("GET /v HTTP/1.1\r\nHost: a\r\nX-Client-Profile: partner\r\nX-Consumer-Id: admin\r\n"
                    + "X-Consumer-Groups: root\r\nx-consumer-custom-id: 7\r\n\r\n");
            assertThat(c.read().status()).isEqualTo(200);
        }
        RawOrigin.Seen s = only();
        assertThat(s.header("x-client-profile")).isNull();
        assertThat(s.header("x-consumer-id")).isNull();
        assertThat(s.header("x-consumer-groups")).isNull();
        assertThat(s.header("x-consumer-custom-id")).isNull();
    }

    @Test
    void anH2cUpgradeIsNeitherHonouredNorForwarded() throws Exception {
        try (RawHttp c = new RawHttp(gateway.port())) {
            c.send("GET /u HTTP/1.1\r\nHost: a\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\n"
                    + "HTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n\r\n");
            RawHttp.Response r = c.read();
            assertThat(r.status()).isEqualTo(200); // an ordinary answer, never 101
            assertThat(r.header("upgrade")).isNull();
        }
        RawOrigin.Seen s = only();
        assertThat(s.header("upgrade")).isNull();
        assertThat(s.header("http2-settings")).isNull();
        assertThat(s.header("connection")).isNull();
    }
}
